"""The plan ``planner solve offload -o`` writes is what ``planner plan serve --offload`` reads."""

from __future__ import annotations

import json

import pytest

from planner.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_solved_mixtral_plan_feeds_the_serving_planner(capsys, tmp_path):
    trace, plan = tmp_path / "mix.json", tmp_path / "plan.json"
    code, _, _ = run(
        capsys, "gen", "offload", "--preset", "mixtral-8x7b", "--steps", 4, "--budget", 2,
        "--overlap", "--out", trace,
    )  # fmt: skip
    assert code == 0
    code, _, _ = run(capsys, "solve", "offload", trace, "-m", "auto", "-t", 20, "-o", plan)
    assert code == 0
    stats = json.loads(plan.read_text())["stats"]
    code, out, err = run(
        capsys, "plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1",
        "--prompt-tokens", 512, "--output-tokens", 128, "-t", 20, "--offload", plan, "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] in ("OPTIMAL", "FEASIBLE") and data["verified"]
    assert data["offload"]["hit_rate"] == pytest.approx(stats["hit_rate"])
    assert data["offload"]["resident_gib"] * 2**30 == pytest.approx(
        stats["plan"]["resident_bytes_max"]
    )
    # the plan names the CPU it was made for, and the serving planner prices misses with it
    assert data["offload"]["cpu_token_us"] == stats["plan"]["cpu_token_us"] > 0
    assert data["offload"]["cpu_call_us"] == stats["plan"]["cpu_call_us"] > 0
    assert data["offload"]["cpu_assumed"] is False


def test_the_serving_term_prices_copies_and_the_cpu_as_the_offload_evaluator():
    # one layer, two steps, one slot: expert 0 loaded at step 0, expert 1 at step 1, copies
    # overlapped. The evaluator hides step 1's copy behind step 0's compute; the serving term,
    # given that compute as the layer time, must leave the same copy time exposed (one
    # function in planner.perfmodel.experts prices both), with the plan's CPU coefficients.
    import numpy as np

    from planner.offload.evaluate import breakdown, summary
    from planner.offload.instance import Solution
    from planner.perfmodel.experts import COPY_LATENCY_S
    from planner.perfmodel.offload_serving import OffloadPlan, offload_layer_time

    from .strategies import tiny

    inst = tiny(
        np.array([[[3, 1]], [[1, 4]]]), budget=1, overlap=True,
        copy_us=COPY_LATENCY_S * 1e6 + 100.0, gpu_call_us=7.0, cpu_call_us=33.0,
        cpu_token_us=2.5,
    )  # fmt: skip
    mask = np.array([[[True, False]], [[False, True]]])
    solution = Solution.from_mask(mask)
    b = breakdown(inst, solution)
    plan = OffloadPlan.from_dict(summary(inst, solution)["plan"], source="t")
    assert (plan.cpu_token_us, plan.cpu_call_us) == (2.5, 33.0) and not plan.cpu_assumed
    _, exposed = offload_layer_time(plan, 1.0, b.compute[0, 0], hidden=10, intermediate=10)
    assert float(exposed) == pytest.approx(b.copy[1, 0] - b.hidden[1, 0], rel=1e-12)
    assert b.copy[1, 0] > b.hidden[1, 0] > 0  # partly hidden: the case tests the overlap
    per_token, per_call = plan.cpu_expert_coefficients(10, 10, plan.expert_bytes / 300)
    assert per_token * 1e6 == pytest.approx(2.5) and per_call * 1e6 == pytest.approx(33.0)
