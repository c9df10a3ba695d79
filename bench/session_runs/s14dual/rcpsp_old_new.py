"""``preemptive_bound`` (column generation) per PSPLIB instance, for an old / new comparison.

Run once with PYTHONPATH at main and once at this branch; each run prints one JSON line per
instance (bound, CPU seconds). The bound only changes where the LP value's rounding changed
(the safe dual objective instead of HiGHS's LP objective) or the column generation was cut
by the time limit at a different iteration (load-dependent).

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s14dual/rcpsp_old_new.py \
        --set j30 --count 24 --time-limit 5 --stride 20
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import planner
from planner.rcpsp.bounds import preemptive_bound
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="j30")
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--stride", type=int, default=20, help="every n-th instance (sorted)")
    a = ap.parse_args()
    files = sorted((DATA / a.set).glob("*.sm"), key=lambda p: [int(x) for x in
                   p.stem[len(a.set):].split("_")])[:: a.stride][: a.count]  # fmt: skip
    for f in files:
        (inst,) = read(f)
        c0 = time.process_time()
        b = preemptive_bound(inst, time_limit=a.time_limit)
        print(
            json.dumps(
                {
                    "instance": f.stem,
                    "bound": b,
                    "cpu_s": round(time.process_time() - c0, 3),
                    "load": round(os.getloadavg()[0], 2),
                    "planner": str(Path(planner.__file__).parent.parent),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
