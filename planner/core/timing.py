"""Wall-clock budgets shared by methods and portfolios."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Deadline:
    """A point in time by which a method must return.

    Parameters
    ----------
    time_limit
        Seconds from now; ``None`` or ``inf`` means no limit.
    """

    def __init__(self, time_limit: float | None) -> None:
        self.start = time.perf_counter()
        self.limit = float("inf") if time_limit is None else max(0.0, float(time_limit))

    def elapsed(self) -> float:
        """Seconds since the deadline was created."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.limit - self.elapsed())

    def expired(self) -> bool:
        """True once the budget is spent."""
        return self.elapsed() >= self.limit

    def fraction(self, share: float, *, at_least: float = 0.0) -> float:
        """A share of the remaining time, for splitting a budget between stages."""
        return min(self.remaining(), max(at_least, share * self.remaining()))


# seconds spent in outside_budget() blocks, per thread: solve() runs the method in its caller's
# thread, and a process-wide count took one thread's load off every other solve's runtime
# (two solves in a library caller's thread pool; twenty-eighth session, s28review)
_EXCLUDED = threading.local()


@contextmanager
def outside_budget(*clocks: Deadline) -> Iterator[None]:
    """Run the block outside the time limit: a one-time load on first use inside a method.

    Compiled kernels load before a method's clock starts (``Method.warmup``); a portfolio that
    needs them only on some paths may load them when it reaches one, here, so that every stage
    keeps the budget it had with the kernels loaded up front. Each of ``clocks`` is moved on by
    the block's duration, and :func:`planner.core.solve.solve` counts it as warm-up, not
    runtime (:func:`excluded_seconds`) when the block runs in the thread that called ``solve``
    (a block in a method's helper thread moves its clocks but stays in ``runtime_s``).

    Parameters
    ----------
    *clocks
        The method's deadlines that must not lose the block's time.
    """
    began = time.perf_counter()
    try:
        yield
    finally:
        spent = time.perf_counter() - began
        for clock in clocks:
            clock.start += spent
        _EXCLUDED.seconds = excluded_seconds() + spent


def excluded_seconds() -> float:
    """Seconds the calling thread has spent in :func:`outside_budget` blocks so far."""
    return float(getattr(_EXCLUDED, "seconds", 0.0))
