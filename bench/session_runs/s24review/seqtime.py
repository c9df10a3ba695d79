"""Time planner.solve on seqpar instances: wall and CPU vs the limit (this tree)."""

import os
import sys
import time

import planner
from planner.seqpar.evaluate import verify
from planner.seqpar.readers import read

paths, methods, limits = (
    sys.argv[1].split(","),
    sys.argv[2].split(","),
    [float(x) for x in sys.argv[3].split(",")],
)
# warm the JIT kernels first (compilation is not the solve)
planner.solve(
    read("/tmp/s24review/inst/commoncrawl_4096_1024.json")[0], "auto", time_limit=0.5, threads=1
)
for p in paths:
    inst = read(p)[0]
    for m in methods:
        for t in limits:
            load = os.getloadavg()[0]
            w0, c0 = time.perf_counter(), time.process_time()
            r = planner.solve(inst, m, time_limit=t, threads=1)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            ok = r.solution is not None and verify(inst, r.solution) == []
            print(
                f"{os.path.basename(p)} {m} -t {t:g}: {r.status.value} obj={(r.objective or 0) * 1000:.1f}ms bound={(r.bound or 0) * 1000:.1f}ms wall={wall:.2f}s cpu={cpu:.2f}s over={wall / t:.2f}x verified={ok} load={load:.1f} adaptive_s={r.stats.get('adaptive_s')} static_s={r.stats.get('static_s')} skipped={r.stats.get('baselines_skipped')}",
                flush=True,
            )
