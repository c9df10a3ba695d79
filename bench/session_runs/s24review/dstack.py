"""Predict the dstack_405b H100 32784-2048 rows (vLLM 0.6.3, past 8,192 tokens) with this tree."""

import time

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public

sel = [
    r
    for r in PUBLIC_SERVING_ROWS
    if r.source == "dstack_405b" and r.gpu == "H100" and r.input_tokens == 32784
]
for r in sel:
    t0 = time.process_time()
    v = predict_public(r)
    print(
        f"{r.id} engine={r.engine} measured={r.value:.4f} predicted={v!r} err={v / r.value - 1:+.4%} cpu={time.process_time() - t0:.1f}s",
        flush=True,
    )
