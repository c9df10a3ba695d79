"""runtime_s (the method's wall, as planner.solve measures it) and CPU vs the limit (this tree)."""

import os
import sys
import time

import planner
from planner.seqpar.readers import read

paths, methods, limits = (
    sys.argv[1].split(","),
    sys.argv[2].split(","),
    [float(x) for x in sys.argv[3].split(",")],
)
planner.solve(
    read("/tmp/s24review/inst/commoncrawl_4096_1024.json")[0], "auto", time_limit=0.5, threads=1
)
for p in paths:
    inst = read(p)[0]
    for m in methods:
        for t in limits:
            load = os.getloadavg()[0]
            c0 = time.process_time()
            r = planner.solve(inst, m, time_limit=t, threads=1)
            cpu = time.process_time() - c0
            print(
                f"{os.path.basename(p)} {m} -t {t:g}: runtime_s={r.runtime_s:.2f} ({r.runtime_s / t:.2f}x) exceeded={r.stats.get('time_limit_exceeded_s')} cpu_total={cpu:.2f}s obj={r.objective * 1000:.1f}ms load={load:.1f}",
                flush=True,
            )
