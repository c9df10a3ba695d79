"""GPUs without a known price: costs are null / "no price known", never 0.0 (read as free), in
the CLI's JSON and table, the library result, the day profile and the infeasibility explanation."""

from __future__ import annotations

import json

import pytest

from planner.serve import make_problem, solve
from planner.serve.day import DayProfile, plan_day, print_day
from planner.serve.relax import describe, explain_infeasible

from .test_cli import SMALL_PLAN_LINE as LINE
from .test_cli import run

ARGS = dict(prompt_tokens="exp:600", output_tokens="exp:150", ttft="1s", tpot="50ms")


def test_unpriced_pool_cost_is_null_and_the_table_says_no_price(capsys):
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "OPTIMAL" and d["replicas"]
    assert d["cost_per_hour"] is None  # was 0.0, read as free
    assert "usd_per_million_output_tokens" not in d
    assert any(w.startswith("no price for MI300X") for w in d["warnings"])
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4")
    assert code == 0 and "cost: no price known" in out and "$0.00/h for" not in out


def test_priced_pool_cost_is_a_number(capsys):
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4", "--pricing", "on-demand", "--json")
    assert code == 0
    d = json.loads(out)
    price = d["pricing"]["gpus"]["MI300X"]["usd_per_gpu_hour"]
    assert price > 0
    assert d["cost_per_hour"] == pytest.approx(d["gpus"]["MI300X"] * price)
    assert d["usd_per_million_output_tokens"] > 0


def test_library_metrics_cost_is_none_for_an_unpriced_gpu():
    """``stats["metrics"]["cost_per_hour"]`` was 0.0 on MI300X (no catalog price)."""
    free = solve(make_problem("llama-3.1-8b", "MI300X:2", qps=2, **ARGS), time_limit=10)
    assert free.solution is not None
    assert free.stats["metrics"]["cost_per_hour"] is None
    priced = make_problem("llama-3.1-8b", "MI300X:2", qps=2, pricing="on-demand", **ARGS)
    paid = solve(priced, time_limit=10)
    assert paid.stats["metrics"]["cost_per_hour"] == pytest.approx(paid.objective)
    assert paid.stats["metrics"]["cost_per_hour"] > 0


def test_day_profile_cost_is_none_for_an_unpriced_gpu(capsys):
    problem = make_problem("llama-3.1-8b", "MI300X:2", max_tp=1, max_pp=1, **ARGS)
    day = plan_day(problem, DayProfile((1.0, 3.0)), time_limit=30)
    assert day["status"] in ("OPTIMAL", "FEASIBLE") and day["periods"][0]["replicas"]
    # were the priced GPUs' sum: 0.0 here, read as free
    assert day["cost_usd"] is None and day["cost_per_day"] is None
    assert all(p["cost_usd"] is None for p in day["periods"] if p["replicas"])
    json.dumps(day, allow_nan=False)  # null, not NaN
    print_day(day, problem)
    out = capsys.readouterr().out
    assert "cost: no price known" in out and "$0.00 per day" not in out
    priced = make_problem(
        "llama-3.1-8b", "MI300X:2", max_tp=1, max_pp=1, pricing="on-demand", **ARGS
    )
    day = plan_day(priced, DayProfile((1.0, 3.0)), time_limit=30)
    assert day["cost_per_day"] > 0
    assert day["cost_usd"] == pytest.approx(sum(p["cost_usd"] for p in day["periods"]))


def test_cli_day_profile_json_cost_is_null_for_an_unpriced_gpu(capsys):
    code, out, _ = run(
        capsys,
        *["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "MI300X:2"],
        *["--prompt-tokens", "500", "--output-tokens", "100", "--tpot", "50ms"],
        *["--profile", "1,3", "--json", "-t", "30"],
    )
    assert code == 0
    d = json.loads(out)["day"]
    assert d["cost_per_day"] is None and d["cost_usd"] is None


def test_explanation_option_cost_is_none_for_an_unpriced_gpu():
    """A relaxation on unpriced GPUs said "feasible with 6 more MI300X (...) ($0.00/h)"."""
    problem = make_problem("llama-3.1-8b", "MI300X:1", qps=60, max_tp=1, max_pp=1, **ARGS)
    found = explain_infeasible(problem, time_limit=30)
    gpus = [o for o in found["options"] if o["kind"] == "gpus"]
    assert gpus, found
    assert all(o["cost_per_hour"] is None for o in gpus)
    assert "$0.00/h" not in found["text"] and "no price known" in found["text"]
    assert "no price known" in describe(problem, found)


def test_the_cost_line_names_the_unpriced_gpus_and_prices_the_rest(capsys):
    # "cost: no price known for 9 GPUs" when eight were A10Gs at $0.86 (s31user)
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:1")
    assert code == 0
    assert "cost: no price known (1 MI300X unpriced) for 1 GPU;" in " ".join(out.split())
    # without --qps the plan takes every GPU: two A10Gs ($0.86) and the MI300X
    line = [a for a in LINE if a not in ("--qps", "5")]
    code, out, _ = run(capsys, *line, "--gpus", "A10G:2,MI300X:1", "--json")
    d = json.loads(out)
    assert code == 0 and d["gpus"] == {"A10G": 2, "MI300X": 1}, d["gpus"]
    code, out, _ = run(capsys, *line, "--gpus", "A10G:2,MI300X:1")
    text = " ".join(out.split())
    assert "cost: no price known (1 MI300X unpriced, the other 2 GPUs $1.72/h) for 3 GPUs" in text


def test_the_failures_table_shows_no_price_as_a_dash(capsys):
    # "why cheaper layouts fail" priced unpriced layouts "0.00", the other tables "–" (s31user)
    line = [("llama-3.1-70b" if a == "llama-3.1-8b" else a) for a in LINE]
    code, out, _ = run(capsys, *line, "--gpus", "MI300X:2")
    assert code == 0 and "why cheaper layouts fail" in out
    table = out[out.index("why cheaper layouts fail") :]
    rows = [r for r in table.splitlines() if r.startswith("│ MI300X")]
    assert rows and all(r.split("│")[4].strip() == "–" for r in rows), rows
