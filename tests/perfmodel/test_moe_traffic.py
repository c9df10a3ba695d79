"""MoE element-wise bytes by engine and precision (planner.perfmodel.moe_traffic, s31permute)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.moe_traffic import quantized_row_bytes, routed_elementwise_bytes
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

# Qwen3-30B-A3B: hidden 2048, expert intermediate 768, 8 of 128 experts, gated MLP
H, FFN, TOP = 2048, 768, 8


@pytest.mark.parametrize(
    ("engine", "precision", "block_scaled", "expected"),
    [
        ("trtllm:1.0", "fp4", False, 0.5625),
        ("trtllm", "fp4", False, 0.5625),  # no version: the current release
        ("trtllm:1.1", "fp8", False, 1.0),
        ("trtllm:1.0", "fp8", True, 0.0),  # DeepSeek block scales: another path
        ("trtllm:1.0", "bf16", False, 0.0),
        ("trtllm:0.17.0", "fp8", False, 0.0),  # C++ engines: not read, 16-bit default
        ("sglang:0.4.1", "fp8", False, 0.0),
        ("vllm:0.7.4", "fp4", False, 0.0),
    ],
)
def test_quantized_row_width_follows_engine_release_and_precision(
    engine, precision, block_scaled, expected
):
    assert quantized_row_bytes(parse_engine(engine), precision, block_scaled) == expected


def test_default_keeps_the_sixteen_bit_count():
    n = np.array([1.0, 4096.0])
    got = routed_elementwise_bytes(parse_engine("sglang:0.4.1"), "fp8", n, TOP, H, FFN, 3, 2)
    want = n * TOP * FFN * 2 * 3 / 2 + 4 * n * TOP * H * 2 / 2
    assert np.allclose(got, want)


def test_trtllm_fp4_passes_by_hand():
    """Per token: quantize 2048 x (2 + 0.5625), expand 2 x 8 x 2048 x 0.5625, SwiGLU
    8 x 768 x (2 x 2 + 0.5625), finalize 8 x 2048 x 2 + 2048 x 2 = 88,576 bytes (the
    16-bit count: 167,936)."""
    got = routed_elementwise_bytes(
        parse_engine("trtllm:1.0"), "fp4", np.array([1.0]), TOP, H, FFN, 3, 1
    )
    assert got[0] == pytest.approx(88576.0)
    fp8 = routed_elementwise_bytes(
        parse_engine("trtllm:1.0"), "fp8", np.array([1.0]), TOP, H, FFN, 3, 1
    )
    # 2048 x 3 + 2 x 8 x 2048 + 8 x 768 x 5 + 8 x 2048 x 2 + 2048 x 2
    assert fp8[0] == pytest.approx(6144 + 32768 + 30720 + 32768 + 4096)


def test_tensor_parallelism_splits_only_the_activation():
    e = parse_engine("trtllm:1.0")
    one = routed_elementwise_bytes(e, "fp4", np.array([1.0]), TOP, H, FFN, 3, 1)[0]
    two = routed_elementwise_bytes(e, "fp4", np.array([1.0]), TOP, H, FFN, 3, 2)[0]
    assert one - two == pytest.approx(TOP * FFN * (4 + 0.5625) / 2)


def test_serving_step_prices_trtllm_moe_rows_at_fp4_width():
    """The RTX PRO 6000's Qwen3-30B-A3B MoE layer (trtllm-bench 1.0, NVFP4): 79,360 bytes per
    token fewer than the same layer under the 0.17 C++ engines' 16-bit count; on main both
    releases priced the same bytes."""
    model = load_model("qwen3-30b-a3b")
    config = ReplicaConfig(get_gpu("RTX-PRO-6000"), 1)
    new = EngineModel(model, config, "fp4", engine=parse_engine("trtllm:1.0"))
    old = EngineModel(model, config, "fp4", engine=parse_engine("trtllm:0.17.0"))
    n = np.array([8192.0])
    saved = old.layer_times(n)[1] - new.layer_times(n)[1]
    assert saved[0] == pytest.approx(memory_time(config.gpu, 79360.0 * n)[0], rel=1e-9)
    assert saved[0] > 0
