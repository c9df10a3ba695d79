"""CPU time and answer of ``solve serve -m auto`` over the chunk menu of main (512..8192, five
sizes) and the one before 51b471f1 (512 / 2048 / 8192), in the same minute, one thread.

Usage: ``PYTHONPATH=. python bench/session_runs/s25review/menu_cpu.py MENU FILE [LIMIT]``
(``MENU``: ``old`` or ``new``); prints one JSON line.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import planner
import planner.serve.capacity as capacity
from planner.serve import read

OLD_MENU = (512, 2048, 8192)


def main() -> None:
    """Solve one file with the chosen menu and print status, objective, bound and CPU s."""
    menu, path = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    if menu == "old":
        capacity.CHUNK_OPTIONS = OLD_MENU  # chunk_choices reads the module constant per call
    logging.disable(logging.WARNING)
    rows = []
    for problem in read(path):
        cpu = time.process_time()
        r = planner.solve(problem, "auto", time_limit=limit, threads=1, seed=0)
        rows.append(
            {
                "menu": menu,
                "problem": problem.name,
                "status": r.status.name,
                "objective": r.objective,
                "bound": r.bound,
                "cpu_s": round(time.process_time() - cpu, 2),
                "reason": r.reason,
            }
        )
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
