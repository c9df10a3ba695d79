"""HiGHS's one thread scheduler per process: the ``threads`` option every solve must use."""

from __future__ import annotations

_SCHEDULER_THREADS: int | None = None


def highs_threads(threads: int) -> int:
    """The ``threads`` option every ``Highs`` object of this process must use: the first count
    asked for.

    HiGHS builds one thread scheduler per process at the first solve; a later solve whose
    ``threads`` differs fails at once ("the scheduler has already been initialized"), model
    status "Not Set". ``solve serve --threads 2`` never found a plan that way: its first MIP
    (``cheapest_plan``) runs with one thread (twenty-fifth session, s25scale).

    Parameters
    ----------
    threads
        Threads asked for (values below 1 count as 1).

    Returns
    -------
    int
        The process's count: the first one asked for.
    """
    global _SCHEDULER_THREADS
    if _SCHEDULER_THREADS is None:
        _SCHEDULER_THREADS = max(1, int(threads))
    return _SCHEDULER_THREADS
