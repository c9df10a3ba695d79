"""A one-time load inside a method (``timing.outside_budget``) is warm-up, not budget: the clocks
it names move on by its duration and ``solve`` leaves it out of ``runtime_s``.

rcpsp's ``auto`` loads its compiled kernels this way when it reaches its GA stage on a small
instance whose warm-up left them out (twenty-eighth session, s28start).
"""

from __future__ import annotations

import time

from planner.core import solve
from planner.core.family import Method
from planner.core.timing import Deadline, excluded_seconds, outside_budget

PAUSE = 0.5


def test_the_named_clocks_keep_their_budget():
    named, other = Deadline(10.0), Deadline(10.0)
    before = excluded_seconds()
    with outside_budget(named):
        time.sleep(PAUSE)
    assert named.elapsed() < PAUSE / 2 < PAUSE <= other.elapsed()
    assert named.remaining() > 10.0 - PAUSE / 2
    assert excluded_seconds() - before >= PAUSE


def test_solve_counts_the_block_as_warm_up(toy):
    def loads_then_solves(instance, **budget):
        with outside_budget():
            time.sleep(PAUSE)
        return toy.exact(instance, **budget)

    method = Method("loads-then-solves", loads_then_solves, "exact", "sleeps outside its budget")
    began = time.perf_counter()
    r = solve(toy.ToyInstance("a", (5, 3, 9)), method, time_limit=5.0)
    assert time.perf_counter() - began >= PAUSE
    assert r.objective == 3
    assert r.runtime_s < PAUSE / 2
