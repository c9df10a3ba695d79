"""The methods table and ``auto`` through ``planner.solve`` (certified results)."""

from __future__ import annotations

from planner.core.result import Status
from planner.core.solve import solve
from planner.pipelining import FAMILY
from planner.pipelining.evaluate import decode
from planner.pipelining.generate import generate


def test_methods_are_registered():
    assert set(FAMILY.methods) == {"auto", "exact", "ims"}
    assert FAMILY.methods["exact"].kind == "exact"
    assert FAMILY.methods["ims"].kind == "heuristic"


def test_auto_certifies_and_keeps_the_stats():
    inst = generate(12, 3, 1, seed=11)[0]
    result = solve(inst, "auto", time_limit=20, threads=1)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert result.verified
    ii, length = decode(inst, result.objective)
    assert (ii, length) == (result.solution.ii, result.solution.length)
    assert result.stats["stages"] == ["ims", "exact"]
    assert {"res_mii", "rec_mii", "ii_tried"} <= set(result.stats)
    assert result.bound <= result.objective


def test_a_hint_that_breaks_the_rules_is_ignored():
    inst = generate(10, 3, 1, seed=5)[0]
    good = solve(inst, "exact", time_limit=20)
    assert good.status is Status.OPTIMAL
    bad = dict(good.solution.to_dict(), ii=1)
    again = solve(inst, "exact", time_limit=20, hint=FAMILY.solution_from_dict(bad))
    assert again.status is Status.OPTIMAL and again.objective == good.objective


def test_exact_out_of_time_still_returns_the_verified_warm_start():
    # A 50-op loop with almost no time: no ii can be decided, but the heuristic's schedule
    # (the warm start) must come back, verified, with a valid bound.
    inst = generate(50, 4, 2, seed=3)[0]
    heuristic = solve(inst, "ims", time_limit=20)
    assert heuristic.solution is not None
    result = solve(inst, "exact", time_limit=0.05, threads=1, hint=heuristic.solution)
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert result.verified
    assert result.objective <= heuristic.objective
    assert result.bound is None or result.bound <= result.objective
