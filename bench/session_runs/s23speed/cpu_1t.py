"""CPU seconds of the issue-18 1T search in the current tree (run with PYTHONPATH=<tree>).

Prints one JSON line: status, plan, step_s, cpu_s, wall_s, load, and the search counters.
    PYTHONPATH=TREE python cpu_1t.py [--profile OUT.prof] [--time-limit S]

(``--time-limit``: wall seconds, default 60 as in bench/train_speed_1t.py; a starved process
needs more to finish the same CPU work.)
"""

import cProfile
import json
import os
import sys
import time

from planner.train.api import make_problem, solve

problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
load = os.getloadavg()[0]
prof = cProfile.Profile() if "--profile" in sys.argv else None
wall, cpu = time.perf_counter(), time.process_time()
if prof:
    prof.enable()
limit = float(sys.argv[sys.argv.index("--time-limit") + 1]) if "--time-limit" in sys.argv else 60
result = solve(problem, "auto", time_limit=limit)
if prof:
    prof.disable()
    prof.dump_stats(sys.argv[sys.argv.index("--profile") + 1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
st = result.stats
print(
    json.dumps(
        {
            "status": result.status.value,
            "plan": result.solution.short(),
            "step_s": result.objective,
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "load": load,
            **{k: st.get(k) for k in ("evaluated", "configs", "pruned_configs", "complete")},
        }
    )
)
