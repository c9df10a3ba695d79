"""Constructive (dispatching) heuristics for 1||ΣTj and 1||ΣwjTj.

Each rule maps int64 arrays ``p, d`` (and ``w`` where it uses weights) to a
processing order of 0-based job indices. The LLM-discovered rules (EDDC,
MDDC and the augmented variants) follow the code published with "Discovering
Heuristics with Large Language Models (LLMs) for Mixed-Integer Programs:
Single-Machine Scheduling" (arXiv 2510.24013,
github.com/ibrahimoguzc/DiscoverHeuristics, ``testing/heuristics_comparison.ipynb``)
operation by operation, including its tie-breaking and floating-point
expressions, so that its reported gaps can be reproduced. Where the code
differs from the paper's prose the code wins (e.g. EDDC starts from the SPT
order, not from EDD).

The quadratic rules (ATC, PSK, EDDC, MDDC and the augmented ones, which are
cubic) take an optional :class:`~planner.core.timing.Deadline`: when it
passes they stop and append the jobs they have not placed in EDD order
(:func:`finish_by_edd`), so a valid order always comes back in time. MDD runs
in O(n log n) (two heaps).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

import numpy as np

from planner.core.timing import Deadline

Order = list[int]


def edd(p: np.ndarray, d: np.ndarray) -> Order:
    """Earliest due date first; ties by index.

    Index order on ties is what the published ``np.argsort(d)`` does in
    practice, and it matters: with due dates clipped at 0 many jobs tie, and
    breaking ties by SPT instead lowers EDD's mean gap on the T'Kindt sets by
    about 1.5 points (58.0 % instead of the paper's 59.6 % at n = 100).
    """
    return np.argsort(d, kind="stable").tolist()


def spt(p: np.ndarray, d: np.ndarray) -> Order:
    """Shortest processing time first; ties by earlier due date, then index."""
    return np.lexsort((np.arange(len(p)), d, p)).tolist()


def finish_by_edd(order: Order, rest: Iterable[int], d: np.ndarray) -> Order:
    """``order`` followed by the jobs ``rest`` in EDD order (ties: index): how a rule stopped
    by its deadline completes its sequence."""
    # an array as it is (np.fromiter walked a million numpy scalars past the deadline)
    left = rest.astype(np.int64) if isinstance(rest, np.ndarray) else np.fromiter(rest, np.int64)
    tail = left[np.lexsort((left, np.asarray(d)[left]))]
    return [*order, *tail.tolist()]


def _expired(deadline: Deadline | None) -> bool:
    return deadline is not None and deadline.expired()


def mdd_scores(p: np.ndarray, d: np.ndarray, unscheduled: np.ndarray, t: int) -> np.ndarray:
    """Modified due dates ``max(t + p_j, d_j)`` of the unscheduled jobs at time ``t``."""
    return np.maximum(p[unscheduled] + t, d[unscheduled])


def dispatch(
    p: np.ndarray,
    d: np.ndarray,
    unscheduled: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray],
    *,
    augment: bool = False,
    deadline: Deadline | None = None,
) -> Order:
    """Repeatedly append the unscheduled job with the smallest ``score`` (first on ties).

    ``augment``: after each append, the best improving move of a job to the end
    (:func:`best_move_to_end`), as in the published augmented rules; ``t`` keeps counting the
    processing times of the appended jobs (the move does not change the partial length).
    ``deadline``: stop there and finish in EDD order.
    """
    t = 0
    order: Order = []
    while unscheduled.size:
        if _expired(deadline):
            return finish_by_edd(order, unscheduled, d)
        k = int(np.argmin(score(p, d, unscheduled, t)))
        job = int(unscheduled[k])
        order.append(job)
        t += int(p[job])
        unscheduled = np.delete(unscheduled, k)
        if augment:
            order = best_move_to_end(order, p, d, None)
    return order


def mdd(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """Modified due date (Baker and Bertrand 1982): next job minimizes ``max(t + p_j, d_j)``.

    Ties go to the lowest job index, as ``np.argmin`` over the unscheduled jobs
    in index order does in the published code. O(n log n): a job whose slack
    ``d_j - p_j`` is at most ``t`` has the value ``t + p_j`` (a heap by ``p``),
    any other one ``d_j`` (a heap by ``d``); slacks only run out as ``t`` grows.
    ``deadline``: stop there and finish in EDD order.
    """
    p64, d64 = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    pl, dl = p64.tolist(), d64.tolist()
    n = len(pl)
    # numpy's stable sorts, same keys (slack, index) and (due date, index): Python's sorted with
    # tuple keys took 2.5 CPU s at a million jobs before the first deadline check (s25scale),
    # and a heap of the waiting jobs 0.35 s more (s26limits); their keys never change, so the
    # EDD order with a pointer that skips moved jobs pops the same job as that heap did
    edd_order = np.argsort(d64, kind="stable")
    by_due = edd_order.tolist()
    by_slack = np.argsort(d64 - p64, kind="stable").tolist()
    urgent: list[tuple[int, int]] = []
    moved = bytearray(n)  # in the urgent heap, or already scheduled
    t, ptr, due = 0, 0, 0
    order: Order = []
    for k in range(n):
        if k % 1024 == 1023 and _expired(deadline):
            # the EDD order is at hand: keep its unplaced jobs (no second sort)
            free = np.ones(n, dtype=bool)
            free[np.asarray(order, dtype=np.int64)] = False
            return [*order, *edd_order[free[edd_order]].tolist()]
        while ptr < n and dl[by_slack[ptr]] - pl[by_slack[ptr]] <= t:
            j = by_slack[ptr]
            if not moved[j]:
                heapq.heappush(urgent, (pl[j], j))
                moved[j] = 1
            ptr += 1
        while due < n and moved[by_due[due]]:
            due += 1
        late = (t + urgent[0][0], urgent[0][1]) if urgent else None
        if late is not None and (due == n or late <= (dl[by_due[due]], by_due[due])):
            j = heapq.heappop(urgent)[1]
        else:
            j = by_due[due]
            due += 1
            moved[j] = 1
        order.append(j)
        t += pl[j]
    return order


def atc(
    p: np.ndarray, d: np.ndarray, w: np.ndarray, k: float = 2.0, deadline: Deadline | None = None
) -> Order:
    """Apparent tardiness cost (Vepsalainen and Morton 1987).

    Next job maximizes ``(w_j / p_j) exp(-max(d_j - p_j - t, 0) / (k p̄))``,
    where ``p̄`` is the mean processing time of the unscheduled jobs. Ties go
    to the lowest index.
    """
    unscheduled = np.arange(len(p))
    t = 0
    order: Order = []
    while unscheduled.size:
        if _expired(deadline):
            return finish_by_edd(order, unscheduled, d)
        pu = p[unscheduled]
        scale = max(k * float(pu.mean()), 1e-9)
        slack = np.maximum(d[unscheduled] - pu - t, 0)
        # log of the ATC index, so large slacks do not underflow to equal zeros
        with np.errstate(divide="ignore"):
            index = np.log(w[unscheduled] / np.maximum(pu, 1e-9)) - slack / scale
        index = np.where(pu == 0, np.inf, index)
        pos = int(np.argmax(index))
        job = int(unscheduled[pos])
        order.append(job)
        t += int(p[job])
        unscheduled = np.delete(unscheduled, pos)
    return order


def psk(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """Panwalkar, Smith and Koulamas (1993), as coded with the LLM-heuristics paper.

    Jobs are kept in SPT order (ties by due date). The first unscheduled job is
    the active job ``i``; it is scheduled at once if it is tardy anyway.
    Otherwise the later jobs ``j`` are scanned: ``i`` is scheduled when
    ``d_i <= t + p_j``, or when the list ends; a job ``j`` with ``d_j < d_i``
    becomes the active job (scheduled if it is the last one).
    """
    s = np.lexsort((d, p))
    ps, ds = p[s], d[s]
    unscheduled = list(range(len(p)))
    t = 0
    out: Order = []
    while unscheduled:
        if _expired(deadline):
            done = [int(s[k]) for k in out]
            return finish_by_edd(done, (int(s[k]) for k in unscheduled), d)
        i = unscheduled[0]
        chosen = i
        if len(unscheduled) > 1 and t + ps[i] < ds[i]:
            for pos in range(1, len(unscheduled)):
                j = unscheduled[pos]
                last = pos == len(unscheduled) - 1
                if ds[i] <= t + ps[j]:
                    break
                if ds[i] <= ds[j]:
                    if last:
                        break
                else:
                    i = j
                    if last:
                        break
            chosen = i
        unscheduled.remove(chosen)
        out.append(chosen)
        t += int(ps[chosen])
    return [int(s[k]) for k in out]


def eddc(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """EDD Challenger (LLM-discovered), as published.

    Start from ``lexsort((d, p))`` (SPT, ties by due date); for each position
    ``i`` bubble the job down while its due date is smaller than the
    predecessor's, swapping only when the predecessor's due date exceeds the
    total processing time of the jobs before the current position.
    """
    s = np.lexsort((d, p)).tolist()
    # the loop for i only permutes s[0..i], so sum(p over s[0..i-1]) is a prefix sum of the start
    heads = np.cumsum(p[np.asarray(s)]).tolist()
    for i in range(1, len(s)):
        if _expired(deadline):  # s[:i] is settled; the rest goes in EDD order
            return finish_by_edd(s[:i], s[i:], d)
        j, prefix = i, int(heads[i - 1])  # prefix: sum of p over s[0..j-1] when the test is made
        while j > 0 and d[s[j]] < d[s[j - 1]]:
            before = s[j - 1]
            if d[before] > prefix:
                s[j], s[j - 1] = s[j - 1], s[j]
            prefix -= int(p[before])
            j -= 1
    return s


def mddc_scores(p: np.ndarray, d: np.ndarray, unscheduled: np.ndarray, t: int) -> np.ndarray:
    """MDD Challenger urgencies of the unscheduled jobs at time ``t`` (smaller is more urgent)."""
    pu = p[unscheduled]
    urgency = np.maximum(pu * 1.1 + t, d[unscheduled])
    # zero processing times at t = 0 give 0/0 = nan, as in the published code; np.argmin then
    # picks the first nan, which keeps the rule a permutation
    with np.errstate(invalid="ignore", divide="ignore"):
        mult = pu / (t + np.max(pu))
        mult[mult > 1] = 1
        urgency = urgency * (1 + (mult**2) / (1 + mult**2))
        return urgency + pu / (t + np.sum(pu) / len(unscheduled))


def mddc(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """MDD Challenger (LLM-discovered), as published.

    Unscheduled jobs sorted by ``lexsort((p, d))`` (due date, ties by
    processing time); repeatedly append the one with the smallest
    ``μ = max(1.1 p_j + t, d_j) (1 + ρ²/(1+ρ²)) + p_j / (t + mean p)`` with
    ``ρ = min(p_j / (t + max p), 1)`` (first on ties).
    """
    return dispatch(p, d, np.lexsort((p, d)), mddc_scores, deadline=deadline)


def best_move_to_end(order: Order, p: np.ndarray, d: np.ndarray, w: np.ndarray | None) -> Order:
    """The augmentation step: best strictly improving move of one job to the end.

    Every trial starts from ``order`` (the partial schedule); ties go to the
    earliest job, as in the published loop with its strict ``<``.
    """
    m = len(order)
    if m < 2:
        return order
    idx = np.asarray(order)
    q, dd = p[idx], d[idx]
    ww = np.ones(m, dtype=np.int64) if w is None else w[idx]
    c = np.cumsum(q)
    tard = np.maximum(c - dd, 0)
    i = np.arange(m - 1)
    # jobs after position i finish q[i] earlier; job i finishes at c[-1]
    shifted = np.maximum(c[None, :] - q[i, None] - dd[None, :], 0) - tard[None, :]
    shifted = np.where(np.arange(m)[None, :] > i[:, None], shifted * ww[None, :], 0)
    delta = shifted.sum(axis=1) + ww[i] * (np.maximum(c[-1] - dd[i], 0) - tard[i])
    best = int(np.argmin(delta))
    if delta[best] >= 0:
        return order
    return order[:best] + order[best + 1 :] + [order[best]]


def aug_mdd(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """Augmented MDD: MDD, and after each append the best improving move of a job to the end."""
    return dispatch(p, d, np.arange(len(p)), mdd_scores, augment=True, deadline=deadline)


def aug_mddc(p: np.ndarray, d: np.ndarray, deadline: Deadline | None = None) -> Order:
    """Augmented MDDC: MDDC, and after each append the best improving move of a job to the end.

    As in the published code, ``t`` keeps counting the processing times of the
    appended jobs (the move does not change the partial schedule's length).
    """
    return dispatch(p, d, np.lexsort((p, d)), mddc_scores, augment=True, deadline=deadline)
