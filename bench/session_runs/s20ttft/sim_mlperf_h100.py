"""The discrete-event simulator (planner.serve.simulate) against the analytic model on one
engine of the MLPerf v4.1 DGX-H100 llama2-70b Server run (TP2, FP8, TensorRT-LLM with
``max_num_tokens`` 4096, on-demand KV), at the scheduled rate per engine and below it.

Both use the same step times, so a gap is the queueing law's, not the kernels'. The measured
run's p99 TTFT / TPOT / mean TPOT (0.461 / 0.175 / 0.155 s) are printed for reference only.

Usage: PYTHONPATH=. python bench/session_runs/s20ttft/sim_mlperf_h100.py [REQUESTS] [SEED]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from planner.perfmodel.calibration.mlperf import DATASETS
from planner.serve import ReplicaGroup, ServingPlan, ServingProblem, make_problem
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests

RATE = 75.10 / 4  # scheduled samples/s over the 4 TP2 engines
OUT_MEAN = 21605.79 / 74.42  # the run's output tokens per sample


def h100_engine(qps: float, percentile: float) -> tuple[ServingProblem, ServingPlan]:
    """One DGX-H100 llama2-70b engine of the run (TP2, FP8 weights and KV, TensorRT-LLM with a
    4,096-token budget) at ``qps`` and its one-replica plan."""
    data = DATASETS["llama-2-70b"]
    p = make_problem(
        "llama-2-70b",
        "H100:2",
        qps=qps,
        prompt_tokens=f"lognormal:{data.input_mean:g},{data.input_std:g}",
        output_tokens=f"lognormal:{OUT_MEAN:g},{OUT_MEAN:g}",
        percentile=percentile,
        precision="fp8",
        kv_precision="fp8",
        engine="trtllm,tokens=4096",
    )
    label = p.inventory.pools[0].label
    return p, ServingPlan((ReplicaGroup(label, 2, 1, 1, 1, "both", 4096, qps),))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for frac in (0.5, 0.8, 1.0):
        qps = frac * RATE
        rows = []
        for q in (50, 90, 99):
            p, plan = h100_engine(qps, q)
            m = plan_metrics(p, plan)
            rows.append((q, m))
        t = time.process_time()
        _, done = simulate_requests(p, plan, requests=n, seed=seed)
        ttft, _ = latencies(done)
        # drop the ramp-up: the first third of the requests (the batch fills over ~1 life)
        k = len(done) // 3
        order = np.argsort([r.arrival for r in done])
        keep = order[k:]
        ttft_k = ttft[keep]
        tpot_all = np.array(
            [(r.finish - r.first) / (r.output - 1) for r in np.asarray(done)[keep] if r.output > 1]
        )
        cpu = time.process_time() - t
        print(
            f"rate {qps:.3f}/s ({frac:.0%} of scheduled), {n} requests seed {seed}, sim CPU {cpu:.0f} s"
        )
        for q, m in rows:
            print(
                f"  p{q}: TTFT model {m['ttft_s']:.3f} sim {np.percentile(ttft_k, q):.3f} | "
                f"TPOT model {m['tpot_s']:.4f} sim {np.percentile(tpot_all, q):.4f}"
            )
        print(f"  mean: TTFT sim {ttft_k.mean():.3f} TPOT sim {tpot_all.mean():.4f}")


if __name__ == "__main__":
    main()
