"""22B: Table 4's measured per-layer times x 48 layers against Table 5's iteration times, and
the same split under the model: what each spends outside the transformer layers.

Table 4 (Korthikanti et al. 2022; ms per layer, forward + backward): full recompute 7.7 +
19.5, selective + sequence parallelism 7.2 + 13.1.

Usage: PYTHONPATH=. python bench/session_runs/s22kort/table4_22b.py
"""

from __future__ import annotations

import planner.train  # noqa: F401
from planner.perfmodel.calibration.published import TRAINING_ROWS
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.readers import load_model
from planner.train.calibration import row_estimate

TABLE4_MS = {"full": (False, 7.7 + 19.5), "selective": (True, 7.2 + 13.1)}


def main() -> None:
    model = load_model("gpt-22b")
    gpu = parse_cluster("8xA100").pools[0].gpu
    rows = {r.id: r for r in TRAINING_ROWS}
    for mode, (sp, meas_layer) in TABLE4_MS.items():
        row = rows[f"korthikanti2022/gpt-22b/{mode}"]
        c = layer_cost(
            model, gpu, micro_batch=4, seq=2048, tp=8, sp=sp, recompute=mode, tp_bwd_overlap=True
        )
        model_layer = (c.forward + c.backward) * 1e3
        est = row_estimate(row)
        meas_rest = row.value * 1e3 - 48 * meas_layer
        model_rest = est.step_time * 1e3 - 48 * model_layer
        print(
            f"22b {mode:9s}: layer measured {meas_layer:.1f} ms model {model_layer:.2f} ms "
            f"({(model_layer / meas_layer - 1) * 100:+.1f} %); outside the layers measured "
            f"{meas_rest:.0f} ms model {model_rest:.0f} ms "
            f"(optimizer {est.breakdown.get('optimizer', 0) * 1e3:.0f} ms)"
        )


if __name__ == "__main__":
    main()
