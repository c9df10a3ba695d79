"""The Megatron-LM profile and export at Megatron-Core core_v0.15.3 (issue #18, Export / Search).

Every flag the export writes is an ``add_argument`` flag of that release's
``megatron/training/arguments.py`` (a verbatim extract, ``data/megatron_arguments_core_v0.15.3
.txt``, written by ``bench/session_runs/s14mcore/extract_megatron_flags.py``); splits only
``--pipeline-model-parallel-layout`` expresses are in the profile; the EP A2A overlap is refused
with full recompute as ``TransformerConfig.__post_init__`` refuses it there.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.train.evaluate import verify
from planner.train.export import KEYS, VERSIONS, export
from planner.train.frameworks import (
    A2A_RECOMPUTE_RULE,
    PROFILES,
    fixed_violation,
    megatron_ep_overlap,
    stage_shape_ok,
    violations,
)
from planner.train.instance import TrainingPlan
from planner.train.launch import parse_layout, read_text_launch
from planner.train.search import exact_search
from planner.train.step_time import training_step

from .conftest import brute_force, problem, tiny_moe_spec, tiny_spec
from .test_cli import run

TAG = "core_v0.15.3"
FLAGS_FILE = Path(__file__).parent / "data" / f"megatron_arguments_{TAG}.txt"


def _release_flags() -> set[str]:
    lines = FLAGS_FILE.read_text().splitlines()
    assert lines[0].startswith(f"# NVIDIA/Megatron-LM {TAG} (")  # the source tag and commit
    return {line for line in lines if not line.startswith("#")}


def test_the_profile_and_the_export_state_the_release() -> None:
    assert PROFILES["megatron"].version == TAG
    assert TAG in VERSIONS["megatron"]


def test_every_megatron_key_is_a_flag_of_the_release() -> None:
    """core_r0.12's list had --moe-flex-dispatcher-backend (Megatron-Core >= 0.16 only)."""
    flags = _release_flags()
    assert len(flags) > 500  # the whole parser, not a hand-picked list
    assert KEYS["megatron"] <= flags, sorted(KEYS["megatron"] - flags)


def _a2a(prob):
    return replace(prob, software=prob.software.with_(ep_overlap="a2a"))


MOE = tiny_moe_spec(layers=4, experts=4)
PLANS = [
    TrainingPlan(tp=1, pp=1, dp=8, ep=4, microbatch=1, zero=1, stage_layers=(4,)),
    TrainingPlan(tp=2, pp=2, dp=2, ep=2, microbatch=1, zero=1, interleave=2,
                 sequence_parallel=True, stage_layers=(1, 3), recompute="selective"),
    TrainingPlan(tp=1, pp=2, dp=4, ep=4, microbatch=1, zero=0, stage_layers=(3, 1),
                 recompute="full", recompute_layers=1),
]  # fmt: skip


@pytest.mark.parametrize("plan", PLANS, ids=["pp1", "layout", "partial"])
@pytest.mark.parametrize("dispatcher", ["alltoall", "flex"])
def test_exported_settings_are_flags_of_the_release(plan, dispatcher) -> None:
    prob = _a2a(problem(MOE, gpus="8xH100", batch=16))
    prob = replace(
        prob,
        workload=replace(prob.workload, precision="fp8"),
        software=prob.software.with_(dispatcher=dispatcher),
    )
    out = export(prob, plan, "megatron")
    assert set(out["settings"]) <= _release_flags()
    assert out["notes"] == []
    if plan.recompute != "full":  # the overlap priced is launched
        assert out["settings"]["--overlap-moe-expert-parallel-comm"] is True
    else:  # pp = 2 without virtual stages: not overlapped, not written (Megatron asserts)
        assert "--overlap-moe-expert-parallel-comm" not in out["settings"]


def test_a_split_only_the_layout_expresses_is_in_the_profile() -> None:
    """core_r0.12 refused a stage the virtual stages do not divide; the layout builds it."""
    fw = PROFILES["megatron"]
    assert stage_shape_ok(fw, (3, 5), 2) and stage_shape_ok(fw, (7, 8, 9, 7), 7)
    prob = problem(tiny_spec(layers=8), batch=16)
    plan = TrainingPlan(tp=1, pp=2, dp=4, microbatch=1, interleave=2, stage_layers=(3, 5))
    assert violations(fw, prob, plan) == []
    out = export(prob, plan, "megatron")
    stages = parse_layout(out["settings"]["--pipeline-model-parallel-layout"], 2, "layout")
    assert [sum(s.count("t") for s in stages[j::2]) for j in range(2)] == [3, 5]
    assert len(stages) == 4 and "--num-virtual-stages-per-pipeline-rank" not in out["settings"]
    assert out["notes"] == []


def test_a2a_overlap_with_full_recompute_is_refused() -> None:
    fw = PROFILES["megatron"]
    prob = _a2a(problem(MOE, gpus="8xA100", batch=16))
    plan = PLANS[0]
    full = replace(plan, recompute="full")
    assert megatron_ep_overlap(prob, full)
    assert A2A_RECOMPUTE_RULE in violations(fw, prob, full)
    assert any(
        A2A_RECOMPUTE_RULE in v for v in verify(prob.with_constraints(framework="megatron"), full)
    )
    # partial recompute too (recompute_method / recompute_num_layers must be None)
    partial = replace(PLANS[2], interleave=1)
    assert A2A_RECOMPUTE_RULE not in violations(fw, prob, partial)  # pp=2, v=1: no overlap
    assert A2A_RECOMPUTE_RULE in violations(fw, prob, replace(partial, pp=1, dp=8,
                                                              stage_layers=(4,)))  # fmt: skip
    # selective recompute, no overlap asked, or no EP: allowed
    assert violations(fw, prob, replace(plan, recompute="selective")) == []
    assert violations(fw, problem(MOE, gpus="8xA100", batch=16), full) == []
    assert violations(fw, prob, replace(full, ep=1)) == []
    # the export of such a plan (--framework any) keeps the recompute and says why the
    # overlap flag is not written
    out = export(prob, full, "megatron")
    assert out["settings"]["--recompute-granularity"] == "full"
    assert "--overlap-moe-expert-parallel-comm" not in out["settings"]
    assert any(A2A_RECOMPUTE_RULE in n for n in out["notes"])


def test_search_keeps_full_recompute_off_the_overlapped_plans() -> None:
    """With recompute fixed to full, the unrestricted best overlaps at pp = 1; Megatron's
    profile takes the best plan without the overlap (pp > 1, v = 1), the brute force's best
    among the plans the profile accepts."""
    free = _a2a(problem(MOE, gpus="8xA100", batch=16, recompute="full"))
    held = free.with_constraints(framework="megatron")
    unrestricted = exact_search(free, top_k=1).ranked[0][0]
    assert A2A_RECOMPUTE_RULE in violations(PROFILES["megatron"], free, unrestricted)
    got = exact_search(held, top_k=3)
    assert got.complete and got.ranked
    for plan, _q in got.ranked:
        assert verify(held, plan) == [] and not megatron_ep_overlap(held, plan)
    names = brute_force.__globals__
    real, seen = names["quick"], []

    def spy(p, plan):
        q = real(p, plan)
        if q.fits and not verify(held, plan):
            seen.append(q.objective)
        return q

    names["quick"] = spy
    try:
        brute_force(free)
    finally:
        names["quick"] = real
    assert abs(got.ranked[0][1].objective - min(seen)) <= 1e-9 * min(seen)


def test_fix_full_recompute_with_the_overlap_is_infeasible_naming_the_rule(capsys) -> None:
    prob = _a2a(problem(MOE, gpus="8xA100", batch=16, ep=4, pp=1, recompute="full"))
    why = fixed_violation(PROFILES["megatron"], prob.constraints, 8, prob)
    assert why and "overlap_moe_expert_parallel_comm" in why
    args = (
        "plan",
        "train",
        "--model",
        "mixtral-8x7b",
        "--gpus",
        "64xH100",
        "-B",
        "256",
        "-s",
        "4096",
    )
    fix = ("--fix", "ep=8,pp=1,recompute=full", "--software", "ep_overlap=a2a", "-t", "20")
    code, out, _err = run(capsys, *args, *fix, "--framework", "megatron", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE"
    assert "--overlap-moe-expert-parallel-comm" in d["reason"] and "full" in d["reason"]


def test_megatron_launch_reads_the_overlap_and_refuses_it_with_full_recompute() -> None:
    base = "--tensor-model-parallel-size 1 --expert-model-parallel-size 4 "
    base += "--moe-token-dispatcher-type alltoall "  # the default allgather is refused with it
    launch = read_text_launch("megatron", base + "--overlap-moe-expert-parallel-comm")
    assert launch.software["ep_overlap"] == "a2a"
    with pytest.raises(InputError, match="disable full recomputation"):
        read_text_launch(
            "megatron",
            base + "--overlap-moe-expert-parallel-comm --recompute-granularity full",
            "args.txt",
        )
    # a newer release's HybridEP flag is still read (the export no longer writes it)
    newer = "--tensor-model-parallel-size 1 --expert-model-parallel-size 4 "
    newer += "--moe-token-dispatcher-type flex --moe-flex-dispatcher-backend hybridep"
    assert read_text_launch("megatron", newer).software["flex_backend"] == "hybridep"


def test_hybridep_and_dualpipe_are_outside_the_profile() -> None:
    fw = PROFILES["megatron"]
    prob = problem(MOE, gpus="8xA100", batch=16)
    plan = PLANS[0]
    hybrid = replace(prob, software=prob.software.with_(dispatcher="flex", flex_backend="hybridep"))
    assert any("DeepEP only" in v for v in violations(fw, hybrid, plan))
    # every plan is refused: the search ends at once (it evaluated them all and timed out)
    held = hybrid.with_constraints(framework="megatron")
    out = exact_search(held, top_k=1)
    assert out.complete and not out.ranked and out.evaluated == 0
    assert "DeepEP only" in fixed_violation(fw, held.constraints, 8, held)
    dual = replace(prob, software=prob.software.with_(ep_overlap="dualpipe"))
    piped = TrainingPlan(tp=1, pp=2, dp=4, ep=4, microbatch=1, zero=1, stage_layers=(2, 2))
    assert any("DualPipe" in v for v in violations(fw, dual, piped))
    assert any("DualPipe" in n for n in export(dual, piped, "megatron")["notes"])


def test_plans_found_for_megatron_with_the_overlap_export_without_notes() -> None:
    """Every plan the megatron profile finds for an MoE model with the EP A2A overlap launches
    as priced: flags of the release, no note (recompute fixed to full: the overlapped plans
    are left out, the others written without the overlap flag)."""
    for fixed in ({}, {"recompute": "full"}):
        prob = _a2a(problem(MOE, gpus="8xA100", batch=16, framework="megatron", **fixed))
        out = exact_search(prob, top_k=5)
        assert out.ranked
        for plan, _q in out.ranked:
            got = export(prob, plan, "megatron")
            assert got["notes"] == [] and set(got["settings"]) <= _release_flags()
            overlapped = "--overlap-moe-expert-parallel-comm" in got["settings"]
            assert overlapped == megatron_ep_overlap(prob, plan)


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        # core_v0.15.3 TransformerConfig asserts each (transformer_config.py __post_init__)
        ("--pipeline-model-parallel-size 2", "virtual_pipeline_model_parallel_size must be"),
        ("--expert-model-parallel-size 1", "only supported with expert model parallelism"),
        ("", "alltoall/flex token dispatcher"),
        ("--recompute-granularity selective --recompute-method uniform", "recomputation method"),
        ("--recompute-method block", "disable recomputation method"),
    ],
)
def test_megatron_launch_refuses_the_overlap_where_megatron_asserts(extra, said) -> None:
    """The reader took these launches (ep_overlap=a2a, priced without the overlap at pp > 1
    with v = 1) though Megatron-Core refuses them at start-up (s14review)."""
    ep = "" if "--expert-model-parallel-size" in extra else "--expert-model-parallel-size 4 "
    dispatcher = "--moe-token-dispatcher-type alltoall " if extra else ""
    text = (
        f"--tensor-model-parallel-size 1 {ep}{dispatcher}{extra} --overlap-moe-expert-parallel-comm"
    )
    with pytest.raises(InputError, match=said):
        read_text_launch("megatron", text, "args.txt")
    # with virtual stages (or pp = 1), EP and a modelled dispatcher it is read as before
    ok = "--tensor-model-parallel-size 1 --expert-model-parallel-size 4 "
    ok += "--moe-token-dispatcher-type alltoall --overlap-moe-expert-parallel-comm "
    assert read_text_launch("megatron", ok).software["ep_overlap"] == "a2a"
    staged = ok + "--pipeline-model-parallel-size 2 --num-virtual-stages-per-pipeline-rank 2"
    assert read_text_launch("megatron", staged).software["ep_overlap"] == "a2a"


@pytest.mark.parametrize("moe", [False, True])
def test_dualpipe_schedule_is_outside_the_profile_without_ep_too(moe) -> None:
    """The DualPipe schedule is priced for a dense model and an ep = 1 plan as well (fewer
    bubbles); the profile let those through and exported them without a note (s14review)."""
    fw = PROFILES["megatron"]
    prob = problem(MOE if moe else tiny_spec(layers=4), gpus="8xA100", batch=16)
    dual = replace(prob, software=prob.software.with_(ep_overlap="dualpipe"))
    piped = TrainingPlan(tp=1, pp=2, dp=4, ep=1, microbatch=1, zero=1, stage_layers=(2, 2))
    assert training_step(dual, piped).schedule == "dualpipe"
    assert any("DualPipe" in v for v in violations(fw, dual, piped))
    assert any("DualPipe" in n for n in export(dual, piped, "megatron")["notes"])
    # the same plan interleaved runs Megatron's own schedule: allowed
    staged = replace(piped, interleave=2, stage_layers=(2, 2))
    assert training_step(dual, staged).schedule == "interleaved"
    assert not any("DualPipe" in v for v in violations(fw, dual, staged))
    # the search keeps to the plans Megatron can run
    held = dual.with_constraints(framework="megatron")
    for plan, _q in exact_search(held, top_k=3).ranked:
        assert training_step(held, plan).schedule != "dualpipe" and verify(held, plan) == []


def test_megatron_launch_refuses_recompute_num_layers_with_selective() -> None:
    """core_v0.15.3 ``TransformerConfig`` refuses ``recompute_num_layers`` with selective
    granularity (overlap or not); the reader took it (fifteenth session)."""
    base = "--tensor-model-parallel-size 2 --recompute-granularity selective "
    with pytest.raises(InputError, match="recompute_num_layers must be None"):
        read_text_launch("megatron", base + "--recompute-num-layers 2", "args.txt")
    assert read_text_launch("megatron", base).fixed["recompute"] == "selective"
