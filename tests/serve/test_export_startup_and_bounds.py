"""Defects found by the twenty-fifth session's serve checks (s25servex)."""

from __future__ import annotations

import pytest

from planner.core.result import Status
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.export import export_plan

#: vLLM 0.8.5's defaults when a flag is absent (``vllm/engine/arg_utils.py`` and
#: ``vllm/config.py`` of the 0.8.5 wheel): max_num_seqs 1024 on a V1 server of a GPU with at
#: least 70 GiB, 256 on smaller GPUs and on V0; a server without chunked prefill budgets
#: ``max(max_model_len, 2048)`` tokens.
V1_LARGE_SEQS, SMALL_SEQS, V0_BUDGET = 1024, 256, 2048


def _value(argv: list[str], flag: str) -> int | None:
    return int(argv[argv.index(flag) + 1]) if flag in argv else None


def _starts(argv: list[str], default_seqs: int) -> bool:
    """vLLM 0.8.5's ``SchedulerConfig._verify_args``: the token budget is at least
    ``max_num_seqs`` (the only check the export's values could break)."""
    seqs = _value(argv, "--max-num-seqs") or default_seqs
    budget = _value(argv, "--max-num-batched-tokens")
    if budget is None:  # no chunked prefill (a P/D server): max(max_model_len, 2048)
        assert "--no-enable-chunked-prefill" in argv
        budget = max(_value(argv, "--max-model-len") or 0, V0_BUDGET)
    return budget >= seqs


def _export(gpus: str, plan: ServingPlan, **kw):
    base = dict(qps=5.0, prompt_tokens="exp:500", output_tokens="exp:100")
    problem = make_problem("llama-3.1-8b", gpus, **{**base, **kw})
    return export_plan(problem, plan, "vllm")


@pytest.mark.parametrize(
    ("gpus", "chunk", "max_batch", "default_seqs"),
    [
        ("H100:4", 512, None, V1_LARGE_SEQS),  # the search's smallest chunk, V1's 1024 default
        ("H100:4", 2048, 4096, V1_LARGE_SEQS),  # a batch cap above the chunk
        ("L40S:4", 128, None, SMALL_SEQS),  # a --chunk-tokens below the small-GPU default
    ],
)
def test_vllm_colocated_server_starts_with_a_small_chunk(gpus, chunk, max_batch, default_seqs):
    # main wrote `--enable-chunked-prefill --max-num-batched-tokens 512` with no
    # --max-num-seqs on H100: vLLM 0.8.5 raised "max_num_batched_tokens (512) must be greater
    # than or equal to max_num_seqs (1024)" at startup
    gpu = "H100-SXM" if gpus.startswith("H100") else "L40S"
    plan = ServingPlan((ReplicaGroup(gpu, 1, 1, 1, 1, "both", chunk, 5.0),))
    out = _export(gpus, plan, max_batch=max_batch)
    argv = out["commands"][0]["argv"]
    assert _starts(argv, default_seqs), argv
    assert _value(argv, "--max-num-batched-tokens") == chunk  # the plan's chunk is kept
    assert any("--max-num-seqs is the chunk" in n for n in out["notes"])


def test_vllm_leaves_the_default_where_it_starts():
    plan = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 5.0),))
    out = _export("H100:4", plan)
    argv = out["commands"][0]["argv"]
    assert "--max-num-seqs" not in argv and _starts(argv, V1_LARGE_SEQS)
    assert not any("--max-num-seqs is the chunk" in n for n in out["notes"])
    capped = _export("H100:4", plan, max_batch=64)["commands"][0]["argv"]
    assert _value(capped, "--max-num-seqs") == 64


def test_vllm_decode_server_budget_holds_the_batch_cap():
    # a P/D decode server runs V0 without chunked prefill: its budget max(max_model_len, 2048)
    # was below a --max-batch of 4096 (500 + 100 tokens: max_model_len 600, budget 2048)
    plan = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 16384, 5.0),
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "decode", 0, 5.0),
        )
    )
    out = _export("H100:4", plan, max_batch=4096, prompt_tokens=500, output_tokens=100)
    for cmd in out["commands"]:
        assert _starts(cmd["argv"], SMALL_SEQS), cmd["argv"]
        assert _value(cmd["argv"], "--max-num-seqs") == 4096


def test_a_plan_proven_optimal_by_the_bound_does_not_say_it_is_not(monkeypatch):
    """`plan serve --model deepseek-v3 --gpus H200:16 --speculative mtp --disaggregate ...`
    (-t 10) printed status OPTIMAL, gap 0, beside the reason "time limit reached after 62
    candidate layouts (not all evaluated): a plan is the best among them, not proven optimal":
    the method stopped early, then the family's lower bound (there its replica floor: no
    DeepSeek-V3 plan on H200 costs less than one 8-GPU replica) equalled the objective and
    certify promoted the status. Replayed here by certifying a stopped method's result by
    hand, the bound's capacity pass cut as a time limit cuts it (so it falls back to the
    replica floor, here one H100's price, the plan's cost)."""
    from planner.core.result import Result
    from planner.core.solve import PROVEN_AFTER, certify
    from planner.serve import FAMILY, bounds
    from planner.serve.candidates import incomplete_reason
    from planner.serve.mip import solve_mip

    p = make_problem("llama-3.1-8b", "H100:2", qps=1, prompt_tokens=512, output_tokens=64)
    full = solve_mip(p, time_limit=30.0, threads=1, seed=0, hint=None)
    stopped = Result(
        family="serve",
        instance=p.name,
        method="mip",
        status=Status.FEASIBLE,  # as solve_mip marks a run whose candidates were cut
        objective=full.objective,
        solution=full.solution,
        reason=incomplete_reason(["layout"] * 3),
    )
    cut = bounds.candidates_within
    monkeypatch.setattr(bounds, "candidates_within", lambda *a: (cut(*a)[0], False))
    assert bounds.lower_bound(p) == pytest.approx(full.objective)  # the replica floor
    out = certify(FAMILY, p, stopped)
    assert out.status is Status.OPTIMAL  # the lower bound proves it
    assert "not proven optimal" not in out.reason
    assert out.reason.startswith("time limit reached after 3 candidate layouts")
    assert out.reason.endswith(PROVEN_AFTER)
    # without a proof the status says it: FEASIBLE, and the reason gains nothing
    p2 = make_problem("llama-3.1-8b", "H100:2", qps=1, prompt_tokens=512, output_tokens=64)
    worse = ServingPlan((ReplicaGroup("H100-SXM", 2, 1, 1, 1, "both", 2048, 1.0),))
    loose = Result("serve", p2.name, "mip", Status.FEASIBLE, solution=worse, reason="stopped")
    out2 = certify(FAMILY, p2, loose)
    assert out2.status is Status.FEASIBLE and out2.reason == "stopped"


def test_a_day_plan_cut_by_the_time_limit_claims_no_bound(monkeypatch):
    """`plan serve --profile 5,20,40,10 --spot --max-replicas 6 ...` under load returned
    status FEASIBLE (candidates_complete false) beside bound_usd = objective and gap 0.0, and
    no reason: the bound was over the evaluated layouts only. The candidates' computation is
    cut here by hand, as a time limit cuts it."""
    from planner.serve import day
    from planner.serve.day import DayProfile, plan_day

    p = make_problem("llama-3.1-8b", "H100:2", prompt_tokens=500, output_tokens=100, tpot="50ms")
    whole = plan_day(p, DayProfile((1.0, 2.0)), time_limit=30.0)
    assert whole["status"] == "OPTIMAL" and whole["bound_usd"] is not None
    cut = day.candidates_within
    monkeypatch.setattr(day, "candidates_within", lambda *a: (cut(*a)[0], False))
    out = plan_day(p, DayProfile((1.0, 2.0)), time_limit=30.0)
    assert out["status"] == "FEASIBLE" and not out["candidates_complete"]
    assert out["bound_usd"] is None and out["gap"] is None
    assert out["reason"].startswith("time limit reached after")
    assert out["cost_usd"] == pytest.approx(whole["cost_usd"])  # the same plan, unproven
