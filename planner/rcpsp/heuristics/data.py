"""Flat integer arrays of an instance for the schedule-generation kernels, forward and reversed.

``SgsData.of(instance)`` turns an :class:`~planner.rcpsp.instance.Instance` into the arrays the
compiled kernels read: durations, demands, a time-indexed capacity profile (downtime included),
incoming and outgoing time lags in CSR form, release dates, latest starts from deadlines and the
disjunctive partners. ``data.reverse`` is the mirror image of the instance on ``[0, H)``: a start
``s'`` there is a finish ``H - s'`` here, so a forward SGS on the mirror is a backward SGS on the
instance (used by forward–backward improvement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from planner.rcpsp.instance import Instance
from planner.rcpsp.network import WINDOW_ROWS, distances, windows

#: Largest ``resources × horizon`` cells of the time-indexed profile (beyond: no SGS heuristics).
MAX_CELLS = 50_000_000

#: Largest profile (``resources × horizon`` cells, 8 bytes each, twice: forward and mirror)
#: that :meth:`SgsData.of` keeps with its instance: 3,000 jobs on 20 resources have 330,000.
KEEP_CELLS = 4_000_000

#: Latest start of a job without a deadline.
NO_LIMIT = np.int64(2**40)


@dataclass(frozen=True)
class Arrays:
    """One direction of the instance as kernel arguments (see :meth:`args`)."""

    dur: np.ndarray  # (n,) int64
    dem: np.ndarray  # (n, m) int64
    cap: np.ndarray  # (m, H) int64 capacity at every time unit
    in_ptr: np.ndarray  # CSR of incoming lags: start[j] >= start[in_job] + in_lag
    in_job: np.ndarray
    in_lag: np.ndarray
    out_ptr: np.ndarray  # CSR of outgoing lags: start[out_job] >= start[j] + out_lag
    out_job: np.ndarray
    out_lag: np.ndarray
    rel: np.ndarray  # (n,) earliest start
    lst: np.ndarray  # (n,) latest start (deadline - duration, or NO_LIMIT)
    pair_ptr: np.ndarray  # CSR of disjunctive partners
    pair_job: np.ndarray
    breaks: np.ndarray  # sorted times where some capacity changes

    def args(self) -> tuple[np.ndarray, ...]:
        """The arrays in the order every kernel takes them."""
        return (
            self.dur,
            self.dem,
            self.cap,
            self.in_ptr,
            self.in_job,
            self.in_lag,
            self.out_ptr,
            self.out_job,
            self.out_lag,
            self.rel,
            self.lst,
            self.pair_ptr,
            self.pair_job,
        )


@dataclass(frozen=True)
class SgsData:
    """Everything the SGS kernels, priority rules and justification need about an instance.

    Attributes
    ----------
    instance
        The source instance.
    horizon
        Length ``H`` of the time-indexed profiles; every schedule the kernels build ends by ``H``.
    fwd, rev
        The instance and its mirror image as :class:`Arrays`.
    order_ptr, order_job
        CSR of the *ordering* predecessors: arcs that force ``pred`` before ``succ`` in every
        activity list (finish-to-start, or a positive start-to-start lag).
    topo
        Rank of every job in one topological order of the ordering arcs (tie-breaker).
    dist
        Longest-path matrix of the lags (:func:`planner.rcpsp.network.distances`).
    """

    instance: Instance
    horizon: int
    fwd: Arrays
    rev: Arrays
    order_ptr: np.ndarray
    order_job: np.ndarray
    topo: np.ndarray
    dist: np.ndarray = field(repr=False)

    @classmethod
    def of(cls, instance: Instance, horizon: int | None = None) -> SgsData:
        """Build the arrays (``horizon`` defaults to a bound every SGS schedule stays within).

        With the default horizon the arrays are kept in ``instance.derived`` and shared (no
        caller writes into them; the kernels write into each :class:`Decoder`'s own buffers):
        ``auto``'s first schedule and the ``lns`` stage's set-up each built them, 0.37 CPU s
        at 3,000 jobs.
        """
        if horizon is None:
            kept = instance.derived.get("sgs_data")
            if kept is None:
                kept = cls._build(instance, None)
                if kept.fwd.cap.size <= KEEP_CELLS:
                    instance.derived["sgs_data"] = kept
            return kept
        return cls._build(instance, horizon)

    @classmethod
    def _build(cls, instance: Instance, horizon: int | None) -> SgsData:
        n = instance.num_jobs
        dur = np.asarray(instance.durations, dtype=np.int64).reshape(n)
        if horizon is None:
            horizon = int(instance.horizon) + int(dur.max(initial=0)) + 1
        horizon = max(1, int(horizon))
        m = instance.num_resources
        if m * horizon > MAX_CELLS:
            raise ValueError(
                f"{instance.name}: horizon {horizon} × {m} resources is too long for the "
                "time-indexed schedule-generation schemes"
            )
        dem = np.asarray(instance.demands, dtype=np.int64).reshape(n, m)
        cap = np.empty((m, horizon), dtype=np.int64)
        breaks: set[int] = set()
        for r in range(m):
            cap[r, :] = instance.capacities[r]
            for a, b, c in instance.capacity_profile(r):
                if a < horizon:
                    cap[r, a : min(b, horizon)] = c
                breaks.update((a, b))
        best: dict[tuple[int, int], int] = {}
        ordering: set[tuple[int, int]] = set()
        for p in instance.precedences:
            i, j = p.pred, p.succ
            lag = instance.lag(p)
            if i == j:
                continue  # lag <= 0 is void; a positive self-loop is caught by the feasibility check
            best[(i, j)] = max(best.get((i, j), lag), lag)
            if p.lag is None or lag > 0:
                ordering.add((i, j))
        arcs = [(i, j, lag) for (i, j), lag in best.items()]
        rel = np.asarray(instance.release, dtype=np.int64).reshape(n)
        dist = distances(instance)
        # A zero start-to-start lag i -> j orders the list too unless lags lead back from j to
        # i (a zero cycle or a maximal lag): placing j first would otherwise turn S_i <= S_j
        # into a deadline for i that a serial pass cannot always meet.
        for i, j, lag in arcs:
            if lag == 0 and (i, j) not in ordering and not np.isfinite(dist[j, i]):
                ordering.add((i, j))
        # Releases pushed along the lags: a job whose lag predecessor is released later cannot
        # start before it either, even when the arc does not order the activity list (a
        # start-to-start lag of 0), so the serial SGS must not place it earlier.
        reach = _reach(rel, dist)
        est = np.maximum(rel, reach.astype(np.int64)).astype(np.int64)
        lst = np.asarray(
            [
                NO_LIMIT if d is None else d - instance.durations[j]
                for j, d in enumerate(instance.deadline)
            ],
            dtype=np.int64,
        ).reshape(n)
        pairs = [(a, b) for a, b in instance.disjunctive] + [
            (b, a) for a, b in instance.disjunctive
        ]
        bk = np.asarray(sorted(t for t in breaks if 0 < t < horizon), dtype=np.int64)
        fwd = _arrays(dur, dem, cap, arcs, est, lst, pairs, bk)
        # mirror image: s' = H - s - d; lag (i, j, l) becomes (j, i, l + d_j - d_i)
        rarcs = [(j, i, lag + int(dur[j]) - int(dur[i])) for i, j, lag in arcs]
        rrel = np.where(lst >= NO_LIMIT, 0, horizon - (lst + dur)).astype(np.int64)
        rrel = np.maximum(rrel, 0)
        rlst = (horizon - rel - dur).astype(np.int64)
        rbk = np.asarray(sorted(horizon - t for t in bk.tolist()), dtype=np.int64)
        rev = _arrays(dur, dem, cap[:, ::-1].copy(), rarcs, rrel, rlst, pairs, rbk)
        optr, ojob, _ = _csr(n, sorted((j, i) for i, j in ordering))
        topo = _topological_rank(n, optr, ojob)
        return cls(instance, horizon, fwd, rev, optr, ojob, topo, dist)

    @property
    def n(self) -> int:
        return int(self.fwd.dur.shape[0])

    @cached_property
    def windows(self):
        """Earliest / latest starts from lags, releases and deadlines (horizon = ``H``)."""
        return windows(self.instance, self.dist, horizon=self.horizon)

    @cached_property
    def related(self) -> np.ndarray:
        """``related[i, j]``: ``i`` must come before ``j`` in every activity list (transitively)."""
        n = self.n
        rel = np.zeros((n, n), dtype=np.bool_)
        for j in range(n):
            for k in range(self.order_ptr[j], self.order_ptr[j + 1]):
                rel[self.order_job[k], j] = True
        order = np.argsort(self.topo, kind="stable")
        for j in order.tolist():  # preds of j are complete when j is reached in topological order
            preds = np.flatnonzero(rel[:, j])
            if preds.size:
                rel[:, j] |= rel[:, preds].any(axis=1)
        return rel


def _reach(rel: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """``max(0, max_i rel_i + dist[i, j])`` for every ``j`` (``-inf``: no path), over blocks of
    rows: the whole-matrix expression allocated three n x n temporaries (0.2 CPU s at 3,000
    jobs, s27limits); max is exact, so the floats are the same."""
    n = rel.shape[0]
    reach = np.zeros(n)
    step = WINDOW_ROWS
    buf = np.empty((min(step, n), n))
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        b = buf[: hi - lo]
        np.add(rel[lo:hi, None], dist[lo:hi], out=b)
        np.maximum(reach, b.max(axis=0), out=reach)
    return reach


def _csr(n: int, pairs: list[tuple[int, int]], values: list[int] | None = None):
    """CSR lists: for each ``a``, the ``b`` of every pair ``(a, b)`` (and its value), in the
    order of ``pairs`` (a stable sort by ``a``; item by item this took 0.24 CPU s for the 7
    lists of 3,000 jobs and 12,000 arcs, s27limits)."""
    pa = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pa[:, 0], minlength=n), out=ptr[1:])
    order = np.argsort(pa[:, 0], kind="stable")
    job = pa[order, 1]
    if values is None:
        val = np.zeros(len(pairs), dtype=np.int64)
    else:
        val = np.asarray(values, dtype=np.int64).reshape(-1)[order]
    return ptr, job, val


def _arrays(dur, dem, cap, arcs, rel, lst, pairs, breaks) -> Arrays:
    n = dur.shape[0]
    ip, ij, il = _csr(n, [(j, i) for i, j, _ in arcs], [lag for _, _, lag in arcs])
    op, oj, ol = _csr(n, [(i, j) for i, j, _ in arcs], [lag for _, _, lag in arcs])
    pp, pj, _ = _csr(n, pairs)
    return Arrays(dur, dem, cap, ip, ij, il, op, oj, ol, rel, lst, pp, pj, breaks)


def _topological_rank(n: int, ptr: np.ndarray, job: np.ndarray) -> np.ndarray:
    """Kahn's algorithm on the ordering arcs (preds in CSR); jobs on a cycle go last, by index."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = np.zeros(n, dtype=np.int64)
    for j in range(n):
        for k in range(ptr[j], ptr[j + 1]):
            succ[int(job[k])].append(j)
            indeg[j] += 1
    rank = np.full(n, -1, dtype=np.int64)
    ready = [j for j in range(n) if indeg[j] == 0]
    pos = 0
    while ready:
        nxt = []
        for j in ready:
            rank[j] = pos
            pos += 1
            for s in succ[j]:
                indeg[s] -= 1
                if indeg[s] == 0:
                    nxt.append(s)
        ready = sorted(nxt)
    for j in range(n):
        if rank[j] < 0:
            rank[j] = pos
            pos += 1
    return rank
