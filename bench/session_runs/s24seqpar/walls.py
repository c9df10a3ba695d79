"""Wall and CPU time of ``auto`` against ``-t`` on the largest batches, one code per process.

Solves each instance file (JSON) with ``auto`` at each limit through ``planner.solve`` (the
certification included) after the family's warm-up, without ``nice``; run it once with the
branch's code and once with main's in the same minute::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s24seqpar/walls.py --code branch \\
        -t 1,2 big.json >> walls.csv
"""

from __future__ import annotations

import argparse
import os
import time

import planner
from planner.core.family import get_family, warm_up
from planner.seqpar.readers import read


def main() -> None:
    """Print one CSV row per (file, limit, repeat)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("-t", "--limits", default="1,2")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--code", required=True)
    args = ap.parse_args()
    warm_up(get_family("seqpar"))
    for path in args.files:
        (inst,) = read(path)
        for limit in (float(x) for x in args.limits.split(",")):
            for rep in range(args.repeats):
                wall0, cpu0 = time.perf_counter(), time.process_time()
                res = planner.solve(inst, "auto", time_limit=limit, threads=1)
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                print(
                    f"{args.code},{inst.name},{inst.n},{inst.gpus},{limit:g},{rep},"
                    f"{res.objective:.6f},{res.stats.get('adaptive_s'):.6f},"
                    f"{wall:.3f},{cpu:.3f},{os.getloadavg()[0]:.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
