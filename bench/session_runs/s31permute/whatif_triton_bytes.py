"""The Triton ``fused_moe`` byte count of the s31permute what-ifs (module notes of
``whatif_triton.py``)."""

from __future__ import annotations

import numpy as np

from planner.perfmodel import moe_traffic

_base = moe_traffic.routed_elementwise_bytes


def triton_bytes(engine, precision, tokens, top, hidden, moe_ffn, mats, tp, block_scaled=False):
    if engine.name not in ("vllm", "sglang"):
        return _base(engine, precision, tokens, top, hidden, moe_ffn, mats, tp, block_scaled)
    n = np.asarray(tokens, dtype=float)
    routed = n * top
    q = 1.0 if precision == "fp8" else 0.0
    quant1 = n * hidden * (2 + q) if q else 0.0
    act = routed * moe_ffn / tp * ((mats - 1) * 2 + 2)
    quant2 = routed * moe_ffn / tp * (2 + q) if q else 0.0
    moe_sum = routed * hidden * 2 + n * hidden * 2
    return quant1 + act + quant2 + moe_sum
