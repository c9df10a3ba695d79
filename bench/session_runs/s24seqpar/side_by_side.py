"""``auto`` and ``static`` on instance files, one code per process, for side-by-side runs.

Prints CSV rows: code, instance, method, limit, step time, ``auto``'s static and adaptive
statistics, wall and CPU time of ``planner.solve``, load. Run main's copy and the branch in
the same minute, without ``nice``::

    PYTHONPATH=<code> .venv/bin/python bench/session_runs/s24seqpar/side_by_side.py branch 1 a.json
"""

from __future__ import annotations

import os
import sys
import time

import planner
from planner.core.family import get_family, warm_up
from planner.seqpar.readers import read


def main() -> None:
    """Solve every file with ``auto`` and ``static``."""
    code, limit = sys.argv[1], float(sys.argv[2])
    warm_up(get_family("seqpar"))
    for path in sys.argv[3:]:
        (inst,) = read(path)
        for method in ("auto", "static"):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            res = planner.solve(inst, method, time_limit=limit, threads=1)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            st = res.stats
            print(
                f"{code},{inst.name},{method},{limit:g},{res.objective:.4f},"
                f"{st.get('static_s') or 0:.4f},{st.get('adaptive_s') or 0:.4f},"
                f"{wall:.3f},{cpu:.3f},{os.getloadavg()[0]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
