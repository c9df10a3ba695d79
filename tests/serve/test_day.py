"""Load over a day: per-period fleet MIP vs brute force, autoscaling limits, spot, attainment."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.serve import make_problem
from planner.serve.candidates import candidates
from planner.serve.day import (
    Autoscaling,
    DayProfile,
    SpotPolicy,
    parse_profile,
    plan_day,
)
from planner.serve.evaluate import verify
from planner.serve.instance import ServingPlan

ARGS = dict(prompt_tokens="exp:600", output_tokens="exp:150", ttft="1s", tpot="50ms")


def tiny(gpus="H100:2,L40S:2"):
    return make_problem("llama-3.1-8b", gpus, max_tp=1, max_pp=1, pricing="on-demand", **ARGS)


def brute_force(problem, rates, max_replicas=None, max_change=None):
    """Cheapest sequence of per-period count vectors (own loops; colocated only)."""
    usable = [c for c in candidates(problem) if c.usable and c.role == "both"]
    pools = {p.label: p.count for p in problem.inventory.pools}
    vectors = []
    for counts in itertools.product(*[range(pools[c.pool] // c.gpus + 1) for c in usable]):
        used = dict.fromkeys(pools, 0)
        for c, n in zip(usable, counts, strict=True):
            used[c.pool] += n * c.gpus
        fits = all(used[p] <= pools[p] for p in pools)
        if fits and (max_replicas is None or sum(counts) <= max_replicas):
            vectors.append(counts)
    per_period = []
    for rate in rates:
        ok = [
            v
            for v in vectors
            if sum(c.capacity * n for c, n in zip(usable, v, strict=True)) >= rate * (1 - 1e-9)
        ]
        per_period.append(ok)
    best = None
    for seq in itertools.product(*per_period):
        if max_change is not None:
            moves = [
                sum(abs(a - b) for a, b in zip(seq[t], seq[t - 1], strict=True))
                for t in range(len(seq))
            ]
            if max(moves) > max_change:
                continue
        cost = sum(sum(c.price * n for c, n in zip(usable, v, strict=True)) for v in seq)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize(
    ("rates", "max_change"), [((2.0, 30.0, 8.0), None), ((2.0, 30.0, 8.0), 1), ((40.0, 1.0), None)]
)
def test_day_mip_equals_brute_force(rates, max_change):
    problem = tiny()
    best = brute_force(problem, rates, max_change=max_change)
    day = plan_day(
        problem, DayProfile(rates), autoscaling=Autoscaling(max_change=max_change), time_limit=30
    )
    assert best is not None
    assert day["status"] == "OPTIMAL"
    assert math.isclose(day["cost_usd"], best, rel_tol=1e-9)
    assert all(p["shortfall_qps"] < 1e-9 and not p["violations"] for p in day["periods"])
    if max_change is not None:
        counts = [
            {(r["gpu"], r["role"]): r["count"] for r in p["replicas"]} for p in day["periods"]
        ]
        for t in range(len(counts)):
            a, b = counts[t], counts[t - 1]
            assert sum(abs(a.get(k, 0) - b.get(k, 0)) for k in {*a, *b}) <= max_change


def test_too_few_replicas_leave_a_shortfall_and_lower_attainment():
    problem = tiny()
    day = plan_day(
        problem, DayProfile((2.0, 200.0)), autoscaling=Autoscaling(max_replicas=1), time_limit=30
    )
    low, high = day["periods"]
    assert low["shortfall_qps"] < 1e-9 and low["slo_attainment"] > 0.99
    assert high["shortfall_qps"] > 0
    assert high["slo_attainment"] <= high["served_qps"] / high["demand_qps"] + 1e-9
    assert day["slo_attainment"] < 0.99


def test_attainment_at_capacity_is_the_percentile():
    problem = tiny("H100:1")
    (one,) = [c for c in candidates(problem) if c.usable and c.role == "both"]
    day = plan_day(problem, DayProfile((one.capacity * (1 - 1e-6),)), time_limit=30)
    (p,) = day["periods"]
    assert abs(p["slo_attainment"] - 0.99) < 2e-3


def test_spot_is_used_and_derated():
    problem = tiny()
    spot = SpotPolicy(True, recovery_hours=1.0)
    day = plan_day(problem, DayProfile((10.0, 30.0)), spot=spot, time_limit=30)
    assert day["status"] == "OPTIMAL"
    loss = {k: v["expected_capacity_loss"] for k, v in day["spot"].items()}
    assert all(0 < v < 1 for v in loss.values())
    used = [r for p in day["periods"] for r in p["replicas"]]
    assert any(r["spot"] for r in used)
    for p in day["periods"]:
        plan = ServingPlan.from_dict(
            {"replicas": [{k: v for k, v in r.items() if k != "spot"} for r in p["replicas"]]}
        )
        served = replace(problem, traffic=problem.traffic.with_qps(p["served_qps"]))
        assert not verify(served, plan)
    none = plan_day(
        problem, DayProfile((10.0, 30.0)), spot=SpotPolicy(True, max_share=0.0), time_limit=30
    )
    assert not any(r["spot"] for p in none["periods"] for r in p["replicas"])
    assert none["cost_usd"] >= day["cost_usd"] - 1e-9


def test_profiles_from_csv_and_trace(tmp_path):
    f = tmp_path / "day.csv"
    f.write_text("hour,qps\n0,1.5\n1,3\n")
    assert parse_profile(f).rates == (1.5, 3.0)
    t = tmp_path / "t.jsonl"
    lines = [
        f'{{"arrival_s": {i * 360.0}, "prompt_tokens": 10, "output_tokens": 5}}' for i in range(20)
    ]
    t.write_text("\n".join(lines) + "\n")
    prof = parse_profile(t, period_hours=1.0)
    assert prof.rates[0] == pytest.approx(10 / 3600)
    f.write_text("hour,qps\n0,abc\n")
    with pytest.raises(InputError, match=":2: column 'qps'"):
        parse_profile(f)
    with pytest.raises(InputError, match="period 1 must be >= 0"):
        parse_profile("3,-1")


def test_cli_day_json_and_bad_input(capsys):
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2"]
    args += ["--prompt-tokens", "500", "--output-tokens", "100", "--tpot", "50ms"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--profile", "1,5,2", "--max-change", "1", "--json", "-t", "30"])
    d = json.loads(capsys.readouterr().out)
    assert exc.value.code == 0
    assert len(d["day"]["periods"]) == 3 and d["day"]["cost_per_day"] > 0
    assert 0.99 <= d["day"]["slo_attainment"] <= 1
    assert "warnings" not in d["day"]  # at the top level, as a single period's JSON
    for bad in (["--profile", "1,-2"], ["--profile", "1,2", "--qps", "3"], ["--profile", "x"]):
        with pytest.raises(SystemExit) as exc:
            main([*args, *bad])
        assert exc.value.code == 2
    capsys.readouterr()


def test_a_replica_floor_above_the_inventory_is_infeasible_with_its_reason(capsys):
    """HiGHS proved it infeasible; the day read UNKNOWN, 'HiGHS stopped without a solution'."""
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "50ms"]
    args += ["--prompt-tokens", "500", "--output-tokens", "100", "--profile", "1,2"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--min-replicas", "3", "--json", "-t", "10"])
    day = json.loads(capsys.readouterr().out)["day"]
    assert exc.value.code == 0 and day["status"] == "INFEASIBLE"
    assert day["reason"] == "min_replicas 3: the inventory holds at most 2 replicas of this model"
    with pytest.raises(SystemExit) as exc:  # the floor the inventory holds still plans
        main([*args, "--min-replicas", "2", "--json", "-t", "10"])
    assert json.loads(capsys.readouterr().out)["day"]["status"] == "OPTIMAL"


def test_trace_profile_measures_its_last_period_over_the_part_it_covers(tmp_path):
    """The last period of a trace was divided by the whole period: a trace at 8 req/s
    ending 108 s into a 360 s period read 2.4 req/s there."""
    arrivals = [0.5 * i for i in range(1200)] + [600 + 0.125 * i for i in range(1825)]
    t = tmp_path / "t.jsonl"
    t.write_text(
        "".join(
            f'{{"arrival_s": {a}, "prompt_tokens": 10, "output_tokens": 5}}\n' for a in arrivals
        )
    )
    assert parse_profile(t, period_hours=0.1).rates == pytest.approx((2.0, 4.0, 8.0))
    # a trace ending on a period boundary: that period holds only the last arrival
    t.write_text(
        "".join(
            f'{{"arrival_s": {a}, "prompt_tokens": 10, "output_tokens": 5}}\n' for a in range(3)
        )
    )
    assert parse_profile(t, period_hours=1 / 3600).rates == (1.0, 1.0)


def test_spot_without_any_spot_price_is_refused(tmp_path):
    """--spot on pools with no spot price (a user GPU table, or a price table without spot
    columns) planned on-demand only, silently."""
    table = tmp_path / "prices.toml"
    table.write_text("[gpu.H100-SXM]\non_demand = 2.0\n[gpu.L40S]\non_demand = 1.0\n")
    with pytest.raises(InputError, match=r"--spot: .*prices\.toml has no spot price"):
        plan_day(
            tiny(),
            DayProfile((10.0, 30.0)),
            spot=SpotPolicy(True, prices=str(table)),
            time_limit=10,
        )


def test_attainment_stops_at_the_time_limit_with_a_lower_bound():
    """The attainment bisection ran after the MIP without a deadline (a Qwen3-235B day on
    H20 took 54 CPU s at -t 10). Out of time, a group gets the SLO percentile, which a
    group within its capacity attains, and the day says its attainment is a lower bound."""
    from planner.core.timing import Deadline
    from planner.serve.day import _attainment

    problem = tiny("H100:1")
    (one,) = [c for c in candidates(problem) if c.usable and c.role == "both"]
    group = one.group(1, 0.5 * one.capacity)
    cut: list = []
    assert _attainment(problem, group, Deadline(0.0), cut) == problem.slo.percentile
    assert cut == [group]
    cut.clear()
    exact = _attainment(problem, group, Deadline(60.0), cut)
    assert not cut and exact >= problem.slo.percentile
    day = plan_day(problem, DayProfile((0.5 * one.capacity,)), time_limit=30)
    assert day["slo_attainment_exact"]


def test_attainment_cut_inside_the_bisection_is_at_least_the_percentile():
    """s21lib: a deadline expiring during the bisection returned its low end, 0.937 for a
    99 % SLO on a group within its capacity (the docs' 8B day at -t 30, last period), below
    the percentile the expired-before path returns and the docs promise as the bound."""
    from planner.core.timing import Deadline
    from planner.serve.day import _attainment

    class After(Deadline):
        """Expires at the ``n``-th question (a deadline reached mid-bisection)."""

        def __init__(self, n: int) -> None:
            super().__init__(60.0)
            self.left = n

        def expired(self) -> bool:
            self.left -= 1
            return self.left < 0

    problem = tiny("H100:1")
    (one,) = [c for c in candidates(problem) if c.usable and c.role == "both"]
    group = one.group(1, one.capacity)
    exact = _attainment(problem, group, Deadline(60.0), [])
    assert exact >= problem.slo.percentile
    for n in range(2, 6):
        cut: list = []
        bound = _attainment(problem, group, After(n), cut)
        assert cut == [group]
        assert problem.slo.percentile <= bound <= exact


@pytest.mark.parametrize("limit", [math.nan, 0.0, -1.0])
def test_plan_day_refuses_a_time_limit_that_is_not_one(limit):
    """s21lib: ``time_limit=nan`` planned with an expired deadline and returned FEASIBLE
    with the candidates incomplete; ``planner.solve`` refuses it."""
    with pytest.raises(InputError, match="time_limit"):
        plan_day(tiny(), DayProfile((1.0,)), time_limit=limit)


def test_day_json_names_the_timing_engine_as_a_single_period_does(capsys):
    """The day JSON had no ``engine`` key: which engine timed the fleet was not recorded."""
    base = ["plan", "serve", "--model", "llama-3.1-8b", "--tpot", "50ms", "--json", "-t", "10"]
    base += ["--prompt-tokens", "500", "--output-tokens", "100"]
    for gpus in ("H100:2", "H100:2,MI300X:2"):
        outs = []
        for rate in (["--qps", "1"], ["--profile", "1,2"]):
            with pytest.raises(SystemExit) as exc:
                main([*base, "--gpus", gpus, *rate])
            assert exc.value.code == 0
            d = json.loads(capsys.readouterr().out)
            outs.append({k: d.get(k) for k in ("engine", "engines")})
        assert outs[0] == outs[1]  # the same keys, the same values
    assert outs[1]["engine"] is None and outs[1]["engines"]["MI300X"]["name"] == "vllm"
    with pytest.raises(SystemExit):
        main([a for a in base if a != "--json"] + ["--gpus", "H100:2", "--profile", "1,2"])
    assert "timing assumes engine trtllm" in " ".join(capsys.readouterr().out.split())


def test_a_bundled_trace_is_found_by_its_bare_name(tmp_path, monkeypatch):
    """``--profile trace-8b.jsonl`` from another directory exited 2 ("not found")."""
    monkeypatch.chdir(tmp_path)
    prof = parse_profile("trace-8b.jsonl")
    assert prof.source == "trace-8b.jsonl" and len(prof.rates) >= 1
    with pytest.raises(InputError):
        parse_profile("no-such-trace.jsonl")


def test_a_short_profile_says_its_cost_is_scaled_to_a_day(capsys):
    """A 3-hour profile printed its cost times 8 as "per day" without saying so."""
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "50ms"]
    args += ["--prompt-tokens", "500", "--output-tokens", "100", "--profile", "1,5,2", "-t", "30"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = " ".join(capsys.readouterr().out.split())
    assert exc.value.code == 0
    assert "per day (the 3 h profile's $" in out and "scaled to 24 h)" in out


def test_day_result_carries_the_problems_warnings():
    """s21lib: a day planned on an L40S (no fitted GEMM efficiency) said so only in the CLI's
    JSON; a library caller of ``plan_day`` never saw the warning."""
    problem = make_problem("llama-3.1-8b", "L40S:2", max_tp=1, pricing="on-demand", **ARGS)
    day = plan_day(problem, DayProfile((1.0, 2.0)), time_limit=20)
    assert day["status"] == "OPTIMAL"
    assert any("no fitted GEMM efficiency" in w for w in day["warnings"])
