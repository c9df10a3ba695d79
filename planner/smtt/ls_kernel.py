"""Compiled (numba) local-search kernel: insertion + swap descent and random kicks.

The numpy dynasearch of :mod:`planner.smtt.local_search` evaluates a whole
neighbourhood per pass with array operations, which is fine for one descent
but too slow to iterate thousands of times. This kernel evaluates the moves
of one job at a time with running sums (an insertion of the job at ``i`` over
positions ``i+1..j`` costs O(1) per extra position), applies the best one,
and keeps completion times up to date, so an iterated local search can afford
hundreds of kicks per second at n = 500.

All arithmetic is int64 (instances are validated so that no objective can
exceed it); ``order`` is modified in place. Every descent takes a deadline in
``perf_counter_ns`` units and stops there with a valid, improved order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.smtt._clock import now_ns

#: Look at the clock every this many examined positions (a position costs O(n)) ...
_CHECK_EVERY = 64
#: ... but at least every this many job steps: 64 positions of a million jobs were 2.5 CPU s
#: past a deadline (s25scale); up to 16,384 jobs nothing changes.
_CHECK_WORK = 1 << 20


@njit(cache=True)
def objective(p, d, w, order):  # pragma: no cover - compiled
    t = 0
    total = 0
    for k in range(order.shape[0]):
        j = order[k]
        t += p[j]
        if t > d[j]:
            total += w[j] * (t - d[j])
    return total


@njit(cache=True)
def _refresh(p, d, w, order, c, cost):  # pragma: no cover - compiled
    t = 0
    for k in range(order.shape[0]):
        j = order[k]
        t += p[j]
        c[k] = t
        late = t - d[j]
        cost[k] = w[j] * late if late > 0 else 0


@njit(cache=True)
def _best_move_of(p, d, w, order, c, cost, i, swap_window):  # pragma: no cover - compiled
    """Best (delta, kind, target) for the job at position ``i``; kind 1 fwd, 2 bwd, 0 swap."""
    n = order.shape[0]
    a = order[i]
    qa, da, wa = p[a], d[a], w[a]
    best_delta = 0
    best_kind = -1
    best_j = -1
    # forward: a goes right after position j > i; jobs i+1..j finish qa earlier
    acc = 0
    for j in range(i + 1, n):
        b = order[j]
        late = c[j] - qa - d[b]
        acc += (w[b] * late if late > 0 else 0) - cost[j]
        late_a = c[j] - da
        delta = acc + (wa * late_a if late_a > 0 else 0) - cost[i]
        if delta < best_delta:
            best_delta, best_kind, best_j = delta, 1, j
    # backward: a goes right before position j < i; jobs j..i-1 finish qa later
    acc = 0
    for j in range(i - 1, -1, -1):
        b = order[j]
        late = c[j] + qa - d[b]
        acc += (w[b] * late if late > 0 else 0) - cost[j]
        late_a = c[j] - p[b] + qa - da
        delta = acc + (wa * late_a if late_a > 0 else 0) - cost[i]
        if delta < best_delta:
            best_delta, best_kind, best_j = delta, 2, j
    # swaps with a job at most swap_window positions to the right
    last = min(n - 1, i + swap_window)
    for j in range(i + 2, last + 1):  # j = i + 1 is an insertion already
        b = order[j]
        shift = p[b] - qa
        late_b = c[i] + shift - d[b]
        delta = (w[b] * late_b if late_b > 0 else 0) - cost[j]
        late_a = c[j] - da
        delta += (wa * late_a if late_a > 0 else 0) - cost[i]
        for k in range(i + 1, j):
            e = order[k]
            late = c[k] + shift - d[e]
            delta += (w[e] * late if late > 0 else 0) - cost[k]
        if delta < best_delta:
            best_delta, best_kind, best_j = delta, 0, j
    return best_delta, best_kind, best_j


@njit(cache=True)
def _apply(order, i, j, kind):  # pragma: no cover - compiled
    if kind == 0:
        order[i], order[j] = order[j], order[i]
    elif kind == 1:
        a = order[i]
        for k in range(i, j):
            order[k] = order[k + 1]
        order[j] = a
    else:
        a = order[i]
        for k in range(i, j, -1):
            order[k] = order[k - 1]
        order[j] = a


@njit(cache=True)
def descent(p, d, w, order, swap_window, deadline_ns):  # pragma: no cover - compiled
    """Descend to a local optimum of the insertion + swap neighbourhood (or to the deadline);
    returns the objective."""
    active = np.ones(order.shape[0], dtype=np.uint8)
    return focused_descent(p, d, w, order, swap_window, active, deadline_ns)


@njit(cache=True)
def focused_descent(p, d, w, order, swap_window, active, deadline_ns):  # pragma: no cover
    """Descent that only examines the jobs at positions flagged in ``active``.

    A job whose moves do not improve is unflagged; an applied move flags every
    position it touched (plus a margin of 2), since their completion times
    changed ("don't look bits"). With all positions flagged this is a full
    descent to a local optimum.
    """
    n = order.shape[0]
    c = np.empty(n, dtype=np.int64)
    cost = np.empty(n, dtype=np.int64)
    _refresh(p, d, w, order, c, cost)
    value = cost.sum()
    pending = True
    seen = 0
    check = max(1, min(_CHECK_EVERY, _CHECK_WORK // max(n, 1)))
    while pending and value > 0:
        pending = False
        for i in range(n):
            if active[i] == 0:
                continue
            seen += 1
            if seen % check == 0 and now_ns() > deadline_ns:
                return value
            delta, kind, j = _best_move_of(p, d, w, order, c, cost, i, swap_window)
            if delta < 0:
                _apply(order, i, j, kind)
                _refresh(p, d, w, order, c, cost)
                value += delta
                lo = max(0, min(i, j) - 2)
                hi = min(n - 1, max(i, j) + 2)
                for k in range(lo, hi + 1):
                    active[k] = 1
                pending = True
            else:
                active[i] = 0
    return value


@njit(cache=True)
def kick(order, swaps, reach, active, lo=0):  # pragma: no cover - compiled
    """``swaps`` random interchanges of jobs at most ``reach`` positions apart, from ``lo`` on.

    Flags the positions around each interchange in ``active``; uses numba's
    global random state (seeded by the caller).
    """
    n = order.shape[0]
    lo = max(0, min(lo, n - 2))
    if n < 2:
        return
    for _ in range(swaps):
        i = lo + np.random.randint(0, n - 1 - lo)
        j = min(n - 1, i + 1 + np.random.randint(0, reach))
        order[i], order[j] = order[j], order[i]
        for k in range(max(0, i - 2), min(n, j + 3)):
            active[k] = 1


@njit(cache=True)
def iterate(
    p,
    d,
    w,
    best,
    best_value,
    current,
    current_value,
    stale,
    kicks,
    patience,
    reach,
    swap_window,
    lower,
    seed,
    deadline_ns,
    swaps_lo=2,
    swaps_hi=6,
):  # pragma: no cover - compiled
    """``kicks`` rounds of kick + descent, continuing a search whose state is passed in.

    ``current`` is the local optimum being perturbed, ``best`` the best one seen
    (both updated in place). A new local optimum replaces ``current`` when it is
    no worse; after ``patience`` rounds without a new best (``stale`` counts them)
    the search goes back to ``best``. Returns ``(best_value, current_value, stale,
    improvements)``.
    """
    gains = 0
    np.random.seed(seed)
    for _ in range(kicks):
        if best_value <= lower or now_ns() > deadline_ns:
            break
        cand = current.copy()
        active = np.zeros(cand.shape[0], dtype=np.uint8)
        kick(cand, swaps_lo + np.random.randint(0, swaps_hi - swaps_lo + 1), reach, active, 0)
        value = focused_descent(p, d, w, cand, swap_window, active, deadline_ns)
        if value <= current_value:
            current[:] = cand
            current_value = value
        if value < best_value:
            best[:] = cand
            best_value = value
            gains += 1
            stale = 0
        else:
            stale += 1
            if stale >= patience:
                current[:] = best
                current_value = best_value
                stale = 0
    return best_value, current_value, stale, gains
