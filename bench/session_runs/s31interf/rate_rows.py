"""The public fit rows the online model predicts (rate mode: median TPOT under Poisson
arrivals, sglang_vllm060): measured vs predicted, to see what the branch moves."""

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.calibration import predict_public_fit

for r in PUBLIC_SERVING_ROWS:
    if r.mode == "rate":
        p = predict_public_fit(r)
        print(
            f"{r.id} [{r.split}]: measured {r.value * 1e3:.2f} ms, model {p * 1e3:.2f} ms ({p / r.value - 1:+.1%})"
        )
