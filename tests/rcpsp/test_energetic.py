"""The energetic-reasoning bound never exceeds the optimum, and its infeasibility proofs are real."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

import planner.rcpsp.auto as auto_mod
from planner.core.result import Result, Status
from planner.rcpsp.bounds import energetic_bound, energetic_refutes, energetic_windows, lower_bound
from planner.rcpsp.evaluate import verify
from planner.rcpsp.instance import Instance
from planner.rcpsp.methods import METHODS, ga, lns
from planner.rcpsp.network import distances, energy_distances, positive_cycle
from planner.rcpsp.readers import read

from .helpers import INSTANCES, brute_force, feasible_schedules, tiny_instances

# two jobs that need the whole resource inside [0, 4): 15 units of energy, 12 on offer. The
# family's quick checks do not see it; energetic reasoning does (found by the test below).
OVERFULL = Instance.from_dict(
    {
        "name": "overfull",
        "resources": [{"name": "R1", "capacity": 3}],
        "jobs": [
            {"name": "1", "duration": 3, "demands": [3], "deadline": 4},
            {"name": "2", "duration": 2, "demands": [3], "release": 1, "deadline": 4},
        ],
        "precedences": [],
    }
)


def _check(inst: Instance) -> None:
    best = brute_force(inst, inst.horizon + 3)
    er = energetic_bound(inst, time_limit=10.0)
    if best is not None:
        assert er <= best
        if positive_cycle(inst) is None:
            dist = energy_distances(inst, distances(inst))
            assert not energetic_refutes(inst, dist, best)  # the optimum itself is never refuted
            assert not energetic_refutes(inst, dist, best + 1)
    if er > inst.horizon:  # a claim of infeasibility
        assert best is None


@settings(max_examples=250, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_energetic_bound_below_brute_force_optimum(inst):
    _check(inst)


@settings(max_examples=40, deadline=None)
@given(tiny_instances(max_jobs=4))
def test_energetic_bound_below_brute_force_optimum_four_jobs(inst):
    _check(inst)


@settings(max_examples=80, deadline=None)
@given(tiny_instances(max_jobs=4, lags=False, windows=False, downtime=False, pairs=False))
def test_energetic_bound_below_brute_force_optimum_plain_rcpsp(inst):
    _check(inst)


def test_energetic_bound_closes_j301_1():
    (inst,) = read(INSTANCES / "j301_1.sm")  # optimum 43, cheap bound 38
    assert lower_bound(inst) == 38
    assert energetic_bound(inst, upper=42) == 43


def test_energetic_bound_proves_overfull_infeasible():
    assert brute_force(OVERFULL) is None
    assert energetic_bound(OVERFULL) > OVERFULL.horizon


def test_energetic_bound_honours_its_time_limit():
    (inst,) = read(INSTANCES / "j301_1.sm")
    assert energetic_bound(inst, upper=42, time_limit=0.0) == lower_bound(inst)


def _stub_stages(monkeypatch, status: Status) -> None:
    """CP-SAT stages that prove nothing and the preemptive bound at 0: only the energetic stage
    can raise the bound."""

    def weak(instance, **kw):
        return Result("rcpsp", instance.name, "auto", status, bound=0)

    monkeypatch.setattr(auto_mod, "solve_cpsat", weak)
    monkeypatch.setattr(auto_mod, "preemptive_bound", lambda *a, **k: 0)


def test_auto_reports_the_energetic_bound_without_a_proof(monkeypatch):
    (inst,) = read(INSTANCES / "j301_1.sm")
    _stub_stages(monkeypatch, Status.FEASIBLE)
    res = auto_mod.solve_auto(inst, time_limit=60.0, threads=1, seed=0, ga=ga, lns=lns)
    assert res.solution is not None and not verify(inst, res.solution)
    # the GA may find 43 itself; the bound 43 then closes the gap
    assert res.bound == 43
    stages = [s["stage"] for s in res.stats["stages"]]
    assert stages[-1] == "energetic"


def test_auto_claims_infeasible_from_energetic_reasoning(monkeypatch):
    _stub_stages(monkeypatch, Status.UNKNOWN)
    res = auto_mod.solve_auto(OVERFULL, time_limit=60.0, threads=1, seed=0, ga=ga, lns=lns)
    assert res.status is Status.INFEASIBLE
    assert "energetic" in res.reason


def test_auto_skips_the_energetic_stage_after_a_proof():
    (inst,) = read(INSTANCES / "j301_1.sm")
    res = METHODS["auto"].func(inst, time_limit=20.0, threads=1, seed=0)
    assert res.status is Status.OPTIMAL
    assert "energetic" not in [s["stage"] for s in res.stats["stages"]]


def test_cpsat_reports_the_energetic_bound_without_a_proof(monkeypatch):
    import planner.rcpsp.cpsat as cpsat_mod

    (inst,) = read(INSTANCES / "j301_1.sm")
    sol = METHODS["sgs-basic"].func(inst, time_limit=5.0, threads=1, seed=0).solution

    def weak(instance, **kw):
        return Result("rcpsp", instance.name, "cpsat", Status.FEASIBLE, 50, bound=0, solution=sol)

    monkeypatch.setattr(cpsat_mod, "solve_cpsat", weak)
    res = METHODS["cpsat"].func(inst, time_limit=60.0, threads=1, seed=0)
    assert res.bound == 43


def test_disjunctive_pair_is_a_unary_resource():
    pair = Instance.from_dict(
        {
            "name": "pair",
            "resources": [{"name": "R", "capacity": 1}],
            "jobs": [
                {"name": "a", "duration": 3, "demands": [0]},
                {"name": "b", "duration": 3, "demands": [0]},
            ],
            "precedences": [],
            "disjunctive": [["a", "b"]],
        }
    )
    assert lower_bound(pair) == 3
    assert energetic_bound(pair) == 6 == brute_force(pair)


def test_downtime_lowers_the_energy_on_offer():
    # job a (2 units, due by 4) cannot run in [2, 4) where the capacity drops to 1: it runs in
    # [0, 2), and b, c share what is left; without the profile the check stops at 5
    down = Instance.from_dict(
        {
            "name": "down",
            "resources": [{"name": "R", "capacity": 2}],
            "jobs": [
                {"name": "a", "duration": 2, "demands": [2], "deadline": 4},
                {"name": "b", "duration": 2, "demands": [1], "deadline": 6},
                {"name": "c", "duration": 2, "demands": [1], "deadline": 6},
            ],
            "precedences": [],
            "downtimes": [{"resource": "R", "start": 2, "end": 4, "capacity": 1}],
        }
    )
    assert lower_bound(down) == 5
    assert energetic_bound(down) == 6 == brute_force(down)


@settings(max_examples=80, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_energetic_windows_hold_every_schedule(inst):
    """Every feasible schedule ending by ``T`` starts each job inside the windows at ``T``."""
    if positive_cycle(inst) is not None:
        return
    dist = energy_distances(inst, distances(inst))
    starts = feasible_schedules(inst, inst.horizon + 2)
    ends = (starts + np.asarray(inst.durations)).max(axis=1, initial=0)
    for horizon in sorted({int(e) for e in ends})[:3]:
        windows = energetic_windows(inst, dist, horizon)
        assert windows is not None  # a schedule ends by this horizon
        est, lst = windows
        inside = starts[ends <= horizon]
        assert (inside >= est).all() and (inside <= lst).all()
