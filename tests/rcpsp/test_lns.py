"""Resource-flow arcs and CP-SAT large neighbourhood search."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.result import Status
from planner.core.solve import solve
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.lns import LnsParams, large_neighbourhood_search
from planner.rcpsp.heuristics.pos import flow_arcs
from planner.rcpsp.heuristics.priority import activity_list, rule_values
from planner.rcpsp.heuristics.sgs import Decoder
from planner.rcpsp.instance import Solution
from planner.rcpsp.readers import read

from .helpers import INSTANCES, brute_force, tiny_instances
from .test_heuristics import instances


def _earliest(inst, arcs) -> list[int]:
    """Earliest starts under releases, the precedences and extra finish-to-start arcs."""
    start = list(inst.release)
    edges = [(i, j, lag) for i, j, lag in inst.arcs] + [(i, j, inst.durations[i]) for i, j in arcs]
    for _ in range(inst.num_jobs + 1):
        changed = False
        for i, j, lag in edges:
            if start[i] + lag > start[j]:
                start[j], changed = start[i] + lag, True
        if not changed:
            break
    return start


@settings(max_examples=80, deadline=None)
@given(instances(general=False), st.integers(0, 2**16))
def test_flow_arcs_make_every_compatible_schedule_feasible(inst, seed):
    """The partial-order schedule property: with constant capacities, the earliest schedule of
    precedences + flow arcs is resource-feasible (so the arcs capture the whole resource order)."""
    data = SgsData.of(inst)
    dec = Decoder(data)
    order = activity_list(data, np.random.default_rng(seed).random(data.n))
    assert dec.serial(order) >= 0
    start = dec.start.tolist()
    arcs = flow_arcs(inst, start)
    for i, j in arcs:
        assert start[i] + inst.durations[i] <= start[j]
    es = _earliest(inst, arcs)
    assert verify(inst, Solution(tuple(es))) == []
    assert makespan(inst, es) <= makespan(inst, start)


def _poor_start(inst):
    data = SgsData.of(inst)
    dec = Decoder(data)
    assert dec.serial(activity_list(data, rule_values(data, "grpw"))) >= 0
    return data, dec.start.copy()


def test_lns_improves_a_poor_schedule_reproducibly():
    (inst,) = read(INSTANCES / "j3013_1.sm")
    data, start = _poor_start(inst)
    params = LnsParams(deterministic=True, sub_time=0.05, fbi=False)
    runs = [
        large_neighbourhood_search(
            inst, start, time_limit=60, seed=3, max_iterations=8, params=params, data=data
        )
        for _ in range(2)
    ]
    assert runs[0].start == runs[1].start and runs[0].iterations == 8
    r = runs[0]
    assert verify(inst, Solution(tuple(r.start))) == []
    assert r.makespan == makespan(inst, r.start) < makespan(inst, start.tolist())
    assert r.improvements >= 1 and r.history[-1][1] == r.makespan


def test_lns_proves_optimality_when_a_sub_problem_covers_everything():
    (inst,) = read(INSTANCES / "j301_1.sm")  # optimum 43, cheap bound 38
    data, start = _poor_start(inst)
    r = large_neighbourhood_search(
        inst, start, time_limit=30, lower=38, data=data, params=LnsParams(size=1.0, sub_time=10)
    )
    assert r.proven_optimal and r.makespan == 43


@settings(max_examples=30, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_lns_method_is_feasible_and_never_beats_brute_force(inst):
    best = brute_force(inst, inst.horizon + 3)
    res = solve(inst, "lns", time_limit=5, threads=1, seed=0)
    if best is None:
        assert res.status in (Status.INFEASIBLE, Status.UNKNOWN) and res.reason
    else:
        assert res.status in (Status.FEASIBLE, Status.OPTIMAL)
        assert res.verified and best <= res.objective
        if res.status is Status.OPTIMAL:
            assert res.objective == best


@settings(max_examples=10, deadline=None)
@given(instances(max_jobs=10))
def test_lns_method_on_general_instances(inst):
    res = solve(inst, "lns", time_limit=5, threads=2, seed=1)
    assert "violations" not in res.stats and "invalid_bound" not in res.stats
    if res.solution is not None:
        assert res.verified and res.objective >= res.bound


def test_lns_method_on_lags_and_windows():
    # PSP2 is infeasible (maximal lags): proven by the exact model the method falls back to
    (psp2,) = read(INSTANCES / "PSP2.SCH")
    res = solve(psp2, "lns", time_limit=5, threads=1)
    assert res.status is Status.INFEASIBLE and res.reason
    (dc,) = read(INSTANCES / "datacenter_migration.json")
    res = solve(dc, "lns", time_limit=5, threads=2, seed=0)
    assert res.verified and res.status is Status.OPTIMAL
    assert res.objective == solve(dc, "cpsat", time_limit=10, threads=1).objective


def test_lns_patience_counts_from_the_last_improvement():
    (inst,) = read(INSTANCES / "j3013_1.sm")
    data, start = _poor_start(inst)
    base = dict(time_limit=60, seed=3, max_iterations=8, data=data)
    idle = large_neighbourhood_search(inst, start, params=LnsParams(patience=0.0), **base)
    assert idle.iterations == 0 and idle.makespan == makespan(inst, start.tolist())
    # a patience longer than the whole run changes nothing: the same 8 deterministic iterations
    det = dict(deterministic=True, sub_time=0.05, fbi=False)
    runs = [
        large_neighbourhood_search(inst, start, params=LnsParams(**det, patience=p), **base)
        for p in (None, 3600.0)
    ]
    assert runs[0].start == runs[1].start and runs[1].iterations == 8


def test_lns_method_with_patience_also_stops_the_ga_beside_it():
    from planner.rcpsp.methods import lns

    (inst,) = read(INSTANCES / "j3013_1.sm")
    res = lns(inst, time_limit=40, threads=2, seed=0, patience=0.0)
    assert res.status is Status.FEASIBLE and verify(inst, res.solution) == []
    assert res.stats["iterations"] == 0
    assert res.stats["ga_beside_ended_by"] == "stop"  # told to stop, not run to its 40 s
