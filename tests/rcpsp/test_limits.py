"""Integer certificates, numbers beyond 64-bit arithmetic, tiny deadlines at 300 jobs, gen limits."""

from __future__ import annotations

import json

import pytest

import planner
from planner.core.errors import InputError
from planner.core.result import Status
from planner.rcpsp.evaluate import evaluate, verify
from planner.rcpsp.generate import MAX_JOBS, generate
from planner.rcpsp.instance import Instance
from planner.rcpsp.methods import METHODS

from .helpers import INSTANCES


def test_objectives_and_bounds_are_ints():
    data = json.loads((INSTANCES / "datacenter_migration.json").read_text())
    inst = Instance.from_dict(data)
    for method in ("sgs-lst", "ga", "cpsat", "auto"):
        res = METHODS[method].func(inst, time_limit=2, threads=1, seed=0, hint=None)
        assert type(res.objective) is int and res.objective == evaluate(inst, res.solution)
        assert type(res.bound) is int and res.bound <= res.objective, method


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [("duration", 2**40, "duration"), ("release", 10**30, "release"), ("demands", [2**31], "")],
)
def test_numbers_beyond_the_integer_range_are_rejected(field, value, named):
    data = json.loads((INSTANCES / "datacenter_migration.json").read_text())
    job = data["jobs"][1]
    job[field] = value if field != "demands" else value + job["demands"][1:]
    with pytest.raises(InputError, match=f"plan:dns-1: {named or 'demand'}"):
        Instance.from_dict(data)


@pytest.fixture(scope="module")
def largest() -> Instance:
    return generate(MAX_JOBS, seed=3, resources=4, p_downtime=0.5, p_disjunctive=0.1)


@pytest.mark.parametrize("method", ["ga", "sampling", "lns", "cpsat", "auto"])
def test_a_tiny_time_limit_at_the_largest_size_gives_a_verified_schedule(largest, method):
    res = planner.solve(largest, method, time_limit=0.3, threads=1)
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL), res.reason
    assert res.verified and verify(largest, res.solution) == []


def test_generator_limits():
    with pytest.raises(InputError, match="--tasks"):
        generate(MAX_JOBS + 1)
    with pytest.raises(InputError, match="--seed"):
        generate(10, seed=-1)
