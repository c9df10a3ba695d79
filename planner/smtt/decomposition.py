"""Decomposition heuristic for 1||ΣTj, after Potts and Van Wassenhove (1991).

Lawler (1977): with jobs in EDD order, the longest job ``k`` goes to some
position ``r`` at or after its EDD position, preceded by exactly the other
jobs of EDD positions ``<= r`` and followed by the rest, so the problem splits
into two independent sub-problems. The exact algorithms branch on every
admissible ``r``; this heuristic keeps one: among the positions where moving
``k`` in the EDD sequence gives a running minimum of the tardiness (the
candidates an exact method would branch on), it takes the ``r`` whose two
sub-problems, each sequenced by MDD, give the smallest total, then recurses.

Only valid for the unweighted problem (Lawler's theorem needs equal weights).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from planner.core.timing import Deadline

#: Seconds per job assumed for evaluating one split (two MDD sequences, O(m log m) each): a
#: split that would end past the deadline is not started.
SPLIT_S_PER_JOB = 1e-5


def mdd_value(p: Sequence[int], d: Sequence[int], jobs: Sequence[int], t: int) -> int:
    """Total tardiness of the MDD sequence of ``jobs`` started at ``t`` (O(m log m))."""
    return mdd_sequence(p, d, jobs, t)[1]


def mdd_sequence(
    p: Sequence[int], d: Sequence[int], jobs: Sequence[int], t: int
) -> tuple[list[int], int]:
    """The MDD sequence of ``jobs`` started at ``t`` and its total tardiness (O(m log m)).

    MDD picks the job minimizing ``max(t + p_j, d_j)``: among the jobs whose
    slack ``d_j - p_j`` is at most ``t`` that is the shortest one (priority
    ``t + p_j``), among the others the one with the earliest due date.
    """
    by_slack = sorted(jobs, key=lambda j: d[j] - p[j])
    waiting = [(d[j], j) for j in jobs]
    heapq.heapify(waiting)
    urgent: list[tuple[int, int]] = []
    done: set[int] = set()
    moved: set[int] = set()
    ptr, total, left = 0, 0, len(by_slack)
    seq: list[int] = []
    while left:
        while ptr < len(by_slack) and d[by_slack[ptr]] - p[by_slack[ptr]] <= t:
            j = by_slack[ptr]
            heapq.heappush(urgent, (p[j], j))
            moved.add(j)
            ptr += 1
        while waiting and (waiting[0][1] in done or waiting[0][1] in moved):
            heapq.heappop(waiting)
        while urgent and urgent[0][1] in done:
            heapq.heappop(urgent)
        a = t + urgent[0][0] if urgent else None
        b = waiting[0][0] if waiting else None
        if b is None or (a is not None and a <= b):
            _, j = heapq.heappop(urgent)
        else:
            _, j = heapq.heappop(waiting)
        done.add(j)
        seq.append(j)
        t += p[j]
        if t > d[j]:
            total += t - d[j]
        left -= 1
    return seq, total


def decompose(p: Sequence[int], d: Sequence[int], deadline: Deadline | None = None) -> list[int]:
    """A sequence built by Lawler's decomposition with MDD-evaluated positions.

    When ``deadline`` expires the remaining sub-problems keep their EDD order,
    so a valid sequence always comes back at once.
    """
    n = len(p)
    edd, P, D = _edd(p, d)
    out: list[int] = []
    # explicit stack of ("solve", jobs, start) / ("emit", jobs) in reverse processing order
    stack: list[tuple[str, tuple[int, ...], int]] = [("solve", tuple(range(n)), 0)]
    while stack:
        what, J, t = stack.pop()
        if what == "emit" or len(J) <= 1:
            out.extend(J)
            continue
        if deadline is not None and deadline.expired():
            out.extend(J)  # J is in EDD order
            continue
        split = _best_split(P, D, J, t, deadline)
        if split is None:  # EDD has no tardiness: it is optimal
            out.extend(J)
            continue
        left, k, right, ck = split
        stack.append(("solve", right, ck))
        stack.append(("emit", (k,), 0))
        stack.append(("solve", left, t))
    return edd[np.asarray(out, dtype=np.int64)].tolist()


def _edd(p: Sequence[int], d: Sequence[int]) -> tuple[np.ndarray, list[int], list[int]]:
    """EDD order (ties: shorter, then lower index) and the times and due dates in that order.

    numpy sorts int64 inputs: Python's sorted with tuple keys and the per-job int() took 1.5
    CPU s at a million jobs before the first deadline check (s26limits); larger integers keep
    the Python sort, exact.
    """
    pa, da = np.asarray(p), np.asarray(d)
    if pa.dtype.kind in "iu" and da.dtype.kind in "iu":
        edd = np.lexsort((np.arange(len(pa)), pa, da))
        return edd, pa[edd].tolist(), da[edd].tolist()
    pl, dl = [int(x) for x in p], [int(x) for x in d]
    order = sorted(range(len(pl)), key=lambda j: (dl[j], pl[j], j))
    return np.asarray(order, dtype=np.int64), [pl[j] for j in order], [dl[j] for j in order]


def _best_split(
    P: list[int], D: list[int], J: tuple[int, ...], t: int, deadline: Deadline | None = None
) -> tuple[tuple[int, ...], int, tuple[int, ...], int] | None:
    """Choose the position of the longest job of ``J`` (EDD positions, started at ``t``).

    Past ``deadline`` the best candidate evaluated so far is kept (none: ``None``, EDD stays).
    """
    c, tt = t, 0
    for e in J:
        c += P[e]
        if c > D[e]:
            tt += c - D[e]
    if tt == 0:
        return None
    k = max(J, key=lambda e: (P[e], D[e], e))
    ind = J.index(k)
    pk, dk = P[k], D[k]
    start = t + sum(P[e] for e in J[:ind])
    # tardiness of EDD with k moved to position ind + x, by adjacent interchanges
    T = [tt]
    s = start
    for i in range(ind + 1, len(J)):
        a = J[i]
        pa, da = P[a], D[a]
        old = max(0, s + pk - dk) + max(0, s + pk + pa - da)
        new = max(0, s + pa - da) + max(0, s + pa + pk - dk)
        T.append(T[-1] + new - old)
        s += pa
    best = None
    running = None
    ck = start
    for x, value in enumerate(T):
        r = ind + x
        ck += pk if x == 0 else P[J[r]]
        is_candidate = (running is None or value < running) and (
            x == len(T) - 1 or value <= T[x + 1]
        )
        running = value if running is None else min(running, value)
        if not is_candidate:
            continue
        if deadline is not None and deadline.remaining() < SPLIT_S_PER_JOB * len(J):
            break
        left = J[:ind] + J[ind + 1 : r + 1]
        right = J[r + 1 :]
        total = mdd_value(P, D, left, t) + max(0, ck - dk) + mdd_value(P, D, right, ck)
        if best is None or total < best[0]:
            best = (total, left, right, ck)
    if best is None:  # the deadline passed before any candidate was evaluated: keep EDD
        return None
    _, left, right, ck = best
    return left, k, right, ck
