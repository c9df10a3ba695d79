"""Dynasearch: move gains against recomputation, the DP against brute force, descent and ILS."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings

from planner.core.timing import Deadline
from planner.smtt import local_search as LS
from planner.smtt.instance import Instance

from .strategies import brute_force, small_instances


def recompute(p, d, w, order, i, j, kind):
    moved = list(order)
    LS.apply_move(moved, i, j, kind)
    return LS.objective(p, d, w, moved) - LS.objective(p, d, w, order)


def test_gains_match_recomputation():
    rng = np.random.default_rng(5)
    for _ in range(60):
        n = int(rng.integers(2, 12))
        p, d, w = rng.integers(0, 20, n), rng.integers(-10, 120, n), rng.integers(0, 6, n)
        order = rng.permutation(n).tolist()
        best, kind = LS.improving_moves(p, d, w, order, swap_window=n)
        for i, j in itertools.combinations(range(n), 2):
            gains = [recompute(p, d, w, order, i, j, k) for k in (LS.SWAP, LS.FORWARD, LS.BACKWARD)]
            assert best[i, j] == min(0, *gains)
            if best[i, j] < 0:
                assert gains[int(kind[i, j])] == best[i, j]


def test_blocked_insertions_match_single_block(monkeypatch):
    rng = np.random.default_rng(9)
    n = 23
    p, d, w = rng.integers(1, 20, n), rng.integers(0, 200, n), rng.integers(1, 5, n)
    order = rng.permutation(n).tolist()
    whole = LS.improving_moves(p, d, w, order)
    monkeypatch.setattr(LS, "BLOCK", 4)  # several row blocks must give the same matrices
    blocked = LS.improving_moves(p, d, w, order)
    assert (whole[0] == blocked[0]).all()


def enumerate_best(best, x=0):
    """Most negative total over all sets of disjoint segments starting at or after x."""
    n = best.shape[0]
    if x >= n:
        return 0
    options = [enumerate_best(best, x + 1)]
    options += [int(best[x, j]) + enumerate_best(best, j + 1) for j in range(x + 1, n)]
    return min(options)


def test_selected_moves_are_disjoint_and_optimal():
    rng = np.random.default_rng(2)
    for _ in range(300):
        n = int(rng.integers(1, 9))
        best = np.triu(rng.integers(-5, 3, (n, n)), 1)
        best[best > 0] = 0
        moves = LS.select_moves(best)
        used = [x for i, j in moves for x in range(i, j + 1)]
        assert len(used) == len(set(used))
        value = sum(int(best[i, j]) for i, j in moves)
        assert value == enumerate_best(best)
        dense = LS._select_dense(best)
        assert sum(int(best[i, j]) for i, j in dense) == value


@settings(max_examples=80, deadline=None)
@given(small_instances(max_n=7))
def test_descent_reaches_a_local_optimum_never_below_the_optimum(inst: Instance):
    p, d, w = inst.arrays
    start = list(range(inst.n))
    order, value = LS.descent(p, d, w, start, swap_window=inst.n)
    assert sorted(order) == start
    assert value == LS.objective(p, d, w, order) <= LS.objective(p, d, w, start)
    assert value >= brute_force(inst)
    best, _ = LS.improving_moves(p, d, w, order, swap_window=inst.n)
    assert value == 0 or (best >= 0).all()


def test_ils_improves_on_descent_and_stops_at_the_bound():
    rng = np.random.default_rng(4)
    n = 40
    p, d, w = rng.integers(1, 100, n), rng.integers(0, 800, n), np.ones(n, dtype=np.int64)
    start = list(range(n))
    _, v_desc = LS.descent(p, d, w, start)
    stats = LS.SearchStats()
    order, v = LS.iterated_local_search(
        p, d, w, start, deadline=Deadline(120), seed=1, max_kicks=30, stats=stats
    )
    assert sorted(order) == start and v == LS.objective(p, d, w, order) <= v_desc
    assert v > 0 and stats.ils_kicks == 30
    # a lower bound equal to the value found stops at once
    again = LS.SearchStats()
    LS.iterated_local_search(p, d, w, order, deadline=Deadline(5), lower=v, stats=again)
    assert again.ils_kicks == 0


def test_descent_respects_an_expired_deadline():
    rng = np.random.default_rng(0)
    n = 30
    p, d, w = rng.integers(1, 100, n), rng.integers(0, 900, n), np.ones(n, dtype=np.int64)
    order, value = LS.descent(p, d, w, list(range(n)), deadline=Deadline(0))
    assert order == list(range(n)) and value == LS.objective(p, d, w, order)
