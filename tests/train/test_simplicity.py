"""Sensible choices: the simplest plan within a tolerance of the fastest, distinct alternatives."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from planner.core.result import Status
from planner.train.api import solve
from planner.train.instance import TrainingPlan
from planner.train.search import exact_search
from planner.train.simplicity import behaviour, complexity, distinct, prefer_simple, reasons
from planner.train.step_time import quick

from .conftest import problem, tiny_spec
from .test_cli import run
from .test_compare import BASE


def _prob(tolerance: float, **kw):
    prob = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, **kw)
    prob.meta["prefer_simple"] = tolerance
    prob.meta["top_k"] = 4
    return prob


def test_distinct_merges_plans_with_the_same_behaviour():
    prob = _prob(0.0)
    ranked = exact_search(prob, top_k=60).ranked
    kept = distinct(prob, ranked)
    keys = [behaviour(q) for _p, q in kept]
    assert len(keys) == len(set(keys))
    # every behaviour of the input survives, represented by its simplest plan
    assert set(keys) == {behaviour(q) for _p, q in ranked}
    for plan, q in kept:
        same = [p for p, r in ranked if behaviour(r) == behaviour(q)]
        assert complexity(prob, plan) == min(complexity(prob, p) for p in same)


def test_duplicate_behaviour_is_merged():
    prob = _prob(0.0)
    plan, q = exact_search(prob, top_k=1).ranked[0]
    twin = replace(plan, zero=(plan.zero + 1) % 2)
    kept = distinct(prob, [(plan, q), (twin, q)])
    assert len(kept) == 1


@pytest.mark.parametrize("tolerance", [0.0, 0.05, 0.5])
def test_recommendation_is_the_simplest_within_tolerance(tolerance):
    prob = _prob(tolerance)
    ranked = exact_search(prob, top_k=200).ranked
    fastest = ranked[0][1].objective
    out, info = prefer_simple(prob, ranked, tolerance, keep=4)
    chosen, cq = out[0]
    assert cq.objective <= fastest * (1 + tolerance) + 1e-15
    within = [p for p, q in ranked if q.objective <= fastest * (1 + tolerance)]
    assert complexity(prob, chosen) == min(complexity(prob, p) for p in within)
    if tolerance == 0.0:
        assert cq.objective == fastest
    if info is not None:
        assert info["fastest_objective"] == fastest and info["reasons"]
    assert len(out) <= 4


def test_certificate_stays_honest():
    prob = _prob(0.5)
    res = solve(prob, "exact", time_limit=30)
    fast = solve(_prob(0.0), "exact", time_limit=30)
    assert fast.status is Status.OPTIMAL
    assert res.verified
    # the objective is the recommended plan's own, the bound the proven optimum
    assert res.objective == pytest.approx(quick(prob, res.solution).objective, rel=1e-12)
    assert res.bound == pytest.approx(fast.objective, rel=1e-12)
    if res.objective > fast.objective * (1 + 1e-9):
        assert res.status is Status.FEASIBLE
        assert res.gap == pytest.approx((res.objective - res.bound) / res.objective)
        assert res.stats["summary"]["preferred"]["slower_by"] <= 0.5
    assert complexity(prob, res.solution) <= complexity(prob, fast.solution)


def test_cli_prefer_simple(capsys):
    code, out, _err = run(capsys, *BASE, "--prefer-simple", "0.3", "--json", "-t", "20")
    assert code == 0
    d = json.loads(out)
    plans = [d["plan"], *(a["plan"] for a in d["alternatives"])]
    seen = {
        (round(a["step_time_s"], 9), round(a["memory_gb_per_gpu"], 9)) for a in d["alternatives"]
    }
    assert len(seen) == len(d["alternatives"])
    assert len({json.dumps(p, sort_keys=True) for p in plans}) == len(plans)
    # here a simpler plan than the fastest lies within 30 %: it is recommended, honestly
    pref = d["preferred"]
    assert pref["fastest_objective"] < d["step_time_s"] <= pref["fastest_objective"] * 1.3
    assert d["objective"] == pytest.approx(d["step_time_s"])
    assert d["bound"] == pytest.approx(pref["fastest_objective"])
    assert d["status"] == "FEASIBLE"
    assert d["gap"] == pytest.approx((d["objective"] - d["bound"]) / d["objective"])
    assert pref["reasons"]


@pytest.mark.parametrize("bad", ["1.5", "-0.1"])
def test_cli_bad_tolerance_exits_2(capsys, bad):
    code, _out, err = run(capsys, *BASE, "--prefer-simple", bad)
    assert code == 2 and "--prefer-simple" in err


def test_one_parallel_dimension_is_singular():
    # "1 parallel dimensions instead of 2" (s31user)
    prob = problem(tiny_spec(), gpus="8xA100", batch=8, seq=4096)
    simple = TrainingPlan(tp=1, pp=1, dp=1, cp=4, stage_layers=(4,))
    fast = TrainingPlan(tp=2, pp=1, dp=1, cp=2, stage_layers=(4,))
    assert "1 parallel dimension instead of 2" in reasons(prob, simple, fast)
