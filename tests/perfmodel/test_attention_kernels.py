"""The fused attention kernel setting: efficiency by implementation and architecture."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.attention_kernels import attention_efficiency
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import FLASH_EFFICIENCY
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.options import Software

from .models import small_model


def test_efficiency_order_and_ampere_fa2():
    a100, h100 = get_gpu("A100"), get_gpu("H100")
    assert attention_efficiency(a100, "fa2") == attention_efficiency(a100) == FLASH_EFFICIENCY
    for gpu in (a100, h100):
        assert attention_efficiency(gpu, "triton") < attention_efficiency(gpu, "fa2")
        assert attention_efficiency(gpu, "fa2") <= attention_efficiency(gpu, "flash")
    # FlashAttention-2 without Hopper instructions reaches a smaller share of H100's peak
    assert attention_efficiency(h100, "fa2") < attention_efficiency(a100, "fa2")


def test_unknown_kernel_rejected():
    with pytest.raises(InputError, match="attention_kernel"):
        Software.from_dict({"attention_kernel": "cudnn9"})
    with pytest.raises(ValueError):
        attention_efficiency(get_gpu("A100"), "cudnn9")


def test_slower_kernel_costs_only_the_attention_core():
    model = small_model(layers=4, gated_mlp=False)
    kw = dict(micro_batch=1, seq=8192, tp=1, flash=True)
    gpu = get_gpu("H100")
    fast = layer_cost(model, gpu, **kw)
    slow = layer_cost(model, gpu, attention_kernel="triton", **kw)
    assert slow.fwd > fast.fwd and slow.bwd > fast.bwd
    assert slow.flops_fwd == fast.flops_fwd
    # without the fused kernel the setting changes nothing
    plain = dict(kw, flash=False)
    assert layer_cost(model, gpu, attention_kernel="triton", **plain) == layer_cost(
        model, gpu, **plain
    )
