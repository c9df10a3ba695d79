"""The 18 held-out dstack vLLM DeepSeek-R1 rows alone (what this branch changes), as
``bench/serve_public.py`` predicts them, with the model's KV capacity.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15r1/vllm_r1_rows.py [c128 c64 ...]
(default: every concurrency, 4 to 128)
"""

import sys
import time

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public

TARGETS = {"tpot_s": 0.25, "ttft_s": 0.25, "output_tokens_per_s": 0.15}

if __name__ == "__main__":
    within = {"latency": 0, "throughput": 0}
    rows = sorted(PUBLIC_SERVING_ROWS, key=lambda r: -r.concurrency if sys.argv[1:] else 0)
    for r in rows:
        if not r.id.startswith("dstack_r1/H200/vllm/"):
            continue
        if sys.argv[1:] and r.id.split("/")[4] not in sys.argv[1:]:
            continue
        t0 = time.process_time()
        value = predict_public(r)
        err = value / r.value - 1.0
        ok = abs(err) <= TARGETS[r.metric]
        within["throughput" if r.metric == "output_tokens_per_s" else "latency"] += ok
        print(
            f"{r.id}: measured {r.value:.4g}, predicted {value:.4g}, {err:+.1%}"
            f"{'' if ok else ' x'} ({time.process_time() - t0:.0f} s CPU)",
            flush=True,
        )
    print(f"within target: throughput {within['throughput']} / 6, latency {within['latency']} / 12")
