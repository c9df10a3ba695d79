"""Regressions found by the issue-18 acceptance audit (session 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.train.explain import explain_infeasible
from planner.train.search import exact_search

from .conftest import tiny_spec
from .test_hsdp import _problem as _hsdp_problem  # 4 layers, 16 heads, 8 A100 in 2-GPU nodes


def test_memory_explanation_keeps_a_pinned_shard_group():
    # 1.5 GiB usable: fully sharded ZeRO-3 needs ~0.7 GiB, a shard group of 2 ~2.1 GiB
    pinned = dict(tp=1, pp=1, cp=1, zero=3, microbatch=1, use_all_gpus=True)
    headroom = 80.0 - 1.5
    free = _hsdp_problem(**pinned, memory_headroom_gib=headroom)
    assert exact_search(free, top_k=1).ranked  # fits when the group is free
    prob = _hsdp_problem(**pinned, shard_group=2, memory_headroom_gib=headroom)
    assert not exact_search(prob, top_k=1).ranked
    reason, data = explain_infeasible(prob)
    # the smallest need is that of a plan with the pinned group, above what is available
    assert data["min_memory_plan"]["shard_group"] == 2, reason
    assert data["min_memory_gb"] - data["memory_breakdown_gb"]["reserved"] > 1.5, reason


BASE = ("--model", "gpt-1.7b", "--gpus", "32xA100", "-B", "64", "-s", "2048", "-t", "10")


def _cli(capsys, *args):
    from planner.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["plan", "train", *BASE, *args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_table_shows_partial_recompute_layers_and_shard_group(capsys):
    fix = "tp=1,pp=2,dp=16,mb=1,zero=1,recompute=full,recompute_layers=2"
    code, out, _ = _cli(capsys, "--fix", fix)
    assert code == 0 and "full (2 layers per stage)" in out
    code, out, _ = _cli(capsys, "--fix", "tp=1,pp=1,dp=32,mb=1,zero=1,shard_group=4")
    assert code == 0 and "shard_group" in out and "4 (hybrid sharding)" in out


def test_pinned_shard_group_with_partial_recompute_names_the_limit(capsys):
    fix = "tp=1,pp=2,dp=16,mb=1,zero=1,recompute=full,recompute_layers=2,shard_group=4"
    code, out, _ = _cli(capsys, "--fix", fix)
    assert code == 0 and "INFEASIBLE" in out and "not searched together" in out


def test_plans_that_read_the_same_are_told_apart():
    from planner.train.instance import TrainingPlan, distinct_labels
    from planner.train.simplicity import reasons

    even = TrainingPlan(tp=1, pp=2, dp=4, microbatch=1, zero=1, stage_layers=(2, 2))
    uneven = TrainingPlan(tp=1, pp=2, dp=4, microbatch=1, zero=1, stage_layers=(1, 3))
    other = TrainingPlan(tp=2, pp=2, dp=2, microbatch=1, zero=1, stage_layers=(1, 3))
    labels = distinct_labels([even, uneven, other])
    assert len(set(labels)) == 3 and labels[2] == other.short()
    assert labels[0].endswith("layers 2x2") and labels[1].endswith("layers 1, 3")
    prob = _hsdp_problem()
    assert reasons(prob, even, uneven) == ["even stages (2x2 vs 1, 3)"]


def test_a_gpu_without_a_price_shows_no_zero_cost(capsys):
    code, out, _ = _cli(capsys, "--gpus", "32xH800", "--fix", "tp=1,pp=1,dp=32,mb=1")
    assert code == 0 and "no price known" in out and "$0/h" not in out


def test_exports_of_uneven_chunks_say_what_the_tool_refuses_or_set_the_chunk_size():
    import math

    from planner.train.export import KEYS, export
    from planner.train.instance import TrainingPlan

    from .conftest import problem

    prob = problem(tiny_spec(layers=8), gpus="8xA100", batch=16)
    even = TrainingPlan(tp=1, pp=2, dp=4, microbatch=1, interleave=2, stage_layers=(4, 4))
    odd = replace(even, interleave=3, stage_layers=(3, 5))
    for fmt in ("megatron", "nemo"):
        assert not any("virtual stages" in n for n in export(prob, even, fmt)["notes"])
    notes = export(prob, odd, "nemo")["notes"]
    assert any("divisible by the 3 virtual stages" in n for n in notes), notes
    # Megatron-LM takes the chunks as a pipeline layout instead (core_v0.15.3, the export's
    # release, builds it: no note)
    out = export(prob, odd, "megatron")
    assert "--pipeline-model-parallel-layout" in out["settings"]
    assert out["notes"] == [], out["notes"]
    # torchtitan: ceil((layers + first_less + last_less) / layers_per_stage) virtual stages
    for plan in (even, replace(even, stage_layers=(3, 5))):
        s = export(prob, plan, "torchtitan")["settings"]
        assert set(s) <= KEYS["torchtitan"]
        weighted = (
            8
            + s["parallelism.pipeline_parallel_first_stage_less_layers"]
            + s["parallelism.pipeline_parallel_last_stage_less_layers"]
        )
        per = s["parallelism.pipeline_parallel_layers_per_stage"]
        assert math.ceil(weighted / per) == plan.pp * plan.interleave
    out = export(prob, odd, "torchtitan")
    assert "parallelism.pipeline_parallel_layers_per_stage" not in out["settings"]
    assert any("module_fqns_per_model_part" in n for n in out["notes"])


def test_an_invalid_tp_names_only_the_broken_condition(capsys):
    from planner.train.space import tp_ok, tp_violations

    prob = _hsdp_problem()  # 16 heads (16 KV heads), FFN 8192, 2-GPU nodes
    assert tp_violations(prob, 2) == [] and tp_ok(prob, 2)
    assert tp_violations(prob, 3) == [
        "tile the 2-GPU nodes of A100-80GB",
        "divide the 16 attention heads",
        "divide the 16 KV heads",
        "divide the FFN width 8192",
    ]
    assert not tp_ok(prob, 3)
    code, out, _ = _cli(capsys, "--model", "llama-3.1-8b", "--fix", "tp=16")
    assert code == 0 and "INFEASIBLE" in out and "divide the 8 KV heads" in out
    assert "attention heads" not in out


def test_against_names_its_own_flag(capsys):
    code, _out, err = _cli(capsys, "--against", "tp=2,foo=3")
    assert code == 2 and "--against: unknown key 'foo'" in err


TORCHTITAN = """[parallelism]
data_parallel_shard_degree = 4
tensor_parallel_degree = 2
pipeline_parallel_degree = 2
pipeline_parallel_schedule = "Interleaved1F1B"
pipeline_parallel_first_stage_less_layers = 0
pipeline_parallel_last_stage_less_layers = 0
pipeline_parallel_layers_per_stage = {per}

[training]
local_batch_size = 16
seq_len = 2048
"""


def test_torchtitan_layers_per_stage_is_read_back(capsys, tmp_path):
    import json

    toml = tmp_path / "job.toml"
    toml.write_text(TORCHTITAN.format(per=4))  # gpt-1.7b: 24 layers = 2 ranks x 3 x 4
    args = ("--model", "gpt-1.7b", "--gpus", "16xA100", "--from", "torchtitan", str(toml))
    code, out, _ = _cli(capsys, *args, "--json")
    d = json.loads(out)
    assert code == 0 and d["plan"]["interleave"] == 3 and d["plan"]["pp"] == 2
    toml.write_text(TORCHTITAN.format(per=5))  # 5 stages: not a multiple of the 2 ranks
    code, _out, err = _cli(capsys, *args)
    assert code == 2 and "pipeline_parallel_layers_per_stage 5" in err


def test_table_shows_memory_of_every_stage(capsys):
    import re

    code, out, _ = _cli(capsys, "--fix", "tp=1,pp=2,dp=16,mb=1,zero=1,recompute=none")
    assert code == 0 and "memory per GPU by stage" in out
    section = out.split("memory per GPU by stage")[1].split("alternatives")[0]
    # stage 0 holds the embedding, stage 1 the output layer: two rows, totals differ
    rows = [r for r in section.splitlines() if re.match(r"│\s+[01] ", r)]
    assert len(rows) == 2 and rows[0].split("│")[-2] != rows[1].split("│")[-2]


def test_breakdown_plot_has_memory_per_stage(capsys, tmp_path):
    import json

    from planner.train.breakdown_plot import MEMORY_ORDER, memory_bars, segments

    png = tmp_path / "bd.png"
    fix = "tp=1,pp=2,dp=16,mb=1,zero=1,recompute=none"
    code, out, _ = _cli(capsys, "--fix", fix, "--json", "--plot-breakdown", str(png))
    d = json.loads(out)
    assert code == 0 and png.stat().st_size > 1000
    bars = memory_bars(d)
    assert [label for label, _m in bars] == ["stage 0", "stage 1"]
    for (_label, mem), stage in zip(bars, d["stages"], strict=True):
        assert sum(mem.values()) == pytest.approx(stage["memory_gib"]["total"], abs=0.01)
    _labels, segs = segments(bars, MEMORY_ORDER)
    assert list(segs)[:2] == ["weights", "gradients"]


def test_a_plan_priced_with_a_profile_names_it(capsys, monkeypatch, tmp_path):
    import json

    from planner.train.profiles import ACTIVE, save_profile

    monkeypatch.setenv("PLANNER_CONFIG_DIR", str(tmp_path))
    save_profile("lab", {"constants": {"gemm_efficiency_ampere": 0.6}}, "runs.csv")
    code, out, _ = _cli(capsys, "--fix", "tp=1,pp=1,dp=32,mb=1", "--profile", "lab", "--json")
    assert code == 0 and json.loads(out)["profile"] == "lab"
    code, out, _ = _cli(capsys, "--fix", "tp=1,pp=1,dp=32,mb=1", "--profile", "lab")
    assert code == 0 and "constants of profile lab" in " ".join(out.split())  # wrapped
    code, out, _ = _cli(capsys, "--fix", "tp=1,pp=1,dp=32,mb=1", "--json")
    assert json.loads(out)["profile"] is None and ACTIVE.get() is None


@pytest.mark.parametrize(
    ("fix", "reason"),
    [
        ("pp=1,v=3", "interleave=3 needs pipeline parallelism"),
        ("sp=on,tp=1", "it needs tp > 1"),
    ],
)
def test_pins_outside_the_space_name_their_reason(capsys, fix, reason):
    code, out, _ = _cli(capsys, "--fix", fix)
    assert code == 0 and "INFEASIBLE" in out and reason in " ".join(out.split())


@pytest.mark.parametrize(
    "flag", ["--failure-rate", "--checkpoint-gbps", "--checkpoint-every", "--restart-minutes"]
)
def test_time_to_train_settings_need_tokens(capsys, flag):
    code, _out, err = _cli(capsys, flag, "1")
    assert code == 2 and f"{flag} sets up the time to train: it needs --tokens" in err


def test_network_flag_sets_every_pools_fabric(capsys):
    import json

    fix = ("--fix", "tp=1,pp=1,dp=32,mb=2,recompute=none", "--json")
    rates = {}
    for net in ("roce-200", "ib-xdr"):
        code, out, _ = _cli(capsys, *fix, "--network", net)
        assert code == 0
        rates[net] = json.loads(out)["breakdown"]["dp_comm"]
    assert rates["roce-200"] > rates["ib-xdr"]  # 200 against 800 Gb/s per GPU
    code, _out, err = _cli(capsys, *fix, "--network", "nvlink9")
    assert code == 2 and "unknown network 'nvlink9'" in err


GPT7 = ("--model", "gpt-7.5b")  # 32 heads: tp=16 divides them


def test_max_tp_keeps_tensor_parallelism_inside_a_node(capsys):
    import json

    code, out, _ = _cli(capsys, *GPT7, "--fix", "tp=16", "--json")  # spans two 8-GPU nodes
    assert code == 0 and json.loads(out)["plan"]["tp"] == 16
    code, out, _ = _cli(capsys, *GPT7, "--fix", "tp=16", "--max-tp", "8")
    assert code == 0 and "tp=16 exceeds max_tp=8 (a node holds 8 GPUs)" in " ".join(out.split())
    code, out, _ = _cli(capsys, "--max-tp", "2", "--json")
    assert code == 0 and json.loads(out)["plan"]["tp"] <= 2


def test_memory_reason_states_the_drivers_capacity(capsys):
    # H100 80GB: nvidia-smi's 81,559 MiB = 79.6 GiB (was rounded to "80 GiB available")
    code, out, _ = _cli(capsys, "--model", "llama-3.1-405b", "--gpus", "8xH100", "-B", "64")
    assert code == 0 and "79.6 GiB available" in " ".join(out.split())


def test_a_tp_above_the_gpu_count_says_so(capsys):
    # 3 x H100 with --fix tp=8 said "it must tile the 3-GPU nodes of H100-SXM" (s31user)
    import json

    from planner.cli import main

    args = ["plan", "train", "--model", "llama-3.1-8b", "--gpus", "3xH100", "-B", "12"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "-s", "2048", "-t", "2", "--fix", "tp=8", "--json"])
    d = json.loads(capsys.readouterr().out)
    assert exc.value.code == 0 and d["status"] == "INFEASIBLE"
    assert d["reason"] == "tp=8 needs 8 GPUs, only 3 available", d["reason"]
