"""The block-FP8 tile kernel's floor (vLLM 0.7's dense DeepSeek GEMMs): fit, check, window."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel import block_fp8
from planner.perfmodel.block_fp8 import block_fp8_gemm_floor_s, fit
from planner.perfmodel.engines import block_fp8_dense_gemms, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

H200 = get_gpu("H200")


def test_constants_are_the_committed_fit():
    t0, s, cap, err = fit()
    assert pytest.approx(t0, rel=1e-3) == block_fp8.KERNEL_S
    assert pytest.approx(s, rel=1e-3) == block_fp8.K_STEP_S
    assert cap == block_fp8.SATURATING_CTAS
    assert err < 0.16


def test_floor_reproduces_the_rows_and_a_row_it_was_not_fitted_on():
    for _, n, k, us in block_fp8.ROWS:
        assert block_fp8_gemm_floor_s(H200, 1.0, n, k) == pytest.approx(us * 1e-6, rel=0.4)
    # vLLM PR #23280, H100, old CUTLASS kernel: 0.893065 TFLOP/s at N, K = 2112, 7168, batch 1
    measured = 2 * 2112 * 7168 / 0.893065e12
    assert block_fp8_gemm_floor_s(get_gpu("H100"), 1.0, 2112, 7168) == pytest.approx(
        measured, rel=0.05
    )


def test_floor_is_flat_at_decode_sizes_and_grows_with_the_tiles():
    m = np.array([1.0, 16.0, 64.0, 128.0, 4096.0])
    t = block_fp8_gemm_floor_s(H200, m, 7168, 2048)
    assert np.all(t[:4] == t[0])
    # 32 row tiles x 56 column tiles = 14 waves of 132 CTAs at m = 4096
    assert t[4] > 5 * t[0]
    # SGLang PR #5820 at m = 4096, N, K = 24576, 7168: 1619.6 us measured; a floor below it
    assert block_fp8_gemm_floor_s(H200, 4096.0, 24576, 7168) < 1619.6e-6


@pytest.mark.parametrize(
    ("engine", "precision", "mla", "gpu", "expected"),
    [
        ("vllm:0.7.4", "fp8", True, "H200", True),
        ("vllm:0.7.0", "fp8", True, "H100", True),
        ("vllm:0.6.3", "fp8", True, "H200", False),
        ("vllm:0.8.0", "fp8", True, "H200", False),
        ("vllm", "fp8", True, "H200", False),
        ("sglang:0.4.3", "fp8", True, "H200", False),
        ("trtllm", "fp8", True, "H200", False),
        ("vllm:0.7.4", "bf16", True, "H200", False),
        ("vllm:0.7.4", "fp8", False, "H200", False),
        ("vllm:0.7.4", "fp8", True, "A100", False),
    ],
)
def test_engine_window(engine, precision, mla, gpu, expected):
    arch = get_gpu(gpu).architecture
    assert block_fp8_dense_gemms(parse_engine(engine), precision, mla, arch) is expected


def _step(model: str, engine: str, b: float = 4.0, tp: int = 8) -> tuple[EngineModel, float]:
    e = EngineModel(
        load_model(model), ReplicaConfig(H200, tp), "fp8", "bf16", engine=parse_engine(engine)
    )
    n = np.array([b])
    return e, float(e.base_time(n, b, 3600.0)[0])


def test_vllm07_deepseek_decode_pays_the_floor_of_every_dense_gemm():
    e, new = _step("deepseek-v3", "vllm:0.7.4")
    _, old = _step("deepseek-v3", "vllm:0.6.3")  # same host terms, no floor
    m, sh = e.model, e.shapes
    per_moe = sum(block_fp8_gemm_floor_s(H200, 4.0, n, k) for n, k in (*sh.attention, *sh.shared))
    per_dense = sum(block_fp8_gemm_floor_s(H200, 4.0, n, k) for n, k in (*sh.attention, *sh.mlp))
    floors = m.moe_layers * per_moe + (m.layers - m.moe_layers) * per_dense
    # the floors replace GEMMs the roofline priced at a few microseconds each
    assert new - old > 0.9 * floors
    assert floors > 5e-3
    dense, moe = e.layer_times(np.array([4.0]))
    assert moe[0] > per_moe and dense[0] > per_dense


def test_other_models_and_engines_do_not_move():
    _, llama07 = _step("llama-3.1-70b", "vllm:0.7.4")
    _, llama06 = _step("llama-3.1-70b", "vllm:0.6.3")
    assert llama07 == llama06
    e, _ = _step("deepseek-v3", "sglang:0.4.3")
    assert not e.block_fp8
