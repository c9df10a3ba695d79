"""Pytest plugin: the CPU seconds of each test's call phase (this process and waited-for children).

Wall-clock durations on a machine at load 4-14 say more about the load than about the test;
this records ``time.process_time`` plus the children's user+system time around each call and
writes one line per test to the file named by ``S28_CPU_OUT`` (default ``cpu_times.tsv``).

Use: ``PYTHONPATH=.:bench/session_runs/s28tests pytest -p cputime_plugin ...``
"""

from __future__ import annotations

import os
import resource
import time

import pytest


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    own, kids, wall = time.process_time(), _children(), time.perf_counter()
    yield
    own, kids = time.process_time() - own, _children() - kids
    wall = time.perf_counter() - wall
    path = os.environ.get("S28_CPU_OUT", "cpu_times.tsv")
    with open(path, "a") as out:
        out.write(f"{item.nodeid}\t{own:.2f}\t{kids:.2f}\t{wall:.2f}\t{os.getloadavg()[0]:.1f}\n")
