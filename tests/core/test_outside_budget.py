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


def test_a_block_in_another_thread_is_not_this_solves_warm_up(toy):
    """Two solves in threads of one process (a library caller's thread pool): one's load is not
    taken off the other's runtime (the count was process-wide: the other solve reported
    ``runtime_s`` ~0 for a ``PAUSE`` of honest work and the load as its warm-up)."""
    import threading

    started = threading.Event()

    def loads(instance, **budget):
        with outside_budget():
            started.set()
            time.sleep(PAUSE)
        return toy.exact(instance, **budget)

    def works(instance, **budget):
        started.wait(5.0)
        time.sleep(PAUSE)  # the method's own time, while the other thread is in its block
        return toy.exact(instance, **budget)

    results: dict[str, object] = {}

    def run(name, func):
        method = Method(name, func, "exact", "test")
        results[name] = solve(toy.ToyInstance("a", (5, 3, 9)), method, time_limit=5.0)

    pool = [threading.Thread(target=run, args=(n, f)) for n, f in (("l", loads), ("w", works))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert results["l"].runtime_s < PAUSE / 2  # its own block is still warm-up
    assert results["w"].runtime_s >= PAUSE  # the other's is not
