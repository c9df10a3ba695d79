"""Expert tensor parallelism (routed experts split over fewer ranks than the attention TP:
Megatron-Core's MoE parallel folding) as a search choice."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.perfmodel.hardware import parse_cluster
from planner.train.evaluate import verify
from planner.train.explain import structural_reason
from planner.train.export import export
from planner.train.fixes import parse_fix
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.launch import problem_args, read_text_launch
from planner.train.search import exact_search
from planner.train.step_time import quick

from .conftest import brute_force, tiny_moe_spec, tiny_spec


def _moe(layers: int = 2, experts: int = 4):
    # four KV heads: TP up to 4 on the 4-GPU nodes
    return replace(tiny_moe_spec(layers=layers, experts=experts), kv_heads=4)


def _problem(model=None, gpus: str = "8xA100", **constraints) -> TrainingProblem:
    return TrainingProblem(
        "etp",
        model or _moe(),
        parse_cluster(gpus, gpus_per_node=4),
        Workload(8, 512),
        Constraints(**constraints),
        meta={},
    )


def test_a_fixed_expert_tp_is_kept_and_priced():
    prob = _problem(tp=4, expert_tp=1, pp=1, microbatch=1, recompute="none")
    out = exact_search(prob, top_k=1)
    plan, q = out.ranked[0]
    assert plan.etp == 1 and plan.sequence_parallel and "etp1" in plan.short()
    assert verify(prob, plan) == []
    assert plan.to_dict()["expert_tp"] == 1
    assert TrainingPlan.from_dict(plan.to_dict()) == plan
    # whole experts: the expert GEMMs and their weights differ from experts split over tp
    wide = quick(prob, replace(plan, expert_tp=0, ep=1))
    assert (wide.step_time, wide.memory) != (q.step_time, q.memory)
    best, _plan, _n = brute_force(prob)
    assert q.objective == pytest.approx(best, rel=1e-9)


def test_expert_tp_is_searched_only_when_asked():
    # ep = 4 on a single data-parallel rank: only experts folded over the 4 TP ranks fit
    prob = _problem(tp=4, pp=1, dp=1, ep=4, microbatch=1, recompute="none", max_gpus=4)
    assert exact_search(prob, top_k=3).ranked == []
    asked = exact_search(prob.with_constraints(search_expert_tp=True), top_k=3)
    assert asked.complete and asked.ranked
    assert all(p.etp == 1 and p.ep > p.dp for p, _q in asked.ranked)
    # a superset of the space: never worse than etp = tp
    free = _problem(microbatch=1)
    plain = exact_search(free, top_k=1).ranked[0][1].objective
    folded = exact_search(free.with_constraints(search_expert_tp=True), top_k=1)
    assert folded.ranked[0][1].objective <= plain * (1 + 1e-12)


def test_verify_rules_of_a_folded_layout():
    prob = _problem()
    plan = TrainingPlan(
        tp=4, pp=1, dp=1, ep=4, expert_tp=1, sequence_parallel=True, stage_layers=(2,)
    )
    assert verify(prob, plan) == []  # etp * ep = 4 divides tp * cp * dp = 4
    assert "does not divide dp" in " ".join(verify(prob, replace(plan, expert_tp=0)))
    assert "tp*cp*dp" in " ".join(verify(prob, replace(plan, expert_tp=2)))  # 2 * 4 > 4
    assert "does not divide tp" in " ".join(verify(prob, replace(plan, expert_tp=3)))
    assert "sequence_parallel" in " ".join(verify(prob, replace(plan, sequence_parallel=False)))
    assert verify(prob, replace(plan, expert_tp=-1)) != []
    dense = _problem(model=tiny_spec(layers=2))
    flat = TrainingPlan(tp=4, pp=1, dp=1, expert_tp=1, sequence_parallel=True, stage_layers=(2,))
    assert "mixture-of-experts" in " ".join(verify(dense, flat))
    # the problem's fixed value is the effective one (0 = tp)
    fixed = prob.with_constraints(expert_tp=4)
    assert not any("fixes expert_tp" in x for x in verify(fixed, replace(plan, expert_tp=0)))
    assert any("fixes expert_tp" in x for x in verify(fixed, plan))


def test_exports_of_a_folded_plan():
    prob = _problem()
    plan = TrainingPlan(
        tp=4, pp=1, dp=2, ep=4, expert_tp=1, sequence_parallel=True, stage_layers=(2,)
    )
    mega = export(prob, plan, "megatron")["settings"]
    assert mega["--expert-tensor-parallel-size"] == 1
    assert mega["--expert-model-parallel-size"] == 4
    assert (
        export(prob, replace(plan, expert_tp=0, ep=2), "megatron")["settings"][
            "--expert-tensor-parallel-size"
        ]
        == 4
    )
    for fmt in ("nemo", "deepspeed", "torchtitan"):
        notes = " ".join(export(prob, plan, fmt)["notes"])
        assert "expert" in notes, fmt
    assert not any(
        "expert_tp" in n for n in export(prob, replace(plan, expert_tp=0), "nemo")["notes"]
    )


def test_megatron_import_pins_expert_tp():
    prob = _problem()
    text = (
        "--tensor-model-parallel-size 4 --pipeline-model-parallel-size 1 "
        "--expert-model-parallel-size 4 --expert-tensor-parallel-size 1 --sequence-parallel "
        "--micro-batch-size 1 --global-batch-size 8 --seq-length 512"
    )
    launch = read_text_launch("megatron", text)
    assert launch.fixed["expert_tp"] == 1
    pinned, open_ = problem_args(launch, prob.model, {"global_batch": None, "seq_len": None})
    assert pinned["expert_tp"] == 1 and open_["search_expert_tp"] is True
    assert "expert_tp" not in open_
    # without the argument Megatron's default (the TP size) is pinned
    default = read_text_launch("megatron", text.replace("--expert-tensor-parallel-size 1", ""))
    assert default.fixed["expert_tp"] == 4
    assert "search_expert_tp" not in default.constraints


def test_bad_expert_tp_input():
    with pytest.raises(InputError, match="expert_tp"):
        Constraints(expert_tp=0)
    assert parse_fix("etp=1,tp=4") == {"expert_tp": 1, "tp": 4}
    reason = structural_reason(_problem(tp=4, expert_tp=3))
    assert reason is not None and "expert_tp=3" in reason
    reason = structural_reason(_problem(model=tiny_spec(layers=2), tp=4, expert_tp=1))
    assert reason is not None and "dense" in reason


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gpus=st.sampled_from([4, 8]),
    experts=st.sampled_from([4, 8]),
    objective=st.sampled_from(["time", "cost"]),
)
def test_search_with_expert_tp_equals_brute_force(seed, gpus, experts, objective):
    rng = random.Random(seed)
    model = replace(
        _moe(layers=rng.choice([2, 3]), experts=experts),
        dense_layers=rng.choice([0, 0, 1]),
        moe_ffn=rng.choice([256, 512]),
    )
    prob = TrainingProblem(
        "e",
        model,
        parse_cluster(f"{gpus}x{rng.choice(['A100', 'H100'])}", gpus_per_node=4),
        Workload(rng.choice([4, 8]), rng.choice([256, 1024])),
        # a pinned TP makes folding compete (tiny models are otherwise fastest as pure DP)
        Constraints(search_expert_tp=True, objective=objective, tp=rng.choice([None, 2, 4])),
        meta={},
    )
    best, _plan, _count = brute_force(prob)
    out = exact_search(prob, top_k=2)
    assert out.complete
    got = out.ranked[0][1].objective if out.ranked else float("inf")
    assert got == pytest.approx(best, rel=1e-9)
    for plan, _q in out.ranked:
        assert verify(prob, plan) == []


def test_megatron_export_flags_expert_data_parallel_against_hsdp_instances():
    prob = _problem()
    # dp 2 in 2 instances of 1 rank; experts over ep = 2 of tp * dp = 2 ranks: one expert-DP rank
    plan = TrainingPlan(tp=1, pp=1, dp=2, ep=2, zero=1, shard_group=1, stage_layers=(2,))
    got = export(prob, plan, "megatron")
    assert got["settings"]["--num-distributed-optimizer-instances"] == 2
    assert any("expert data-parallel size (1)" in n for n in got["notes"])
    ok = export(prob, replace(plan, ep=1), "megatron")["notes"]
    assert not any("expert data-parallel" in n for n in ok)


@pytest.mark.parametrize("fmt", ["nemo", "torchtitan"])
def test_imports_without_an_expert_tp_setting_pin_expert_tp_to_tp(fmt):
    prob = _problem(search_expert_tp=True)
    plan = TrainingPlan(
        tp=4, pp=1, dp=2, ep=4, expert_tp=1, sequence_parallel=True, stage_layers=(2,)
    )
    launch = read_text_launch(fmt, export(prob, plan, fmt)["text"])
    assert launch.fixed["expert_tp"] == launch.fixed["tp"] == 4  # what that file launches
