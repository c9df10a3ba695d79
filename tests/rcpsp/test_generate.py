"""Generator: seeded, the precedence level is honoured, witness-feasible instances are feasible."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.core.result import Status
from planner.core.solve import solve
from planner.rcpsp.generate import generate, ramp
from planner.rcpsp.network import distances


def test_seeded_and_level():
    a = generate(20, level=25, seed=3)
    assert a == generate(20, level=25, seed=3)
    assert a != generate(20, level=25, seed=4)
    assert len(a.precedences) == 25 and a.meta["n_precedences"] == 25


def test_edges_are_non_redundant():
    inst = generate(25, level=40, seed=1)
    reach = distances(inst) > -float("inf")
    for p in inst.precedences:  # no other path from pred to succ
        others = [q for q in inst.precedences if q != p]
        sub = type(inst)(**{**_fields(inst), "precedences": tuple(others)})
        assert not (distances(sub)[p.pred, p.succ] > -float("inf"))
    assert reach.sum() > 25


def _fields(inst):
    return dict(
        name=inst.name,
        durations=inst.durations,
        demands=inst.demands,
        capacities=inst.capacities,
        precedences=inst.precedences,
    )


@pytest.mark.parametrize("scenario", ["synthetic", "datacenter-migration"])
def test_feasible_by_construction(scenario):
    for seed in range(3):
        inst = generate(
            15,
            level=20,
            p_downtime=0.8,
            p_window=0.5,
            p_disjunctive=0.3,
            feasible=True,
            scenario=scenario,
            seed=seed,
        )
        assert inst.meta["constraints"] >= 20
        res = solve(inst, "auto", time_limit=10, threads=1)
        assert res.status in (Status.OPTIMAL, Status.FEASIBLE)


def test_ramp_and_names():
    rs = ramp(12, levels=[5, 10, 15], p_window=0.3, feasible=None, scenario="datacenter-migration")
    assert [r.meta["level"] for r in rs] == [5, 10, 15]
    assert len({r.name for r in rs}) == 3
    assert all(":" in name for name in rs[0].job_names)


def test_bad_arguments():
    with pytest.raises(InputError, match="unknown scenario"):
        generate(5, scenario="moon-base")
    with pytest.raises(InputError, match=r"^--p-window: must be in"):  # the flag, as the others
        generate(5, p_window=1.5)


def test_resources_with_the_datacenter_scenario_are_refused_not_ignored():
    # `gen rcpsp --scenario datacenter-migration --resources 7` wrote its own 5 resources, exit 0
    with pytest.raises(InputError, match=r"--resources 7: the datacenter-migration scenario"):
        generate(8, scenario="datacenter-migration", resources=7)
    assert generate(8, scenario="datacenter-migration").num_resources == 5
    # unset means 3 for the synthetic scenario: the instances of before
    assert generate(8, seed=2).to_dict() == generate(8, seed=2, resources=3).to_dict()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": float("inf")}, "--layers inf"),  # was OverflowError
        ({"layers": None}, "--layers None"),
        ({"n_jobs": 1.5}, "--jobs 1.5"),
        ({"level": float("nan")}, "--level nan"),  # was accepted
        ({"level": -1}, "--level -1"),
        ({"seed": 1.5}, "--seed 1.5"),  # was accepted
        ({"resources": 1.5}, "--resources 1.5"),
        ({"p_window": "x"}, "--p-window: must be in"),
    ],
)
def test_wrong_kinds_of_parameters_are_input_errors(kwargs, message):
    with pytest.raises(InputError, match=message):
        generate(**{"n_jobs": 8, **kwargs})
