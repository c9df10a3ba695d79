"""auto -t 20 on 65,536-GPU batches: any invalid (dropped) bound? (this tree)"""

import os
import sys

import planner
from planner.seqpar.readers import read

for p in sys.argv[1:]:
    inst = read(p)[0]
    r = planner.solve(inst, "auto", time_limit=20, threads=1)
    print(
        os.path.basename(p),
        r.status.value,
        f"obj={r.objective * 1000:.1f}ms bound={(r.bound or 0) * 1000:.1f}ms",
        {k: v for k, v in r.stats.items() if "bound" in k or "relax" in k},
        f"load={os.getloadavg()[0]:.1f}",
        flush=True,
    )
