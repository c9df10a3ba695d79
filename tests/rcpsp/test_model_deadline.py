"""The CP-SAT model is built under the time limit: past it the heuristic schedule is the answer.

At 3,000 jobs (20 resources) building the model took 6-8 CPU s of a 1 s limit (twenty-fifth
session's sweep); at 1,000 jobs and a 0.3 s limit ``solve_cpsat`` used 1.6 CPU s and ``lns``
1.0 s on main (load 9), now 0.7 and 0.2 s, FEASIBLE with the heuristic schedule and a reason.
"""

from __future__ import annotations

import time

import pytest

import planner
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.rcpsp import generate as G
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import verify
from planner.rcpsp.instance import Instance
from planner.rcpsp.methods import METHODS
from planner.rcpsp.model import BuildTimeout, build
from planner.rcpsp.network import distances
from planner.rcpsp.readers import read

from .helpers import INSTANCES


@pytest.fixture(scope="module")
def large() -> Instance:
    """1,000 jobs past the generator's 300-job cap, its distribution (s25scale's make_rcpsp)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(G, "MAX_JOBS", 1000)
        return G.generate(1000, layers=250, level=4000, resources=20, seed=1)


def test_an_expired_deadline_stops_the_build_naming_the_step():
    inst = read(INSTANCES / "j301_1.sm")[0]
    with pytest.raises(BuildTimeout, match="time limit reached while building the CP-SAT model"):
        build(inst, distances(inst), deadline=Deadline(0))


def test_a_deadline_with_time_left_builds_the_same_model():
    inst = read(INSTANCES / "j301_1.sm")[0]
    dist = distances(inst)
    plain = build(inst, dist, upper=60, lower=38)
    timed = build(inst, dist, upper=60, lower=38, deadline=Deadline(1e9))
    assert str(plain.cp.proto) == str(timed.cp.proto)


def test_cpsat_past_the_deadline_returns_the_heuristic_schedule(large):
    start = time.process_time()
    res = solve_cpsat(large, time_limit=0.3, threads=1, seed=0)
    assert time.process_time() - start < 1.1
    assert res.status is Status.FEASIBLE and verify(large, res.solution) == []
    assert "while building the CP-SAT model" in res.reason
    assert "heuristic schedule" in res.reason and res.stats["model_not_built"]


def test_lns_past_the_deadline_keeps_the_first_schedule(large):
    start = time.process_time()
    res = METHODS["lns"].func(large, time_limit=0.3, threads=1, seed=0, hint=None)
    # 0.24-0.27 CPU s at load 6 (s26review; 0.6 was less than 3x that), main 1.0 s
    assert time.process_time() - start < 0.8
    assert res.status is Status.FEASIBLE and verify(large, res.solution) == []
    assert "the schedule before LNS" in res.reason


def test_auto_says_why_its_schedule_is_heuristic(large):
    res = planner.solve(large, "auto", time_limit=0.3)
    assert res.status is Status.FEASIBLE and res.verified
    # which step the limit cut depends on the load (the set-up, the GA's first schedule or
    # the model's build); each says the time limit and that the schedule is heuristic
    assert "time limit reached" in res.reason and "heuristic schedule" in res.reason
