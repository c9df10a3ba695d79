"""Load OR-Tools ahead of timed runs, so that importing it is not charged to a method's limit."""

from __future__ import annotations


def warmup() -> None:
    """Import CP-SAT and solve one tiny generated loop exactly (``planner warmup pipelining``)."""
    from planner.pipelining.exact import solve_exact
    from planner.pipelining.generate import generate

    (loop,) = generate(ops=4, units=2, recurrences=1, seed=0, prefix="warmup")
    solve_exact(loop, time_limit=2.0, threads=1, seed=0, hint=None)
