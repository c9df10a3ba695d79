import sys
import time

sys.path.insert(0, "bench/session_runs/s12kv")
from proto import setup

for qps in map(float, sys.argv[1:]):
    p, plan, rm = setup(qps)
    t = time.perf_counter()
    pt = rm.at_rate(qps)
    st = rm._batch_state(pt.batch)
    hold = None
    w = rm.admission(qps, 0.0)
    law = st.ttft()
    print(
        qps,
        "ttft",
        round(pt.ttft_s, 3),
        "wait",
        w,
        type(law).__name__,
        pt.violations,
        f"{(time.perf_counter() - t) * 1e3:.1f} ms",
    )
p, plan, rm = setup(20.0)
t = time.perf_counter()
c = rm.capacity()
print("capacity", c[0], c[1].ttft_s, c[1].violations, f"{(time.perf_counter() - t) * 1e3:.0f} ms")
