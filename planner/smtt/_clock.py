"""The wall clock inside compiled (numba) kernels, so they can stop at a deadline."""

from __future__ import annotations

import time

import numba
from numba import njit


@njit(cache=True)
def now_ns() -> int:  # pragma: no cover - compiled
    """``time.perf_counter_ns()`` (the clock of :class:`planner.core.timing.Deadline`)."""
    with numba.objmode(now="int64"):
        now = time.perf_counter_ns()
    return now
