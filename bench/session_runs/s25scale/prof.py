"""Profile one in-process solve: python prof.py FAMILY PATH METHOD LIMIT [N_TOP]."""

import cProfile
import os
import pstats
import sys
import time

import planner
from planner.core.family import get_family

fam, path, method, limit = sys.argv[1:5]
top = int(sys.argv[5]) if len(sys.argv) > 5 else 25
family = get_family(fam)
t0 = time.process_time()
inst = family.read(path)[0]
print(f"read: {time.process_time() - t0:.2f} s CPU", file=sys.stderr)
planner.solve(
    inst, "edd" if fam == "smtt" else os.environ.get("WARM", method), time_limit=1.0
)  # warm kernels
prof = cProfile.Profile()
t0 = time.process_time()
prof.enable()
res = planner.solve(inst, method, time_limit=float(limit), threads=1)
prof.disable()
print(
    f"solve: {time.process_time() - t0:.2f} s CPU, runtime_s {res.runtime_s:.2f}, {res.status}",
    file=sys.stderr,
)
pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
