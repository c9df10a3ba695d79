"""Tried, not committed: SGLang 0.4.0-0.4.3's dense block-FP8 GEMMs at the Triton ceiling (s29r1).

SGLang 0.4.x runs DeepSeek's dense block-FP8 layers (attention projections, the dense layers'
MLP, the shared experts) through Triton's ``w8a8_block_fp8_matmul``, the kernel whose
H200 rate at DeepSeek-V3 prefill shapes gives ``engines.TRITON_BLOCK_FP8_GEMM_EFFICIENCY``
(SGLang PR #3893); the model applies that ceiling to the routed experts only and keeps the
fitted FP8 rate for the dense GEMMs. This script applies the same ceiling to SGLang
0.4.0-0.4.3's dense FP8 GEMMs of MLA models (a monkeypatch, not a model change) and prints
what it does to the fit rows ``sglang_dsv3`` (which a model change must not move by more than
``--check``'s 1e-3) and to the modelled prefill of dstack's SGLang c4 / c8 waves.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29r1/triton_dense_ceiling.py
"""

from __future__ import annotations

import numpy as np

from bench.session_runs.s29r1.breakdown import engine_model
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.perfmodel.engines import (
    SGLANG_TRITON_MOE_RELEASES,
    TRITON_BLOCK_FP8_GEMM_EFFICIENCY,
    version_tuple,
)
from planner.perfmodel.stage import EngineModel
from planner.serve.calibration import predict_public_fit

ORIGINAL = EngineModel._dense_sum


def _sglang04_triton(em: EngineModel) -> bool:
    e = em.engine
    if e.name != "sglang" or not e.version or em.precision.name != "fp8" or not em.model.is_mla:
        return False
    first, last = SGLANG_TRITON_MOE_RELEASES
    return first <= version_tuple(e.version)[:3] <= last


def patched(self, N, shapes, precision=None):
    prec = precision or self.precision
    if _sglang04_triton(self) and prec.name == "fp8":
        return self._gemm_sum(
            N, shapes, precision=precision, compute_efficiency=TRITON_BLOCK_FP8_GEMM_EFFICIENCY
        )
    return ORIGINAL(self, N, shapes, precision)


def prefill_s(clients: int) -> float:
    em = engine_model("sglang:0.4.3,tokens=4096", 1, 8)
    n = np.array([3200.0])
    layers = em.layer_times(n, moe_tokens=np.array([clients * 3200.0]))
    base = float(em.base_time(n, 0.0, 0.0, layers=layers)[0])
    return base + float(em.prefill_attention_time(3200 * 3201 / 2))


def snapshot() -> dict[str, float]:
    out = {r.id: predict_public_fit(r) for r in PUBLIC_SERVING_ROWS if r.source == "sglang_dsv3"}
    out["dstack SGLang c4 wave prefill (s)"] = prefill_s(4)
    out["dstack SGLang c8 wave prefill (s)"] = prefill_s(8)
    return out


def main() -> None:
    before = snapshot()
    EngineModel._dense_sum = patched
    after = snapshot()
    EngineModel._dense_sum = ORIGINAL
    for key, old in before.items():
        new = after[key]
        print(f"{key}: {old:.4f} -> {new:.4f} ({100 * (new / old - 1):+.3f} %)")


if __name__ == "__main__":
    main()
