"""Session setup of the RCPSP tests."""

from __future__ import annotations

import pytest

from planner.rcpsp.warmup import warmup


@pytest.fixture(scope="session", autouse=True)
def _compiled_kernels() -> None:
    """Compile the schedule-generation kernels (and load OR-Tools) once, before any test's
    time limit starts.

    ``solve_cpsat`` builds its warm-start schedule with the compiled kernels inside its own
    clock: with an empty numba cache (a fresh worktree or checkout) under load the compile took
    the whole 20 s of ``test_each_switch_keeps_the_optimum`` and CP-SAT got 0.02 s (FEASIBLE
    49, bound 38, instead of OPTIMAL 43). ``planner warmup`` does the same for the CLI.
    """
    warmup()
