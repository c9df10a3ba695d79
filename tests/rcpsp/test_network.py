"""Temporal analysis: longest paths, positive cycles, windows, downtime-forbidden starts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from planner.rcpsp.bounds import critical_path_bound
from planner.rcpsp.instance import Downtime, Instance, Precedence
from planner.rcpsp.network import (
    distances,
    energy_distances,
    forbidden_starts,
    positive_cycle,
    tightened_windows,
    windows,
)

from .helpers import brute_force, feasible_schedules, tiny_instances


def chain(lags, durations=(2, 3, 1, 4)) -> Instance:
    return Instance(
        name="c",
        durations=durations,
        demands=tuple((0,) for _ in durations),
        capacities=(1,),
        precedences=tuple(Precedence(*p) for p in lags),
    )


def test_distances_and_critical_path():
    inst = chain([(0, 1), (1, 2), (0, 3, 1)])
    d = distances(inst)
    assert d[0, 2] == 5 and d[0, 3] == 1 and d[2, 0] == -np.inf
    assert critical_path_bound(inst, windows(inst, d)) == 6


def test_positive_cycle_found_with_length():
    inst = chain([(0, 1), (1, 2), (2, 0, -3)])  # 2 + 3 - 3 = 2 > 0
    jobs, length = positive_cycle(inst)
    assert sorted(jobs) == [0, 1, 2] and length == 2
    assert positive_cycle(chain([(0, 1), (1, 2), (2, 0, -5)])) is None


def test_windows_with_deadline():
    inst = Instance(
        name="w",
        durations=(2, 3),
        demands=((0,), (0,)),
        capacities=(1,),
        precedences=(Precedence(0, 1),),
        release=(1, 0),
        deadline=(None, 9),
    )
    w = windows(inst, distances(inst), horizon=20)
    assert list(w.es) == [1, 3] and list(w.ls) == [4, 6] and list(w.tail) == [5, 3]


def test_forbidden_starts_and_tightening():
    inst = Instance(
        name="f",
        durations=(3,),
        demands=((2,),),
        capacities=(3,),
        downtimes=(Downtime(0, 5, 7, 1),),
    )
    assert forbidden_starts(inst, 0) == [(3, 6)]
    w = tightened_windows(inst, distances(inst), horizon=9)
    assert int(w.es[0]) == 0 and int(w.ls[0]) == 2  # 3..6 is forbidden, 7 + 3 > 9


@settings(max_examples=80, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_windows_contain_every_optimal_schedule(inst):
    """es <= start <= ls for the optimum found by brute force (windows are valid cuts)."""
    if positive_cycle(inst) is not None:
        assert brute_force(inst, inst.horizon + 3) is None
        return
    best = brute_force(inst, inst.horizon + 3)
    if best is None:
        return
    d = distances(inst)
    w = tightened_windows(inst, d, horizon=best)
    assert np.all(w.es <= w.ls)
    assert critical_path_bound(inst, windows(inst, d)) <= best


@settings(max_examples=80, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_energy_distances_hold_in_every_feasible_schedule(inst):
    """start_k - start_i >= E[i, k] for every feasible schedule, not just an optimal one."""
    if positive_cycle(inst) is not None:
        return
    e = energy_distances(inst, distances(inst))
    for row in feasible_schedules(inst, inst.horizon + 2):
        diff = row[None, :] - row[:, None]  # diff[i, k] = start_k - start_i
        assert np.all(diff >= e)
