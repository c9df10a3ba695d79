"""Quantization kernels of fp8 training GEMMs and the layers that stay in bf16."""

from __future__ import annotations

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.layer import head_cost
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.precision import get_precision
from planner.perfmodel.quantize import CAST_BYTES, gemm_precision, quantize_times


def test_cast_traffic_only_for_low_precision():
    gpu = get_gpu("H100")
    assert quantize_times(gpu, get_precision("bf16"), 4096, 1024, 2048) == (0.0, 0.0)
    fwd, bwd = quantize_times(gpu, get_precision("fp8"), 4096, 1024, 2048, batch=2)
    assert fwd == memory_time(gpu, CAST_BYTES * (4096 * 2048 + 2048 * 1024) * 2)
    assert bwd == memory_time(gpu, CAST_BYTES * 4096 * 1024 * 2)


def test_head_stays_in_bf16():
    fp8 = get_precision("fp8")
    assert gemm_precision(fp8, head=True).name == "bf16"
    assert gemm_precision(fp8).name == "fp8"
    model = ModelSpec(
        name="m",
        hidden=1024,
        layers=2,
        heads=16,
        kv_heads=16,
        head_dim=64,
        ffn=4096,
        vocab=32000,
        max_seq=4096,
        gated_mlp=False,
        tied_embeddings=False,
    )
    kw = dict(micro_batch=1, seq=4096, tp=1)
    gpu = get_gpu("H100")
    assert head_cost(model, gpu, precision="fp8", **kw) == head_cost(
        model, gpu, precision="bf16", **kw
    )
