"""Forward–backward improvement (double justification; Valls, Ballestín & Quintanilla 2005).

A backward pass schedules the jobs by non-increasing finish time, each as late as possible with
every job finishing by the current makespan (a serial SGS on the instance's mirror image); a
forward pass then schedules them by non-decreasing start time of that right-justified schedule,
each as early as possible. Each pass keeps every job at least as far right (left) as before, so
for instances without maximal lags the makespan never increases, and it often drops. Ties are
broken by a topological order only (not by finish time), so that the lists stay
precedence-feasible: with a start-to-start lag of 0 a longer predecessor may start together
with a shorter successor.
"""

from __future__ import annotations

import numpy as np

from planner.rcpsp.heuristics._jit import jit
from planner.rcpsp.heuristics.sgs import Decoder, serial_kernel


@jit
def fbi_kernel(start, makespan, rounds, topo, horizon, fwd, rev, free, done, order):
    """Justify the schedule ``start`` (in place) up to ``rounds`` times; return its makespan.

    ``order`` receives the activity list of the final schedule (jobs by start time). A pass
    that fails (possible only with maximal lags or deadlines) leaves ``start`` unchanged.
    """
    dur = fwd[0]
    n = dur.shape[0]
    h = horizon
    best = makespan
    key = np.empty(n, dtype=np.int64)
    back = np.empty(n, dtype=np.int64)
    ahead = np.empty(n, dtype=np.int64)
    for j in range(n):
        key[j] = start[j] * n + topo[j]
    order[:] = np.argsort(key)
    for _ in range(rounds):
        for j in range(n):
            f = start[j] + dur[j]
            key[j] = (h - f) * n + (n - 1 - topo[j])
        border = np.argsort(key)
        msb = serial_kernel(border, h - best, rev, free, back, done)
        if msb < 0:
            break
        for j in range(n):
            s = h - back[j] - dur[j]
            key[j] = s * n + topo[j]
        forder = np.argsort(key)
        msf = serial_kernel(forder, 0, fwd, free, ahead, done)
        if msf < 0 or msf > best:
            break
        start[:] = ahead
        order[:] = forder
        if msf == best:
            break
        best = msf
    return best


def justify(
    dec: Decoder, start: np.ndarray, makespan: int, rounds: int = 10
) -> tuple[int, np.ndarray]:
    """Forward–backward improvement of ``start`` (modified in place).

    Returns the new makespan and the activity list of the justified schedule.
    """
    d = dec.data
    order = np.empty(d.n, dtype=np.int64)
    ms = fbi_kernel(
        start, int(makespan), int(rounds), d.topo, d.horizon, d.fwd.args(), d.rev.args(),
        dec.free, dec.done, order,
    )  # fmt: skip
    return int(ms), order
