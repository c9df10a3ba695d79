"""CPU of single_type_deal over every feasible type (the branch's new up-front baseline work)."""

import sys
import time

import numpy as np

from planner.seqpar import heuristics as H
from planner.seqpar.readers import read

for p in sys.argv[1:]:
    inst = read(p)[0]
    e = H.Engine(inst.array, inst.tables)
    feasible = [j for j in range(len(e.degrees)) if np.all(e.dmin <= j)]
    H.single_type_deal(e, feasible[0])  # warm
    c0 = time.process_time()
    w0 = time.perf_counter()
    for j in feasible:
        H.single_type_deal(e, j)
    print(
        p.split("/")[-1],
        len(feasible),
        "types",
        f"cpu={time.process_time() - c0:.3f}s wall={time.perf_counter() - w0:.3f}s",
    )
