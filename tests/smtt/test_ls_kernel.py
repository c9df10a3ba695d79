"""Compiled local-search kernel: objective, descent to a true local optimum, kicks, iterate."""

from __future__ import annotations

import numpy as np

from planner.smtt import local_search as LS
from planner.smtt import ls_kernel as K

FAR = 2**62  # a deadline that never comes


def random_case(rng, n_max=10):
    n = int(rng.integers(1, n_max))
    p, d, w = rng.integers(0, 20, n), rng.integers(-10, 150, n), rng.integers(0, 6, n)
    return p, d, w, rng.permutation(n).astype(np.int64)


def test_a_passed_deadline_stops_the_descent_with_a_valid_order():
    rng = np.random.default_rng(2)
    p, d, w, order = random_case(rng, 400)
    start = order.copy()
    value = K.descent(p, d, w, order, 32, 0)  # the deadline is long past
    assert sorted(order.tolist()) == sorted(start.tolist())
    assert value == K.objective(p, d, w, order) <= K.objective(p, d, w, start)
    full = start.copy()
    assert K.descent(p, d, w, full, 32, FAR) < value  # it did stop before the local optimum


def test_full_descent_reaches_a_local_optimum_of_the_numpy_neighbourhood():
    rng = np.random.default_rng(0)
    for _ in range(300):
        p, d, w, order = random_case(rng)
        start = order.copy()
        value = K.descent(p, d, w, order, 32, FAR)
        assert sorted(order.tolist()) == sorted(start.tolist())
        assert value == LS.objective(p, d, w, order) == K.objective(p, d, w, order)
        assert value <= K.objective(p, d, w, start)
        best, _ = LS.improving_moves(p, d, w, order.tolist(), swap_window=len(order))
        assert (best >= 0).all()


def test_focused_descent_without_flags_changes_nothing():
    rng = np.random.default_rng(1)
    p, d, w, order = random_case(rng, 30)
    start = order.copy()
    flags = np.zeros(len(order), dtype=np.uint8)
    assert K.focused_descent(p, d, w, order, 32, flags, FAR) == K.objective(p, d, w, start)
    assert (order == start).all()


def test_kick_is_a_permutation_and_flags_what_it_touched():
    np.random.seed(3)
    order = np.arange(50, dtype=np.int64)
    flags = np.zeros(50, dtype=np.uint8)
    K.kick(order, 4, 5, flags, 0)
    moved = np.flatnonzero(order != np.arange(50))
    assert sorted(order.tolist()) == list(range(50))
    assert moved.size > 0 and flags[moved].all()


def test_iterate_never_worsens_the_best():
    rng = np.random.default_rng(5)
    n = 60
    p, d, w = rng.integers(1, 100, n), rng.integers(0, 2500, n), rng.integers(1, 10, n)
    best = np.arange(n, dtype=np.int64)
    value = K.descent(p, d, w, best, 32, FAR)
    current = best.copy()
    new_value, cur_value, stale, gains = K.iterate(
        p, d, w, best, value, current, value, 0, 200, 30, n - 1, 32, 0, 11, FAR
    )
    assert new_value <= value and new_value == K.objective(p, d, w, best)
    assert cur_value == K.objective(p, d, w, current) >= new_value
    assert sorted(best.tolist()) == list(range(n)) and gains >= 0 and 0 <= stale < 30


def _record_array_kinds(monkeypatch):
    """Wrap the kernels the warm-up compiles; record (dtype, contiguous, writable) of p, d, w."""
    seen = set()
    for name in ("descent", "iterate"):
        original = getattr(K, name)

        def wrapper(p, d, w, *rest, _original=original):
            seen.update((a.dtype.str, a.flags.c_contiguous, a.flags.writeable) for a in (p, d, w))
            return _original(p, d, w, *rest)

        monkeypatch.setattr(K, name, wrapper)
    return seen


def test_the_kernels_get_the_array_kind_the_warm_up_compiles(monkeypatch):
    """numba compiles one specialization per array kind: the weighted exact passed writable
    arrays (lists), the warm-up read-only ones, so a fresh installation's first
    ``solve smtt wt40.txt#56 -m exact -t 2`` compiled inside the limit (4.7 s; s16audit)."""
    import importlib

    from planner.core.timing import Deadline
    from planner.smtt.exact.weighted import solve_weighted

    seen = _record_array_kinds(monkeypatch)
    importlib.import_module("planner.smtt.warmup").warm_local_search()
    warmed = set(seen)
    assert warmed
    seen.clear()
    rng = np.random.default_rng(4)
    n = 30  # above the subset DP's size, so the weighted exact runs its local search
    p, d, w = rng.integers(1, 20, n), rng.integers(0, 200, n), rng.integers(1, 9, n)
    solve_weighted(p.tolist(), d.tolist(), w.tolist(), time_limit=0.5)
    mine = p.copy()  # a caller's writable array stays writable (the kernel gets a copy)
    LS.fast_descent(mine, d, w, list(range(n)))
    LS.iterated_local_search(mine, d, w, list(range(n)), deadline=Deadline(None), max_kicks=1)
    assert seen and seen <= warmed, (seen, warmed)
    assert mine.flags.writeable
