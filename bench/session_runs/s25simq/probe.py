"""The colocated engine's model state at a rate: t0, t_c, decode batch, prefill load, wait."""

from __future__ import annotations

import sys

from planner.serve import ReplicaGroup, make_problem
from planner.serve.evaluate import role_model
from planner.serve.queueing import gg1_mean_wait

qps, chunk = float(sys.argv[1]), int(sys.argv[2])
prompt = sys.argv[3] if len(sys.argv) > 3 else "exp:1024"
output = sys.argv[4] if len(sys.argv) > 4 else "exp:256"
p = make_problem(
    "llama-3.1-8b", "H100:2", qps=qps, prompt_tokens=prompt, output_tokens=output, percentile=99
)
g = ReplicaGroup(p.inventory.pools[0].label, 1, 1, 1, 1, "both", chunk, qps)
rm = role_model(p, g)
st = rm.state_at(qps)
f = rm._prefill(st.batch)
s1, s2 = f["s1"], f["s2"]
ew = gg1_mean_wait(qps, s1, s2, 1.0)
print(
    f"qps {qps} C {chunk}: B {st.batch:.1f} t0 {f['t0'] * 1e3:.2f} ms tc {f['tc'] * 1e3:.2f} ms "
    f"s1 {s1 * 1e3:.1f} ms cs2 {s2 / s1**2 - 1:.3f} u {qps * s1:.3f} E[W] {ew * 1e3:.0f} ms "
    f"tmean {st.tmean * 1e3:.2f} ms offset {st.ttft_offset * 1e3:.2f} p99 {st.ttft().quantile():.3f}"
)
