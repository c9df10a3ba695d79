"""CPU seconds of rcpsp's preprocessing steps on one instance, for one tree's code.

Usage: PYTHONPATH=TREE python parts.py FILE -> one JSON line: each step's process time
(first call, on a fresh instance; ``distances`` then kept) and the load.
"""

from __future__ import annotations

import json
import os
import sys
import time

from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.heuristics.sgs import lft_schedule
from planner.rcpsp.network import distances, windows
from planner.rcpsp.readers import read


def cpu(f) -> float:
    t = time.process_time()
    f()
    return round(time.process_time() - t, 3)


def main() -> None:
    inst = read(sys.argv[1], None)[0]
    out = {"load": os.getloadavg()[0]}
    out["distances (computed)"] = cpu(lambda: distances(inst))
    dist = distances(inst)
    out["windows x7"] = cpu(lambda: [windows(inst, dist) for _ in range(7)])
    out["infeasibility_reason x2"] = cpu(lambda: [infeasibility_reason(inst) for _ in range(2)])
    out["SgsData.of x2"] = cpu(lambda: [SgsData.of(inst) for _ in range(2)])
    out["lft_schedule"] = cpu(lambda: lft_schedule(inst))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
