import sys
import time

sys.path.insert(0, sys.argv[1] + "/bench")
import train_anchors as A

from planner.core.solve import solve

prob, plan, measured, note = A.deepseek_v3()
t = time.process_time()
r = solve(prob, "auto", time_limit=float(sys.argv[2]))
print(
    sys.argv[1],
    r.status.value,
    r.solution.short() if r.solution else None,
    repr(r.objective),
    repr(r.bound),
    f"cpu {time.process_time() - t:.1f}",
    flush=True,
)
