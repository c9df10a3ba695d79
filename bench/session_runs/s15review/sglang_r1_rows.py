"""The held-out dstack SGLang DeepSeek-R1 rows (DP-attention lockstep groups) at the given
concurrencies, as ``bench/serve_public.py`` predicts them: what s15ttft's lockstep TTFT law moves.

    PYTHONPATH=<tree> python sglang_r1_rows.py c4 c64
"""

import sys
import time

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public

for r in PUBLIC_SERVING_ROWS:
    if not r.id.startswith("dstack_r1/H200/") or r.id.startswith("dstack_r1/H200/vllm/"):
        continue
    if r.id.split("/")[-2] not in sys.argv[1:]:
        continue
    t0 = time.process_time()
    value = predict_public(r)
    print(
        f"{r.id}: measured {r.value:.4g}, predicted {value!r}, {value / r.value - 1:+.1%} "
        f"({time.process_time() - t0:.0f} s CPU)",
        flush=True,
    )
