"""The s25servex case (8B, H100 tp1, chunk 512, exp:1024 / exp:256 at 15 req/s): the model's
metrics and capacity on whichever tree is on ``PYTHONPATH`` (main vs branch side by side)."""

from __future__ import annotations

import time

from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.capacity import role_model
from planner.serve.evaluate import plan_metrics

for engine in ("trtllm", "vllm", "sglang"):
    c0 = time.process_time()
    prob = make_problem(
        "llama-3.1-8b",
        "H100:1",
        qps=15.0,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        engine=engine,
        ttft=1.0,
        tpot=0.03,
    )
    group = ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 512, 15.0)
    m = plan_metrics(prob, ServingPlan((group,)))
    rm = role_model(prob, group)
    point = rm.at_rate(15.0)
    cap = rm.capacity()[0]
    print(
        f"{engine}: batch {point.batch:.1f} ttft_p99 {point.ttft_s * 1e3:.0f} ms "
        f"tpot_p99 {point.tpot_s * 1e3:.2f} ms capacity {cap:.2f} req/s "
        f"plan ttft {m['ttft_s'] * 1e3:.0f} ms ({time.process_time() - c0:.1f} s CPU)"
    )
