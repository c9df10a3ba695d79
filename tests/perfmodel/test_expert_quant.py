"""Quantization passes of the routed experts' fp8 GEMM operands (``layer.expert_quant_bytes``)."""

from __future__ import annotations

import pytest

from planner.perfmodel import layer
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.precision import BF16, FP4, FP8
from tests.perfmodel.models import small_model

B200 = get_gpu("B200")
#: Qwen3-30B-like experts on the small model: hidden 1024, 768 wide, gated (fc1 1536 wide).
MOE = small_model(num_experts=128, experts_per_token=8, moe_ffn=768)


def test_bytes_follow_the_grouped_linear_tensors():
    routed = 4096 * 8
    # per element: bf16 read, row- and column-wise fp8 writes = 4 bytes
    # forward: fc1 input (hidden 1024) + fc2 input (768); backward: fc2 output gradient
    # (1024) + fc1 output gradient (gate + up, 1536)
    assert layer.expert_quant_bytes(routed, MOE, 1, FP8) == (
        routed * (1024 + 768) * 4,
        routed * (1024 + 1536) * 4,
    )
    # expert TP 2 halves the expert-wide tensors, not the hidden ones
    assert layer.expert_quant_bytes(routed, MOE, 2, FP8) == (
        routed * (1024 + 384) * 4,
        routed * (1024 + 768) * 4,
    )
    # fp4: 0.5-byte writes; bf16 GEMM inputs need no quantization
    assert layer.expert_quant_bytes(routed, MOE, 1, FP4)[0] == routed * (1024 + 768) * 3
    assert layer.expert_quant_bytes(routed, MOE, 1, BF16) == (0.0, 0.0)


def test_layer_adds_the_passes_to_its_kernels(monkeypatch):
    kw = dict(micro_batch=1, seq=4096, tp=1, ep=8, precision="fp8")
    layer.layer_cost.cache_clear()
    moe, dense = (layer.layer_cost(MOE, B200, moe=m, **kw) for m in (True, False))
    monkeypatch.setattr(layer, "expert_quant_bytes", lambda *a: (0.0, 0.0))
    layer.layer_cost.cache_clear()
    moe_off, dense_off = (layer.layer_cost(MOE, B200, moe=m, **kw) for m in (True, False))
    layer.layer_cost.cache_clear()
    routed = 4096 * 8  # one sequence, top-8, balanced
    assert moe.fwd - moe_off.fwd == pytest.approx(memory_time(B200, routed * (1024 + 768) * 4))
    assert moe.bwd - moe_off.bwd == pytest.approx(memory_time(B200, routed * (1024 + 1536) * 4))
    # dense layers: nothing added
    assert (dense.fwd, dense.bwd) == (dense_off.fwd, dense_off.bwd)
