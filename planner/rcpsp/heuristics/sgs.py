"""Serial and parallel schedule-generation schemes (SGS) on time-indexed capacity profiles.

Both kernels handle the general instance: a capacity that varies over time (downtime), release
dates, deadlines, disjunctive pairs and generalized time lags. Lags are honoured in both
directions against the jobs already scheduled (a minimal lag raises the earliest start, a maximal
one caps the latest start); when a job has no feasible start left the kernel reports failure
(``-1``) instead of returning a schedule that breaks a constraint. No backtracking is done:
RCPSP/max instances are the exact model's job, the SGS only provides quick incumbents.

The kernels are compiled with numba when available (:mod:`._jit`). Arguments follow
:meth:`.data.Arrays.args`; ``free``/``start``/``done`` are caller-owned work buffers.
"""

from __future__ import annotations

import numpy as np

from planner.rcpsp.heuristics._jit import interpreted, jit
from planner.rcpsp.heuristics.data import Arrays, SgsData
from planner.rcpsp.heuristics.priority import activity_list, lft_es_values
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.network import positive_cycle


@jit
def _earliest_fit(j, t, hi, dur, dem, free, start, done, pair_ptr, pair_job):
    """First ``t' >= t`` (``<= hi``) where job ``j`` fits the free profile and its partners.

    Returns ``-1`` when none exists before ``hi`` or the end of the profile.
    """
    m, horizon = free.shape
    d = dur[j]
    ok_until = t  # every time unit in [t, ok_until) is known to have room for j
    while True:
        if t > hi or t + d > horizon:
            return -1
        end = t + d
        bad = -1
        tau = end - 1
        lower = max(t, ok_until)
        while tau >= lower:  # backwards: the last bad unit gives the longest jump
            for r in range(m):
                if dem[j, r] > free[r, tau]:
                    bad = tau
                    break
            if bad >= 0:
                break
            tau -= 1
        if bad >= 0:
            t = bad + 1
            ok_until = end
            continue
        ok_until = end
        moved = False
        if d > 0:
            for k in range(pair_ptr[j], pair_ptr[j + 1]):
                p = pair_job[k]
                if done[p] and dur[p] > 0 and start[p] < end and t < start[p] + dur[p]:
                    t = start[p] + dur[p]
                    moved = True
                    break
        if not moved:
            return t


@jit
def _window(j, lo_all, start, done, in_ptr, in_job, in_lag, out_ptr, out_job, out_lag, rel, lst):
    """Earliest and latest start of ``j`` given the jobs scheduled so far."""
    lo = max(rel[j], lo_all)
    for k in range(in_ptr[j], in_ptr[j + 1]):
        i = in_job[k]
        if done[i]:
            lo = max(lo, start[i] + in_lag[k])
    hi = lst[j]
    for k in range(out_ptr[j], out_ptr[j + 1]):
        s = out_job[k]
        if done[s]:
            hi = min(hi, start[s] - out_lag[k])
    return lo, hi


@jit
def _place(j, t, dur, dem, free, start, done):
    m = free.shape[0]
    start[j] = t
    done[j] = True
    for tau in range(t, t + dur[j]):
        for r in range(m):
            free[r, tau] -= dem[j, r]


@jit
def serial_kernel(order, lo_all, arr, free, start, done):
    """Serial SGS: jobs in ``order``, each at its earliest feasible start ``>= lo_all``.

    ``arr`` is :meth:`.data.Arrays.args`. Returns the makespan, or ``-1`` when some job has no
    feasible start (deadline, maximal lag or end of the profile).
    """
    dur, dem, cap, in_ptr, in_job, in_lag, out_ptr, out_job, out_lag, rel, lst, pp, pj = arr
    n = dur.shape[0]
    free[:, :] = cap
    done[:] = False
    makespan = 0
    for idx in range(n):
        j = order[idx]
        lo, hi = _window(
            j, lo_all, start, done, in_ptr, in_job, in_lag, out_ptr, out_job, out_lag, rel, lst
        )
        t = _earliest_fit(j, lo, hi, dur, dem, free, start, done, pp, pj)
        if t < 0:
            return -1
        _place(j, t, dur, dem, free, start, done)
        makespan = max(makespan, t + dur[j])
    return makespan


@jit
def _ready(j, done, preds_ptr, preds_job):
    """True when every ordering predecessor of ``j`` is scheduled."""
    for k in range(preds_ptr[j], preds_ptr[j + 1]):  # noqa: SIM110 (a loop: numba has no all())
        if not done[preds_job[k]]:
            return False
    return True


@jit
def parallel_kernel(prio, preds_ptr, preds_job, breaks, lo_all, arr, free, start, done):
    """Parallel SGS: at each decision time start, by ascending ``prio``, every eligible job
    that fits there for its whole duration, then move to the next event.

    A job is eligible once all its ordering predecessors (``preds_*``) are scheduled and its
    lags and release allow it to start. Events are finish times, ready times and capacity
    changes (``breaks``). Returns the makespan or ``-1`` on failure.
    """
    dur, dem, cap, in_ptr, in_job, in_lag, out_ptr, out_job, out_lag, rel, lst, pp, pj = arr
    n = dur.shape[0]
    _m, horizon = free.shape
    free[:, :] = cap
    done[:] = False
    tried = np.zeros(n, dtype=np.bool_)
    count = 0
    t = lo_all
    makespan = 0
    while count < n:
        if t >= horizon:
            return -1
        tried[:] = False
        while True:  # start jobs at t, best priority first, until none fits
            best = -1
            for j in range(n):
                if done[j] or tried[j]:
                    continue
                if best >= 0 and prio[j] >= prio[best]:
                    continue
                if _ready(j, done, preds_ptr, preds_job):
                    best = j
            if best < 0:
                break
            j = best
            tried[j] = True
            lo, hi = _window(
                j, lo_all, start, done, in_ptr, in_job, in_lag, out_ptr, out_job, out_lag, rel, lst
            )
            if lo > t:
                continue
            if hi < t:
                return -1  # a deadline or maximal lag has passed: this order cannot recover
            if _earliest_fit(j, t, t, dur, dem, free, start, done, pp, pj) != t:
                continue
            _place(j, t, dur, dem, free, start, done)
            makespan = max(makespan, t + dur[j])
            count += 1
            tried[:] = False  # a new start may make others eligible (zero lags, zero durations)
        if count == n:
            break
        nxt = horizon
        for j in range(n):
            if done[j]:
                f = start[j] + dur[j]
                if t < f < nxt:
                    nxt = f
            elif _ready(j, done, preds_ptr, preds_job):
                lo, hi = _window(
                    j,
                    lo_all,
                    start,
                    done,
                    in_ptr,
                    in_job,
                    in_lag,
                    out_ptr,
                    out_job,
                    out_lag,
                    rel,
                    lst,
                )
                if t < lo < nxt:
                    nxt = lo
        for b in breaks:
            if t < b < nxt:
                nxt = b
                break
        t = nxt
    return makespan


class Decoder:
    """Reusable buffers and entry points of the kernels for one instance.

    Parameters
    ----------
    data
        The instance's :class:`SgsData`.
    """

    def __init__(self, data: SgsData) -> None:
        self.data = data
        n, m, h = data.n, data.fwd.dem.shape[1], data.horizon
        self.free = np.empty((m, h), dtype=np.int64)
        self.start = np.zeros(n, dtype=np.int64)
        self.done = np.zeros(n, dtype=np.bool_)

    def serial(self, order: np.ndarray, *, reverse: bool = False, lo_all: int = 0) -> int:
        """Serial SGS of ``order`` (``reverse``: on the mirror image); starts in :attr:`start`."""
        arr: Arrays = self.data.rev if reverse else self.data.fwd
        return int(
            serial_kernel(
                np.asarray(order, dtype=np.int64),
                lo_all,
                arr.args(),
                self.free,
                self.start,
                self.done,
            )
        )

    def parallel(self, prio: np.ndarray) -> int:
        """Parallel SGS with priorities ``prio`` (lower first); starts in :attr:`start`."""
        d = self.data
        return int(
            parallel_kernel(
                np.asarray(prio, dtype=np.float64),
                d.order_ptr,
                d.order_job,
                d.fwd.breaks,
                0,
                d.fwd.args(),
                self.free,
                self.start,
                self.done,
            )
        )

    def solution(self) -> Solution:
        """The last forward schedule as a :class:`Solution`."""
        return Solution(tuple(int(s) for s in self.start))


def serial_sgs(data: SgsData, order: list[int] | np.ndarray) -> Solution | None:
    """Serial SGS of an activity list; ``None`` when some job finds no feasible start."""
    dec = Decoder(data)
    return dec.solution() if dec.serial(np.asarray(order)) >= 0 else None


#: Up to this many ``jobs × horizon`` a single pass runs interpreted when the kernels are not
#: loaded yet: 2-3 ms on PSPLIB j30 (32 x ~155), 7 ms on a generated 100-job project (x 570),
#: 86 ms at 32 x 15,800, where importing numba and loading the two kernels costs ~0.5 CPU s
#: (``bench/session_runs/s28start/interpreted_sgs.md``).
INTERPRETED_PASS_CELLS = 100_000


def small_pass(instance: Instance) -> bool:
    """Whether one SGS pass on ``instance`` costs less interpreted than loading the compiled
    kernels (:data:`INTERPRETED_PASS_CELLS`)."""
    return instance.num_jobs * instance.horizon <= INTERPRETED_PASS_CELLS


def interpreted_pass(instance: Instance) -> bool:
    """Whether :func:`lft_schedule` on ``instance`` runs interpreted: a :func:`small_pass` while
    this process has not loaded the serial SGS (once it has, the compiled pass is cheaper)."""
    return small_pass(instance) and not serial_kernel.loaded


def lft_schedule(instance: Instance) -> Solution | None:
    """One serial SGS pass, latest finish time first (ties: earliest start): a first incumbent.

    ``None`` when it finds no feasible schedule (deadlines, maximal lags, a positive cycle of
    lags) or the instance's horizon is too long for the time-indexed profiles. On a small
    instance, before any kernel is loaded, the pass runs interpreted (the same code, the same
    schedule; :func:`interpreted_pass`).
    """
    if positive_cycle(instance) is not None:
        return None
    try:
        data = SgsData.of(instance)
    except ValueError:
        return None
    if interpreted_pass(instance):
        with interpreted():
            return serial_sgs(data, activity_list(data, lft_es_values(data)))
    return serial_sgs(data, activity_list(data, lft_es_values(data)))
