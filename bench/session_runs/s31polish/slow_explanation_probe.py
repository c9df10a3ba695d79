# usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s31polish/slow_explanation_probe.py SLEEP_S LIMIT_S
# every layout evaluation slowed by SLEEP_S once the explanation starts; prints wall vs limit
import sys
import time

import planner.serve.candidates as C
import planner.serve.relax as R

sleep = float(sys.argv[1])
tl = float(sys.argv[2])
f = C.evaluate
on = []


def g(*a, **k):
    r = f(*a, **k)
    if on:
        time.sleep(sleep)
    return r


C.evaluate = g
ex = R.explain_infeasible


def ex2(*a, **k):
    on.append(1)
    return ex(*a, **k)


R.explain_infeasible = ex2
from planner.serve.api import plan  # noqa: E402  (after the patches)

t = time.perf_counter()
r = plan(
    "llama-3.1-8b",
    "H100:2,A100:2",
    qps=3,
    prompt_tokens=512,
    output_tokens=128,
    tpot="1ms",
    time_limit=tl,
)
w = time.perf_counter() - t
e = r.stats.get("explanation", {})
print(
    f"sleep {sleep} limit {tl}: wall {w:.2f} runtime {r.runtime_s:.2f} status {r.status.name} cut {e.get('cut_short')} time_s {e.get('time_s')} not_tried {e.get('not_tried')}"
)
