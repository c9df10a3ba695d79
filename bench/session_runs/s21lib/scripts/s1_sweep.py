"""Script 1: price a 70B and an 8B chat workload over 1..64 req/s on H100 / L40S / MI300X."""

import json
import time

import planner.serve as serve

rates = [1, 2, 4, 8, 16, 32, 64]
out = {}
for model in ["llama-3.1-70b", "llama-3.1-8b"]:
    t0 = time.process_time()
    w0 = time.time()
    rows = serve.sweep(
        model,
        ["H100", "L40S", "MI300X"],
        rates,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        ttft="1s",
        tpot="50ms",
        pricing="on-demand",
        plot=f"cost_{model}.png",
        time_limit=5,
    )
    print(model, "cpu", round(time.process_time() - t0, 1), "wall", round(time.time() - w0, 1))
    for r in rows:
        print(
            r["gpu"],
            r["qps"],
            r["status"],
            r["cost_per_hour"],
            r["usd_per_million_output_tokens"],
            r["gpus"],
            r["replicas"],
            (r["reason"] or "")[:120],
        )
    out[model] = rows
with open("s1_rows.json", "w") as fh:
    json.dump(out, fh, default=str, indent=1)
