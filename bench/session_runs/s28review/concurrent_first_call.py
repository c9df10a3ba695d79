"""Four threads make the first compiled calls of the SGS/GA kernels at once in a fresh process.

Checks that the lazy loading (planner.rcpsp.heuristics._jit) neither fails nor gives a thread an
unloaded dispatcher: every thread's schedule equals the one computed afterwards in one thread.
"""

from __future__ import annotations

import dataclasses
import sys
import threading

from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.ga import genetic_algorithm
from planner.rcpsp.heuristics.sgs import lft_schedule, small_pass

base = generate(120, seed=7)
inst = dataclasses.replace(base, durations=tuple(10 * d for d in base.durations))
assert not small_pass(inst), "needs the compiled pass"
barrier = threading.Barrier(4)
out: dict[int, object] = {}
errors: list[BaseException] = []


def work(k: int) -> None:
    try:
        barrier.wait()
        if k % 2:
            out[k] = lft_schedule(inst)
        else:
            out[k] = genetic_algorithm(
                SgsData.of(inst), time_limit=60.0, seed=k, max_schedules=200
            ).makespan
    except BaseException as exc:  # reported below
        errors.append(exc)


threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("numba loaded:", "numba" in sys.modules, "errors:", errors)
assert not errors
ref = lft_schedule(inst)
assert out[1] == ref and out[3] == ref
again = [
    genetic_algorithm(SgsData.of(inst), time_limit=60.0, seed=k, max_schedules=200).makespan
    for k in (0, 2)
]
print("lft equal in both threads; GA makespans", out[0], out[2], "alone afterwards", again)
assert [out[0], out[2]] == again
