"""CPU seconds of one interpreted LFT serial SGS pass (``lft_schedule``) by instance size.

PYTHONPATH=. python bench/session_runs/s28start/interpreted_sgs.py
"""

from __future__ import annotations

import os
import time

from planner.core.paths import instances_dir
from planner.rcpsp import read
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics._jit import interpreted
from planner.rcpsp.heuristics.sgs import lft_schedule


def main() -> None:
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bundled = [
        inst
        for name in ("j301_1.sm", "j3013_1.sm", "example.rcp", "PSP1.SCH", "PSP2.SCH")
        for inst in read(instances_dir() / "rcpsp" / name, None)
    ]
    generated = [
        generate(n, seed=s, p_downtime=d, p_window=d / 2, p_disjunctive=d / 2)
        for n in (10, 20, 30, 40, 60, 100)
        for s in (1, 2)
        for d in (0.0, 1.0)
    ]
    print("| instance | jobs | horizon | interpreted CPU ms | same schedule as compiled |")
    print("|---|---|---|---|---|")
    for inst in bundled + generated:
        began = time.process_time()
        with interpreted():
            slow = lft_schedule(inst)
        spent = time.process_time() - began
        fast = lft_schedule(inst)
        print(
            f"| {inst.name} | {inst.num_jobs} | {inst.horizon} | {1000 * spent:.1f} "
            f"| {slow == fast} |"
        )


def scaled() -> None:
    """Long durations: j301_1 with every duration multiplied (the profile scan grows with it)."""
    import dataclasses

    (base,) = read(instances_dir() / "rcpsp" / "j301_1.sm", None)
    print("| j301_1 durations x | horizon | interpreted CPU ms | same |")
    print("|---|---|---|---|")
    for k in (1, 10, 100, 1000):
        inst = dataclasses.replace(base, durations=tuple(d * k for d in base.durations))
        began = time.process_time()
        with interpreted():
            slow = lft_schedule(inst)
        spent = time.process_time() - began
        print(f"| {k} | {inst.horizon} | {1000 * spent:.1f} | {slow == lft_schedule(inst)} |")


if __name__ == "__main__":
    main()
    scaled()
