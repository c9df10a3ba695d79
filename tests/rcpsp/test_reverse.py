"""The reversed project has the forward project's optimum, and schedules map both ways."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from planner.core.result import Status
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.readers import read
from planner.rcpsp.reverse import flip, reversed_instance, reversible

from .helpers import INSTANCES, brute_force, feasible_schedules, tiny_instances


@settings(max_examples=80, deadline=None)
@given(tiny_instances(max_jobs=3, windows=False, downtime=False))
def test_reversed_optimum_matches_forward_brute_force(inst):
    rev = reversed_instance(inst)
    h = max(inst.horizon, rev.horizon) + 3
    assert brute_force(rev, h) == brute_force(inst, h)


@settings(max_examples=60, deadline=None)
@given(tiny_instances(max_jobs=3, windows=False, downtime=False))
def test_flipped_schedules_are_feasible_with_the_same_makespan(inst):
    rev = reversed_instance(inst)
    h = max(inst.horizon, rev.horizon) + 3
    for row in feasible_schedules(inst, h)[:50]:
        sol = flip(inst, _solution(row))
        assert verify(rev, sol) == []
        # the flipped schedule starts at 0: the forward one's idle lead time is cut off
        lead = int(row.min()) if len(row) else 0
        assert makespan(rev, sol.start) == makespan(inst, tuple(int(x) for x in row)) - lead


def test_reversed_j30_instance_has_the_published_optimum():
    (inst,) = read(INSTANCES / "j301_1.sm")
    rev = reversed_instance(inst)
    res = solve_cpsat(rev, time_limit=20, threads=1, seed=0)
    assert res.status is Status.OPTIMAL and res.objective == 43  # PSPLIB's optimum of j301_1
    back = flip(rev, res.solution)
    assert verify(inst, back) == [] and makespan(inst, back.start) == 43


def test_windows_have_no_reversed_project():
    (inst,) = read(INSTANCES / "j301_1.sm")
    timed = type(inst)(
        name="w",
        durations=inst.durations,
        demands=inst.demands,
        capacities=inst.capacities,
        precedences=inst.precedences,
        release=(1,) + (0,) * (inst.num_jobs - 1),
    )
    assert reversible(inst) and not reversible(timed)
    with pytest.raises(ValueError, match="no reversed project"):
        reversed_instance(timed)


def _solution(row):
    from planner.rcpsp.instance import Solution

    return Solution(tuple(int(x) for x in row))
