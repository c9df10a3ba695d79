"""Local search for 1||ΣwjTj: dynasearch descent and iterated local search.

The neighbourhood of a sequence holds three move types, each confined to a
segment ``[i, j]`` of positions: swap the jobs at ``i`` and ``j``; move the
job at ``i`` to just after ``j`` (forward insertion); move the job at ``j`` to
just before ``i`` (backward insertion). A move leaves every completion time
outside its segment unchanged, so moves on disjoint segments have additive
gains and the best set of them is found by a dynamic program over positions
(dynasearch: Congram, Potts and van de Velde 2002, with the insertion moves of
Grosso, Della Croce and Tadei 2004).

Move gains are computed with numpy. Insertions: for a fixed moved job the
jobs it jumps over all shift by its processing time, so a cumulative sum
along the row of an ``n × n`` matrix gives every insertion of that job at
once (O(n²) per pass, in row blocks to bound memory). Swaps shift the jobs in
between by ``p_j - p_i``, which depends on both ends, so they cost O(n g) per
segment length ``g`` and are limited to ``g <= swap_window``.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from planner.core.timing import Deadline

#: Largest segment length for swaps.
SWAP_WINDOW = 32
#: Rows per block of the insertion matrices (bounds memory at ~BLOCK * n int64s).
BLOCK = 512
#: Largest n for the dynasearch descent: its move matrices take 9 n² bytes (225 MB at 5000).
#: Beyond, :func:`descent` uses the compiled one-job-at-a-time descent (O(n) memory).
DYNASEARCH_MAX_N = 5000

SWAP, FORWARD, BACKWARD = 0, 1, 2


@dataclass
class SearchStats:
    """Counters of a local search run (named as they appear in a result's ``stats``)."""

    ls_passes: int = 0
    ls_moves: int = 0
    ils_kicks: int = 0
    ils_improvements: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def objective(p: np.ndarray, d: np.ndarray, w: np.ndarray, order: Sequence[int]) -> int:
    """Total weighted tardiness of ``order`` (int64 arithmetic)."""
    idx = np.asarray(order, dtype=np.int64)
    late = np.cumsum(p[idx]) - d[idx]
    return int(np.dot(w[idx], np.maximum(late, 0)))


def improving_moves(
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    order: Sequence[int],
    *,
    swap_window: int = SWAP_WINDOW,
    deadline: Deadline | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best improving move per segment (past ``deadline``: the moves found so far, all valid).

    Returns
    -------
    best
        ``(n, n)`` int64 matrix; ``best[i, j]`` (``i < j``) is the most negative
        objective change of a move on the segment ``[i, j]``, 0 when none improves.
    kind
        ``(n, n)`` int8 matrix: ``SWAP``, ``FORWARD`` (job at i goes after j) or
        ``BACKWARD`` (job at j goes before i).
    """
    idx = np.asarray(order, dtype=np.int64)
    n = len(idx)
    q, dd, ww = p[idx], d[idx], w[idx]
    c = np.cumsum(q)
    cost = ww * np.maximum(c - dd, 0)
    best = np.zeros((n, n), dtype=np.int64)
    kind = np.zeros((n, n), dtype=np.int8)
    late_at = np.flatnonzero(cost > 0)
    if late_at.size == 0:
        return best, kind  # objective 0: nothing improves
    pos = np.arange(n)
    lateness = c - dd
    # forward: the job at i jumps behind j and jobs i+1..j finish q_i earlier; only a tardy
    # job among them can gain, so rows i past the last tardy position never improve
    for lo in range(0, int(late_at[-1]), BLOCK):
        if deadline is not None and deadline.expired():
            return best, kind
        rows = pos[lo : min(lo + BLOCK, int(late_at[-1]))]
        gain = ww * np.maximum(lateness[None, :] - q[rows, None], 0) - cost
        gain[pos[None, :] <= rows[:, None]] = 0
        fwd = np.cumsum(gain, axis=1)
        fwd += ww[rows, None] * np.maximum(c[None, :] - dd[rows, None], 0) - cost[rows, None]
        fwd[pos[None, :] <= rows[:, None]] = 0
        block = best[rows[0] : rows[-1] + 1]
        np.minimum(block, fwd, out=block)
        kind[rows[0] : rows[-1] + 1][fwd < 0] = FORWARD
    # backward: the job at j jumps before i and jobs i..j-1 finish q_j later; only a tardy
    # job j can gain, so only tardy rows j are computed (matrices indexed [j, i])
    for lo in range(0, late_at.size, BLOCK):
        if deadline is not None and deadline.expired():
            return best, kind
        rows = late_at[lo : lo + BLOCK]
        gain = ww * np.maximum(lateness[None, :] + q[rows, None], 0) - cost
        gain[pos[None, :] >= rows[:, None]] = 0
        bwd = np.cumsum(gain[:, ::-1], axis=1)[:, ::-1]  # sum over k in [i, j)
        start_new = (c - q)[None, :] + q[rows, None]  # job j now starts where job i started
        bwd += ww[rows, None] * np.maximum(start_new - dd[rows, None], 0) - cost[rows, None]
        bwd[pos[None, :] >= rows[:, None]] = 0
        current = best[:, rows]
        take = current > bwd.T
        current[take] = bwd.T[take]
        best[:, rows] = current
        kinds = kind[:, rows]
        kinds[take] = BACKWARD
        kind[:, rows] = kinds
    for g in range(1, min(swap_window, n - 1) + 1):
        i = np.arange(n - g)
        j = i + g
        shift = q[j] - q[i]
        swap = (
            ww[j] * np.maximum(c[i] + shift - dd[j], 0)
            - cost[j]
            + ww[i] * np.maximum(c[j] - dd[i], 0)
            - cost[i]
        )
        if g > 1:
            k = i[:, None] + np.arange(1, g)[None, :]
            between = ww[k] * np.maximum(c[k] + shift[:, None] - dd[k], 0) - cost[k]
            swap = swap + between.sum(axis=1)
        take = swap < best[i, j]
        best[i[take], j[take]] = swap[take]
        kind[i[take], j[take]] = SWAP
    return best, kind


def select_moves(best: np.ndarray) -> list[tuple[int, int]]:
    """The set of disjoint segments with the most negative total change (dynasearch DP)."""
    ii, jj = np.nonzero(best < 0)
    if ii.size == 0:
        return []
    if ii.size <= 8 * best.shape[0]:
        return _select_sparse(best, ii, jj)
    return _select_dense(best)


def _select_sparse(best: np.ndarray, ii: np.ndarray, jj: np.ndarray) -> list[tuple[int, int]]:
    # weighted interval scheduling over the improving segments, by end position
    order = np.argsort(jj, kind="stable")
    ends: list[int] = [0]  # prefix lengths with a computed value (F is non-increasing)
    vals: list[int] = [0]
    back: list[tuple[int, int, int] | None] = [None]  # (segment i, j, index of prefix F[i])
    for k in order:
        i, j = int(ii[k]), int(jj[k])
        at = bisect.bisect_right(ends, i) - 1
        value = vals[at] + int(best[i, j])
        if value < vals[-1]:
            if ends[-1] == j + 1:
                vals[-1], back[-1] = value, (i, j, at)
            else:
                ends.append(j + 1)
                vals.append(value)
                back.append((i, j, at))
    moves = []
    at = len(ends) - 1
    while at > 0:
        link = back[at]
        assert link is not None
        i, j, prev = link
        moves.append((i, j))
        at = prev
    return moves[::-1]


def _select_dense(best: np.ndarray) -> list[tuple[int, int]]:
    n = best.shape[0]
    f = np.zeros(n + 1, dtype=np.int64)  # f[x]: best change using positions < x
    choice = np.full(n + 1, -1, dtype=np.int64)
    for j in range(n):
        col = f[: j + 1] + best[: j + 1, j]
        i = int(np.argmin(col))
        if col[i] < f[j]:
            f[j + 1], choice[j + 1] = col[i], i
        else:
            f[j + 1] = f[j]
    moves = []
    x = n
    while x > 0:
        if choice[x] < 0:
            x -= 1
        else:
            moves.append((int(choice[x]), x - 1))
            x = int(choice[x])
    return moves[::-1]


def apply_move(order: list[int], i: int, j: int, kind: int) -> None:
    """Apply one segment move in place (``kind`` as in :func:`improving_moves`)."""
    if kind == SWAP:
        order[i], order[j] = order[j], order[i]
    elif kind == FORWARD:
        order[i : j + 1] = [*order[i + 1 : j + 1], order[i]]
    else:
        order[i : j + 1] = [order[j], *order[i:j]]


def descent(
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    order: Sequence[int],
    *,
    deadline: Deadline | None = None,
    swap_window: int = SWAP_WINDOW,
    stats: SearchStats | None = None,
) -> tuple[list[int], int]:
    """Dynasearch descent to a local optimum of the swap + insertion neighbourhood.

    Returns the improved order and its objective. Stops early (with a valid,
    improved order) when ``deadline`` expires. Beyond :data:`DYNASEARCH_MAX_N`
    jobs the compiled descent of :func:`fast_descent` does the work.
    """
    if len(order) > DYNASEARCH_MAX_N:
        better, value = fast_descent(p, d, w, order, deadline=deadline)
        if stats is not None:
            stats.ls_passes += 1
        return better, value
    current = [int(j) for j in order]
    value = objective(p, d, w, current)
    stats = stats if stats is not None else SearchStats()
    while value > 0 and not (deadline is not None and deadline.expired()):
        best, kind = improving_moves(p, d, w, current, swap_window=swap_window, deadline=deadline)
        moves = select_moves(best)
        stats.ls_passes += 1
        if not moves:
            break
        gain = 0
        for i, j in moves:  # disjoint segments: apply in any order
            apply_move(current, i, j, int(kind[i, j]))
            gain += int(best[i, j])
        stats.ls_moves += len(moves)
        value += gain
    return current, value


def deadline_ns(deadline: Deadline | None) -> int:
    """``deadline`` on the ``perf_counter_ns`` clock of the compiled kernels (none: far away)."""
    if deadline is None or deadline.limit == float("inf"):
        return 2**62
    return min(2**62, int((deadline.start + deadline.limit) * 1e9))


def kernel_array(a: Sequence[int] | np.ndarray) -> np.ndarray:
    """``a`` as the one array kind the compiled kernels are warmed up with: C-contiguous,
    int64 and read-only (as :attr:`Instance.arrays`).

    numba compiles a separate specialization for writable arrays: the weighted ``exact``
    passed lists, so on a fresh installation its first run compiled the descent and ILS
    kernels again inside its time limit (4.7 s for ``-t 2``, s16audit). A writable array is
    copied, never made read-only in the caller's hands.
    """
    out = np.ascontiguousarray(a, dtype=np.int64)
    if out.flags.writeable:
        out = out.copy()
        out.setflags(write=False)
    return out


def fast_descent(
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    order: Sequence[int],
    *,
    deadline: Deadline | None = None,
) -> tuple[list[int], int]:
    """Compiled insertion + swap descent to a local optimum (first move per job, best of its
    moves), or until ``deadline``."""
    from planner.smtt import ls_kernel as K

    p64, d64, w64 = (kernel_array(a) for a in (p, d, w))
    out = np.asarray(order, dtype=np.int64).copy()
    value = int(K.descent(p64, d64, w64, out, SWAP_WINDOW, deadline_ns(deadline)))
    return out.tolist(), value


def iterated_local_search(
    p: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    order: Sequence[int],
    *,
    deadline: Deadline,
    seed: int = 0,
    lower: int = 0,
    max_kicks: int | None = None,
    stats: SearchStats | None = None,
) -> tuple[list[int], int]:
    """Iterated local search in the spirit of iterated dynasearch (Congram, Potts and
    van de Velde 2002).

    A full descent first; then rounds of: kick the current local optimum
    with 2-6 random interchanges of jobs (any two; far swaps find better basins
    than near ones, measured at n = 100-500), descend again from the touched
    positions (compiled insertion + swap descent of
    :mod:`planner.smtt.ls_kernel`, with don't-look bits), accept the new
    local optimum when it is no worse than the current one, and go back to the
    best one after a run of rounds without progress. Stops at ``deadline``,
    after ``max_kicks`` kicks, or when the objective reaches ``lower`` (a
    proven lower bound).
    """
    from planner.smtt import ls_kernel as K

    stats = stats if stats is not None else SearchStats()
    p64, d64, w64 = (kernel_array(a) for a in (p, d, w))
    best = np.asarray(order, dtype=np.int64).copy()
    stop_ns = deadline_ns(deadline)
    value = int(K.descent(p64, d64, w64, best, SWAP_WINDOW, stop_ns))
    stats.ls_passes += 1
    n = len(best)
    if n < 2 or value <= lower:
        return best.tolist(), value
    reach = max(2, n - 1)  # kicks may swap any two jobs: measured best at n = 100-500
    patience = max(20, n // 5)
    current, current_value, stale = best.copy(), value, 0
    chunk = 1
    rounds = 0
    while value > lower and not deadline.expired():
        if max_kicks is not None:
            chunk = min(chunk, max_kicks - stats.ils_kicks)
            if chunk <= 0:
                break
        tick = time.perf_counter()
        value, current_value, stale, gains = K.iterate(
            p64,
            d64,
            w64,
            best,
            value,
            current,
            current_value,
            stale,
            chunk,
            patience,
            reach,
            SWAP_WINDOW,
            lower,
            seed * 1_000_003 + rounds,
            stop_ns,
        )
        value = int(value)
        rounds += 1
        stats.ils_kicks += chunk
        stats.ils_improvements += int(gains)
        # size the next chunk to about 20 ms, so the deadline is checked often enough
        per_kick = max(time.perf_counter() - tick, 1e-6) / chunk
        chunk = int(min(4 * chunk, max(1.0, 0.02 / per_kick)))
        chunk = int(max(1, min(chunk, deadline.remaining() / per_kick / 2)))
    return best.tolist(), value
