"""planner plan train / solve train / gen train through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.core.result import Status

from .conftest import INSTANCES


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_plan_train_json_fields(capsys):
    code, out, _err = run(
        capsys,
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "32xA100",
        "--global-batch",
        "512",
        "--seq",
        "2048",
        "--json",
        "--prefer-simple",
        "0",
        "--top",
        "3",
    )
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "OPTIMAL"
    for key in (
        "tp",
        "pp",
        "dp",
        "cp",
        "ep",
        "microbatch",
        "interleave",
        "recompute",
        "zero",
        "sequence_parallel",
        "stage_layers",
    ):
        assert key in d["plan"]
    for key in (
        "step_time_s",
        "model_tflops_per_gpu",
        "hardware_tflops_per_gpu",
        "mfu",
        "memory_gb_per_gpu",
        "bound",
        "gap",
        "alternatives",
    ):
        assert key in d
    assert d["gap"] == 0 and len(d["alternatives"]) == 2
    assert 0 < d["mfu"] < 1 and d["memory_gb_per_gpu"] <= 80
    # Narayanan et al. Table 1: 1.7B parameters
    assert d["model"]["name"] == "gpt-1.7b"
    assert abs(d["model"]["parameters"] / 1.7e9 - 1) < 0.03


def test_short_m_is_method(capsys):
    base = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "8xA100", "--global-batch", "16"]
    code, out, _ = run(capsys, *base, "--seq", "1024", "-m", "heuristic", "--json")
    assert code == 0 and json.loads(out)["method"] == "heuristic"


def test_fixing_all_flags_evaluates_that_plan(capsys):
    code, out, _ = run(
        capsys,
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "32xA100",
        "--global-batch",
        "512",
        "--seq",
        "2048",
        "--tp",
        "1",
        "--pp",
        "1",
        "--dp",
        "32",
        "--cp",
        "1",
        "--microbatch",
        "16",
        "--interleave",
        "1",
        "--recompute",
        "full",
        "--zero",
        "0",
        "--no-sequence-parallel",
        "--json",
    )
    d = json.loads(out)
    assert code == 0 and d["plan"]["microbatch"] == 16 and d["plan"]["dp"] == 32
    assert d["alternatives"] == []


def test_human_output_and_plot(capsys, tmp_path):
    png = tmp_path / "pipe.png"
    code, out, _ = run(
        capsys,
        "plan",
        "train",
        "--model",
        "gpt-7.5b",
        "--gpus",
        "64xA100",
        "--global-batch",
        "256",
        "--seq",
        "2048",
        "--pp",
        "2",
        "--plot",
        str(png),
    )
    assert code == 0 and "best plan" in out and "memory per GPU" in out
    assert png.stat().st_size > 1000


def test_infeasible_reports_memory(capsys):
    code, out, _ = run(
        capsys,
        "plan",
        "train",
        "--model",
        "llama-3.1-405b",
        "--gpus",
        "8xA100",
        "--global-batch",
        "64",
        "--seq",
        "8192",
        "--json",
    )
    d = json.loads(out)
    assert code == 0 and d["status"] == "INFEASIBLE"
    assert d["min_memory_gb"] > 80 and d["dominated_by"] in ("optimizer", "gradients", "weights")


def test_indivisible_batch_is_explained(capsys):
    code, out, _ = run(
        capsys,
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "32xA100",
        "--global-batch",
        "100",
        "--seq",
        "2048",
        "--dp",
        "16",
        "--json",
    )
    d = json.loads(out)
    assert code == 0 and d["status"] == "INFEASIBLE" and "not divisible by dp=16" in d["reason"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--model", "gpt-7.5", "--gpus", "8xA100"), "closest: gpt-7.5b"),
        (("--model", "gpt-7.5b", "--gpus", "8xA1000"), "closest: A100"),
        (("--model", "gpt-7.5b", "--gpus", "8xA100", "--recompute", "some"), "recompute"),
        (("--model", "gpt-7.5b", "--gpus", "8xA100", "--precision", "fp8"), "fp8"),
        (("--model", "gpt-7.5b", "--gpus", "8xA100", "--mfu-peak", "int8"), "--mfu-peak"),
    ],
)
def test_bad_input_exits_2(capsys, args, needle):
    code, _out, err = run(capsys, "plan", "train", *args, "--global-batch", "8", "--seq", "2048")
    assert code == 2 and needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_config_names_the_field(capsys, tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"hidden_size": 64, "num_attention_heads": 4, "vocab_size": 10}))
    code, _out, err = run(
        capsys,
        "plan",
        "train",
        "--model",
        str(cfg),
        "--gpus",
        "8xA100",
        "--global-batch",
        "8",
        "--seq",
        "128",
    )
    assert code == 2 and "num_hidden_layers" in err


def test_solve_family_files(capsys):
    code, out, _ = run(capsys, "solve", "train", str(INSTANCES / "toy-8xa100.json"), "--json")
    assert code == 0 and json.loads(out)["status"] == "OPTIMAL"


def test_gen(capsys, tmp_path):
    target = tmp_path / "gen.jsonl"
    code, _out, _ = run(capsys, "gen", "train", "--count", "2", "--tiny", "--out", str(target))
    assert code == 0 and len(target.read_text().splitlines()) == 2
    code, out, _ = run(capsys, "solve", "train", str(target), "--json")
    assert code == 0 and len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("flag", "value", "word"),
    [("--global-batch", "4294967296", "global_batch"), ("--seq", "100000000", "seq_len")],
)
def test_absurd_workload_is_bad_input(capsys, flag, value, word):
    args = {"--global-batch": "16", "--seq": "1024", flag: value}
    code, out, err = run(
        capsys,
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "8xA100",
        *[x for kv in args.items() for x in kv],
    )
    assert code == 2 and out == ""
    assert word in err and len(err.strip().splitlines()) == 1


def test_huge_batch_stops_at_the_deadline_with_a_plan():
    from planner.core.solve import solve
    from planner.perfmodel.hardware import parse_cluster
    from planner.perfmodel.readers import load_model
    from planner.train.instance import TrainingProblem, Workload

    # 1102701600 has 1440 divisors: every enumeration must watch the deadline (this
    # batch used to run for more than five minutes). The wall time is measured by
    # bench/train_serve_time_limits.py; here: the search stops incomplete, with a
    # verified plan, a valid bound and no optimality claim.
    prob = TrainingProblem(
        "huge", load_model("gpt-1.7b"), parse_cluster("64xA100"), Workload(1102701600, 2048)
    )
    res = solve(prob, "auto", time_limit=1)
    assert res.status is Status.FEASIBLE and res.verified
    assert res.stats["complete"] is False
    assert res.bound is not None and res.bound <= res.objective


def test_expert_degree_that_does_not_divide_is_infeasible_with_reason(capsys):
    code, out, _ = run(
        capsys,
        "plan",
        "train",
        "--model",
        "mixtral-8x7b",
        "--gpus",
        "24xH100",
        "--global-batch",
        "48",
        "--seq",
        "4096",
        "--ep",
        "3",
        "--json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE"
    assert "ep=3" in d["reason"] and "8 experts" in d["reason"]


def test_mfu_against_the_fp8_peak(capsys):
    from planner.perfmodel.hardware import get_gpu

    args = ("plan", "train", "--model", "gpt-1.7b", "--global-batch", "64", "--seq", "2048")
    code, out, _ = run(capsys, *args, "--gpus", "8xH100", "--json", "--prefer-simple", "0")
    d = json.loads(out)
    h100 = get_gpu("H100")
    ratio = h100.peak_flops("bf16") / h100.peak_flops("fp8")
    assert code == 0 and 0 < ratio < 1
    assert d["mfu_fp8_peak"] == pytest.approx(d["mfu"] * ratio)
    assert d["mfu_causal_fp8_peak"] == pytest.approx(d["mfu_causal"] * ratio)
    code, out, _ = run(capsys, *args, "--gpus", "8xH100", "--mfu-peak", "fp8")
    assert code == 0 and "MFU vs fp8 peak" in out
    code, out, _ = run(capsys, *args, "--gpus", "8xA100", "--json", "--prefer-simple", "0")
    assert json.loads(out)["mfu_fp8_peak"] is None  # A100 has no fp8 tensor cores


def test_mfu_against_the_fp4_peak(capsys):
    """An fp4 run's bf16-peak MFU can exceed 1; the fp4 peak gives the fraction of what the
    GPU can do at that precision (the JSON had no fp4 key, --mfu-peak fp4 exited 2)."""
    from planner.perfmodel.hardware import get_gpu

    args = ("plan", "train", "--model", "gpt-1.7b", "--global-batch", "64", "--seq", "2048")
    code, out, _ = run(capsys, *args, "--gpus", "8xB200", "--precision", "fp4", "--json")
    d = json.loads(out)
    b200 = get_gpu("B200")
    ratio = b200.peak_flops("bf16") / b200.peak_flops("fp4")
    assert code == 0 and 0 < ratio < 0.5
    assert d["mfu_fp4_peak"] == pytest.approx(d["mfu"] * ratio)
    assert d["mfu_causal_fp4_peak"] == pytest.approx(d["mfu_causal"] * ratio)
    assert 0 < d["mfu_fp4_peak"] < d["mfu_fp8_peak"] < d["mfu"]
    code, out, _ = run(capsys, *args, "--gpus", "8xB200", "--precision", "fp4", "--mfu-peak", "fp4")
    assert code == 0 and "MFU vs fp4 peak" in out
    code, out, _ = run(capsys, *args, "--gpus", "8xH100", "--json")
    assert json.loads(out)["mfu_fp4_peak"] is None  # Hopper has no fp4 tensor cores


def test_gen_count_above_the_limit_exits_2(capsys):
    """Without a limit, --count 100000000 ran for ever (the list is built in memory)."""
    code, out, err = run(capsys, "gen", "train", "--tiny", "--count", "10001")
    assert code == 2 and out == "" and "--count 10001: must be an integer from 1 to 10000" in err


def test_sharded_zero_with_pipeline_is_infeasible_with_reason(capsys):
    """ZeRO-2/3 are planned only without PP: a pin of both says so (was the generic 'no plan
    exists in the decision space')."""
    code, out, _ = run(
        capsys,
        *("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100"),
        *("-B", "64", "-s", "1024", "--fix", "tp=1,pp=2,zero=2", "--json", "-t", "10"),
    )
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE"
    assert "zero=2 with pp=2" in d["reason"]
