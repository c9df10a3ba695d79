"""Temporal analysis: longest paths, positive cycles, windows, downtime-forbidden starts."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import given, settings

from planner.rcpsp.bounds import critical_path_bound
from planner.rcpsp.instance import Downtime, Instance, Precedence
from planner.rcpsp.network import (
    ENERGY_MAX_WORK,
    distances,
    energy_distances,
    energy_work,
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


def _floyd_reference(inst: Instance) -> np.ndarray:
    """Longest paths by Floyd-Warshall, written here (plain Python, cycles allowed)."""
    n = inst.num_jobs
    d = [[0.0 if i == j else -np.inf for j in range(n)] for i in range(n)]
    for p in inst.precedences:
        d[p.pred][p.succ] = max(d[p.pred][p.succ], float(inst.lag(p)))
    for k in range(n):
        for i in range(n):
            for j in range(n):
                d[i][j] = max(d[i][j], d[i][k] + d[k][j])
    return np.array(d)


@settings(max_examples=40, deadline=None)
@given(tiny_instances(max_jobs=6))
def test_distances_equal_floyd_warshall_with_and_without_cycles(inst):
    # acyclic lag graphs take the topological recursion, cyclic ones Floyd-Warshall; with a
    # positive cycle the values depend on the order of relaxation, only the diagonal counts
    d, ref = distances(inst), _floyd_reference(inst)
    if positive_cycle(inst) is None:
        assert np.array_equal(d, ref)
    else:
        assert np.any(np.diag(d) > 0) and np.any(np.diag(ref) > 0)


def _layered(n: int, resources: int = 1, seed: int = 0) -> Instance:
    """A long acyclic project: a chain plus random forward arcs."""
    rng = np.random.default_rng(seed)
    arcs = {(j, j + 1) for j in range(n - 1)}
    arcs |= {tuple(sorted(map(int, rng.choice(n, 2, replace=False)))) for _ in range(2 * n)}
    durations = tuple(int(x) for x in rng.integers(1, 10, n))
    return Instance(
        name=f"layered{n}",
        durations=durations,
        demands=tuple((1,) * resources for _ in range(n)),
        capacities=(2,) * resources,
        precedences=tuple(Precedence(a, b) for a, b in sorted(arcs)),
    )


def test_distances_of_a_large_acyclic_project_are_cheap_and_kept():
    # Floyd-Warshall is cubic: 1,200 jobs cost about 2 CPU s before the topological recursion
    # (a few hundredths), and `solve rcpsp -m auto -t 1` on 1,000 jobs asked for it 4 times
    # before any method looked at its deadline (s25scale)
    inst = _layered(1200)
    start = time.process_time()
    d = distances(inst)
    assert time.process_time() - start < 0.5
    d[0, 1] = 1e9  # the caller's copy: the kept matrix is not touched
    again = distances(inst)
    assert again[0, 1] == inst.durations[0]
    assert again[0, -1] == sum(inst.durations[:-1])  # the chain is the longest path


def test_energy_closure_skipped_past_its_work_budget():
    small, large = _layered(30, resources=2), _layered(1100, resources=2)
    assert energy_work(small) <= ENERGY_MAX_WORK < energy_work(large)
    d = distances(large)
    start = time.process_time()
    assert np.array_equal(energy_distances(large, d), d)  # valid, only weaker
    assert time.process_time() - start < 0.5
    ds = distances(small)
    assert np.all(energy_distances(small, ds) >= ds)
