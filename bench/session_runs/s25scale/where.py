"""Solve in-process and dump every thread's stack every K seconds (where a run spends time).

python where.py FAMILY PATH METHOD LIMIT [K]
"""

import faulthandler
import sys
import time

import planner
from planner.core.family import get_family

fam, path, method, limit = sys.argv[1:5]
every = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
t0 = time.process_time()
inst = get_family(fam).read(path)[0]
print(f"read: {time.process_time() - t0:.2f} s CPU", file=sys.stderr, flush=True)
faulthandler.dump_traceback_later(every, repeat=True)
t0, w0 = time.process_time(), time.perf_counter()
res = planner.solve(inst, method, time_limit=float(limit), threads=1)
faulthandler.cancel_dump_traceback_later()
print(
    f"solve: {time.process_time() - t0:.2f} s CPU, {time.perf_counter() - w0:.2f} s wall, "
    f"runtime_s {res.runtime_s:.2f}, {res.status}, obj {res.objective} bound {res.bound}",
    file=sys.stderr,
)
print({k: v for k, v in res.stats.items() if not isinstance(v, (list, dict))}, file=sys.stderr)
