"""What-if (not shipped): the MoE layer time of dstack_r1's two DeepSeek-R1 H200 servers and
sglang_dsv3's TP8 server under the Triton ``fused_moe`` count of ``whatif_triton.py``, against
the shipped 16-bit count, at decode and prefill token counts (the full dstack_r1 rerun did not
fit in the session at load 15-18).

Usage: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s31permute/whatif_triton_layers.py``
"""

from __future__ import annotations

import os
import sys

import numpy as np

from planner.perfmodel import stage
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

sys.path.insert(0, os.path.dirname(__file__))
from whatif_triton_bytes import triton_bytes

SERVERS = (
    ("dstack_r1 SGLang 0.4.3 tp1 ep8", "sglang:0.4.3,tokens=4096", 1, 8),
    ("dstack_r1 vLLM 0.7.4 tp8", "vllm:0.7.4", 8, 1),
    ("sglang_dsv3 SGLang 0.4.1 tp8", "sglang:0.4.1", 8, 1),
)
TOKENS = np.array([4.0, 32.0, 128.0, 1024.0, 4096.0])


def moe_times(engine: str, tp: int, ep: int) -> np.ndarray:
    model = load_model("deepseek-v3")
    config = ReplicaConfig(get_gpu("H200"), tp, ep=ep)
    em = EngineModel(model, config, "fp8", engine=parse_engine(engine))
    return em.layer_times(TOKENS)[1]


def main() -> None:
    base = stage.routed_elementwise_bytes
    print("tokens per rank:", TOKENS.tolist())
    for label, engine, tp, ep in SERVERS:
        stage.routed_elementwise_bytes = base
        before = moe_times(engine, tp, ep)
        stage.routed_elementwise_bytes = triton_bytes
        after = moe_times(engine, tp, ep)
        stage.routed_elementwise_bytes = base
        change = ", ".join(
            f"{100 * (a / b - 1):+.1f} %" for a, b in zip(after, before, strict=True)
        )
        print(f"{label}: MoE layer {change}")


if __name__ == "__main__":
    main()
