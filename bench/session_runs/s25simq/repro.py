"""Model vs simulator for the s25servex case (8B H100 tp1, exp:1024 / exp:256) and variants.

Usage: PYTHONPATH=. python bench/session_runs/s25simq/repro.py --qps 15 --chunk 512 \
    --requests 30000 --seeds 1 2 3 [--prompt exp:1024] [--output exp:256] [--gpu H100]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time

import numpy as np

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="llama-3.1-8b")
    ap.add_argument("--gpu", default="H100")
    ap.add_argument("--tp", type=int, default=1)
    ap.add_argument("--qps", type=float, default=15.0)
    ap.add_argument("--util", type=float, default=None, help="load as a share of capacity")
    ap.add_argument("--chunk", type=int, default=512)
    ap.add_argument("--prompt", default="exp:1024")
    ap.add_argument("--output", default="exp:256")
    ap.add_argument("--engine", default=None)
    ap.add_argument("--precision", default="bf16")
    ap.add_argument("--requests", type=int, default=30000)
    ap.add_argument("--warmup", type=float, default=0.0, help="share of requests dropped")
    ap.add_argument("--seeds", type=int, nargs="*", default=[1])
    a = ap.parse_args()

    def problem(qps: float):
        return make_problem(
            a.model,
            f"{a.gpu}:{2 * a.tp}",
            qps=qps,
            prompt_tokens=a.prompt,
            output_tokens=a.output,
            percentile=99,
            precision=a.precision,
            engine=a.engine,
            disaggregation="off",
        )

    p1 = problem(1.0)
    name = p1.inventory.pools[0].label

    def plan(load: float) -> ServingPlan:
        return ServingPlan((ReplicaGroup(name, a.tp, 1, 1, 1, "both", a.chunk, load),))

    cap = plan_metrics(p1, plan(1.0))["capacity_qps"]
    qps = a.util * cap if a.util else a.qps
    prob, pl = problem(qps), plan(qps)
    m = plan_metrics(prob, pl)
    g = m["groups"][0]
    out = {
        "case": vars(a),
        "capacity_qps": cap,
        "qps": qps,
        "util": qps / cap,
        "group_utilization": g.get("utilization"),
        "model_ttft_p99": m["ttft_s"],
        "model_tpot_p99": m["tpot_s"],
        "ttft_breakdown": g.get("ttft_breakdown_s"),
        "sims": [],
    }
    for s in a.seeds:
        t0 = time.process_time()
        _, done = simulate_requests(prob, pl, requests=a.requests, seed=s)
        ttft, tpot = latencies(done)
        k = int(a.warmup * len(done))
        arr = np.array([r.arrival for r in done])
        order = np.argsort(arr)
        tt = ttft[order][k:]
        out["sims"].append(
            {
                "seed": s,
                "ttft_p99": float(np.percentile(tt, 99)),
                "ttft_p99_all": float(np.percentile(ttft, 99)),
                "ttft_mean": float(np.mean(tt)),
                "tpot_p99": float(np.percentile(tpot, 99)),
                "cpu_s": time.process_time() - t0,
            }
        )
        print(json.dumps(out["sims"][-1]), flush=True)
    p = [x["ttft_p99"] for x in out["sims"]]
    out["sim_ttft_p99_mean"] = float(np.mean(p))
    out["sim_ttft_p99_sd"] = float(np.std(p, ddof=1)) if len(p) > 1 else None
    out["err"] = out["model_ttft_p99"] / out["sim_ttft_p99_mean"] - 1
    print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
