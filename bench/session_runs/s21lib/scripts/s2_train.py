"""Script 2: plan a 70B train run on 256 H100, then pinned to NeMo's published llama3_70b layout; compare."""

import json
import time

import planner.train as train
from planner.train.compare import compare, explain

kw = dict(global_batch=512, seq_len=8192, time_limit=30, threads=1)
# NeMo 2.0 llama3_70b pretrain recipe: TP4 PP4 VP5 CP2, SP on, mbs 1
pins = {
    "best": {},
    "pinned": dict(tp=4, pp=4, interleave=5, cp=2, microbatch=1, sequence_parallel=True),
}
res = {}
for name, pin in pins.items():
    t0 = time.process_time()
    r = res[name] = train.plan("llama-3.1-70b", "256xH100", **pin, **kw)
    cpu = round(time.process_time() - t0, 1)
    print(name, r.status, r.objective, r.bound, r.gap, r.solution.short(), "cpu", cpu)
best, pinned = res["best"], res["pinned"]
cmp = compare(best.stats["summary"], pinned.stats["summary"], names=("best", "pinned"))
print(
    json.dumps(
        {k: cmp[k] for k in ("plans", "step_time_s", "slower", "decisions")}, default=str, indent=1
    )
)
for c in cmp["components"][:5]:
    print(c)
print(explain(cmp))
print("warnings", cmp.get("warnings"))
print(cmp["memory"].keys() if isinstance(cmp["memory"], dict) else cmp["memory"])
