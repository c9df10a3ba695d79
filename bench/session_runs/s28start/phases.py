"""CPU and wall seconds of each step of a fresh rcpsp process, in the order a solve takes them.

    PYTHONPATH=. python bench/session_runs/s28start/phases.py

Written for the session-start code (8de2afb3; output in ``phases_main.txt``). On the branch the
kernel modules import no numba, so its ``import numba`` line carries what moved there.
"""

from __future__ import annotations

import importlib
import time

_LAST = [time.process_time(), time.perf_counter()]


def mark(label: str) -> None:
    """Print the CPU and wall seconds since the previous mark."""
    cpu, wall = time.process_time(), time.perf_counter()
    print(f"{label:40s} cpu {cpu - _LAST[0]:.3f}  wall {wall - _LAST[1]:.3f}")
    _LAST[:] = [cpu, wall]


def main() -> None:
    importlib.import_module("numpy")
    mark("numpy")
    rcpsp = importlib.import_module("planner.rcpsp")
    mark("import planner.rcpsp")
    warmup = importlib.import_module("planner.rcpsp.warmup")
    importlib.import_module("numba")
    mark("import numba")
    for name in ("sgs", "priority", "fbi", "ga"):
        importlib.import_module(f"planner.rcpsp.heuristics.{name}")
    mark("import kernels modules")
    warmup._projects()
    mark("_projects #1 (generate->lft_schedule)")
    warmup._projects()
    mark("_projects #2")
    warmup.warm_sgs()
    mark("warm_sgs (rest)")
    warmup.warm_search()
    mark("warm_search (rest)")
    warmup.warm_search()
    mark("warm_search again (all loaded)")
    warmup.warm_cpsat()
    mark("warm_cpsat")
    inst = rcpsp.read("instances/rcpsp/j301_1.sm", None)[0]
    mark("read j301_1")
    from planner.core.solve import solve

    r = solve(inst, "auto", time_limit=10)
    mark(f"solve auto -> {r.status} {r.objective}")


if __name__ == "__main__":
    main()
