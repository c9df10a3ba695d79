"""Wall-clock budgets shared by methods and portfolios."""

from __future__ import annotations

import time


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
