"""Model vs simulator p99 TPOT for one colocated replica, one thing varied at a time.

PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s31interf/probe.py \
    --model qwen3-30b-a3b --gpu bench/session_runs/s31user/bare_gpu.toml --chunk 8192 ...
"""

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests, warmup_requests

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="qwen3-30b-a3b")
ap.add_argument("--gpu", default="bench/session_runs/s31user/bare_gpu.toml")
ap.add_argument("--chunk", type=int, action="append")
ap.add_argument("--prompt", default="exp:800")
ap.add_argument("--output", default="exp:200")
ap.add_argument("--qps", type=float, default=1.0)
ap.add_argument("--util", type=float, action="append", help="load as share of capacity")
ap.add_argument("--requests", type=int, default=2000)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--tp", type=int, default=1)
ap.add_argument("--engine", default=None)
a = ap.parse_args()


def problem(qps):
    return make_problem(
        a.model,
        f"{a.gpu}:{a.tp}",
        qps=qps,
        prompt_tokens=a.prompt,
        output_tokens=a.output,
        ttft="800ms",
        tpot="30ms",
        engine=a.engine,
    )


p0 = problem(a.qps)
name = p0.inventory.pools[0].label
for chunk in a.chunk or [8192]:
    loads = [a.qps]
    if a.util:
        free = make_problem(
            a.model,
            f"{a.gpu}:{a.tp}",
            qps=1.0,
            prompt_tokens=a.prompt,
            output_tokens=a.output,
            engine=a.engine,
        )
        plan1 = ServingPlan((ReplicaGroup(name, a.tp, 1, 1, 1, "both", chunk, 1.0),))
        cap = plan_metrics(free, plan1)["capacity_qps"]
        loads = [u * cap for u in a.util]
    for qps in loads:
        prob = problem(qps)
        plan = ServingPlan((ReplicaGroup(name, a.tp, 1, 1, 1, "both", chunk, qps),))
        m = plan_metrics(prob, plan)
        g = m["groups"][0]
        t0 = time.process_time()
        trace, done = simulate_requests(prob, plan, requests=a.requests, seed=a.seed)
        first = warmup_requests(trace)
        ttft, tpot = latencies([r for r in done if r.rid >= first])
        cpu = time.process_time() - t0
        st, sp = np.percentile(ttft, 99), np.percentile(tpot, 99)
        print(
            f"{a.model} {name} tp{a.tp} chunk {chunk} {a.prompt}/{a.output} qps {qps:.3f} "
            f"util {g['utilization']:.3f} batch {g.get('batch', float('nan')):.2f}: "
            f"TTFT p99 model {m['ttft_s'] * 1e3:.1f} sim {st * 1e3:.1f} ({m['ttft_s'] / st - 1:+.1%}); "
            f"TPOT p99 model {m['tpot_s'] * 1e3:.2f} sim {sp * 1e3:.2f} ({m['tpot_s'] / sp - 1:+.1%}) "
            f"p50 sim {np.percentile(tpot, 50) * 1e3:.2f} [sim {cpu:.0f}s]",
            flush=True,
        )
