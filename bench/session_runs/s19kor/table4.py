"""Per-layer forward / backward of the 22B model vs Korthikanti et al. Table 4.

Table 4 (22B: a=64, h=6144, L=48, t=8, s=2048, b=4; ms per layer): baseline 7.7 / 11.9,
sequence parallelism 7.2 / 11.8, full recompute 7.7 / 19.5, selective 7.7 / 13.2,
selective + sequence parallelism 7.2 / 13.1.

Usage: PYTHONPATH=. python bench/session_runs/s19kor/table4.py
"""

from __future__ import annotations

import planner.train  # noqa: F401
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.readers import load_model

TABLE4 = (  # (name, sp, recompute, forward ms, backward ms)
    ("baseline", False, "none", 7.7, 11.9),
    ("sequence parallel", True, "none", 7.2, 11.8),
    ("full recompute", False, "full", 7.7, 19.5),
    ("selective", False, "selective", 7.7, 13.2),
    ("selective + SP", True, "selective", 7.2, 13.1),
)


def main() -> None:
    model = load_model("gpt-22b")
    gpu = parse_cluster("8xA100").pools[0].gpu
    print(
        f"{'config':20s} {'fwd':>6s} {'meas':>5s} {'bwd':>6s} {'meas':>5s} "
        f"{'sum':>6s} {'meas':>5s} {'err':>6s}  (tp exposed ms)"
    )
    for bwd in (False, True):
        print(f"tp_bwd_overlap={bwd}")
        for name, sp, rc, f_ms, b_ms in TABLE4:
            c = layer_cost(
                model, gpu, micro_batch=4, seq=2048, tp=8, sp=sp, recompute=rc, tp_bwd_overlap=bwd
            )
            f, b = c.forward * 1e3, c.backward * 1e3
            err = (f + b) / (f_ms + b_ms) * 100 - 100
            print(
                f"{name:20s} {f:6.2f} {f_ms:5.1f} {b:6.2f} {b_ms:5.1f} {f + b:6.2f} "
                f"{f_ms + b_ms:5.1f} {err:+5.1f}%  tp {c.tp * 1e3:.2f} "
                f"(fwd {c.comm_fwd * 1e3:.2f}, bwd {c.comm_bwd * 1e3:.2f}), "
                f"kernels fwd {c.fwd * 1e3:.2f} bwd {c.bwd * 1e3:.2f} re {c.recompute * 1e3:.2f}"
            )


if __name__ == "__main__":
    main()
