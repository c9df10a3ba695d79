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
        ({"layers": "x"}, "--layers 'x'"),
        ({"n_jobs": 1.5}, "--tasks 1.5"),
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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # meta said 50 layers for the 5 tasks' 5, and datacenter-migration cut to its 10 phases
        ({"n_jobs": 5, "layers": 6}, r"--layers 6: at most --tasks \(5\): every layer holds"),
        (
            {"n_jobs": 30, "layers": 11, "scenario": "datacenter-migration"},
            r"--layers 11: at most 10 \(the datacenter-migration scenario's phases\)",
        ),
    ],
)
def test_more_layers_than_can_be_made_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        generate(**kwargs)


def test_default_layers_are_reported_as_made():
    """The default 5 layers on 3 tasks make 3 (one task each): meta says 3, the rest is the
    instance of before (same durations, demands and precedences)."""
    small = generate(3, seed=1)
    assert small.meta["layers"] == 3
    assert generate(3, seed=1, layers=3).meta["layers"] == 3
    assert generate(30, seed=1).meta["layers"] == 5


def test_a_level_without_room_is_recorded():
    """One layer has no room for any edge: --level 5 gave 0 edges and said nothing."""
    flat = generate(10, layers=1, level=5, seed=0)
    assert flat.meta["level"] == 0 and flat.meta["level_requested"] == 5
    full = generate(10, level=5, seed=0)
    assert full.meta["level"] == 5 and "level_requested" not in full.meta
    assert "level_requested" not in generate(5, seed=0).meta  # the default is a target
