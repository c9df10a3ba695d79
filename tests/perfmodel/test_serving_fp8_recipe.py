"""Hopper FP8 serving GEMMs do not pay the training recipe's ``fp8_gemm_factor``
(:data:`planner.perfmodel.kernels.RECIPE_FREE_SERVING`, thirty-first session, s31fp8)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel import constants
from planner.perfmodel.calibration import deepgemm
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_efficiency, gemm_time, gemm_time_sum
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

#: TileLang's H800 FP8 matmul at M = N = 8192 (github xwhzz/tilelang @b2acfc37
#: ``benchmark/matmul_fp8/README.md`` lines 34-36): K -> TFLOP/s.
TILELANG_H800 = {2048: 1343.0, 4096: 1467.0, 8192: 1507.0}


def test_a_hopper_fp8_serving_gemm_runs_without_the_recipe_factor():
    gpu = get_gpu("H100")
    factor = constants.FITTED["fp8_gemm_factor"]
    assert factor < 1.0  # otherwise the test below could not fail
    serving = gemm_efficiency(gpu, "fp8", serving=True)
    assert serving == pytest.approx(constants.FITTED["gemm_efficiency_hopper"])
    assert gemm_efficiency(gpu, "fp8") == pytest.approx(serving * factor)
    # compute-bound shape: time scales by the factor; weight-streaming shape: unchanged
    big = (8192.0, 8192, 8192)
    ratio = gemm_time(gpu, *big, "fp8", serving=True) / gemm_time(gpu, *big, "fp8")
    assert ratio == pytest.approx(factor)
    small = (1.0, 8192, 8192)
    assert gemm_time(gpu, *small, "fp8", serving=True) == gemm_time(gpu, *small, "fp8")


@pytest.mark.parametrize(
    ("gpu", "precision"),
    [("H100", "bf16"), ("H200", "bf16"), ("B200", "fp8"), ("B200", "fp4"), ("L40S", "fp8")],
)
def test_other_precisions_and_architectures_keep_the_factor(gpu, precision):
    spec = get_gpu(gpu)
    assert gemm_efficiency(spec, precision, serving=True) == gemm_efficiency(spec, precision)
    m = np.array([1.0, 512.0, 8192.0])
    shapes = [(8192, 8192), (28672, 8192)]
    assert np.array_equal(
        gemm_time_sum(spec, m, shapes, precision, serving=True),
        gemm_time_sum(spec, m, shapes, precision),
    )


def test_the_serving_rate_stays_below_measured_hopper_fp8_kernels():
    """The recipe-free roofline does not overshoot the public H800 kernel figures it is
    checked against (module notes): DeepGEMM's rows from M = 1024 with K >= 7168, TileLang's."""
    gpu = get_gpu("H800")
    rows = [r for r in deepgemm.ROWS if r[1] >= 1024 and r[3] >= 7168]
    assert rows
    for groups, m, n, k, tflops, _ in rows:
        t = gemm_time(gpu, float(m), n, k, "fp8", batch=groups, serving=True)
        assert 2.0 * groups * m * n * k / t / 1e12 < tflops
    for k, tflops in TILELANG_H800.items():
        t = gemm_time(gpu, 8192.0, 8192, k, "fp8", serving=True)
        assert 2.0 * 8192 * 8192 * k / t / 1e12 < tflops


def test_the_serving_stage_prices_hopper_fp8_prefill_without_the_factor():
    model = load_model("llama-3.1-70b")
    config = ReplicaConfig(get_gpu("H100"), 2)
    n = np.array([1.0, 5000.0])
    fp8 = EngineModel(model, config, "fp8", engine=parse_engine("trtllm"))
    shapes = [(8192, 8192), (28672, 8192)]
    e = fp8.stream_efficiency
    served = gemm_time_sum(config.gpu, n, shapes, "fp8", hbm_efficiency=e, serving=True)
    assert np.array_equal(fp8._gemm_sum(n, shapes), served)
    trained = gemm_time_sum(config.gpu, n, shapes, "fp8", hbm_efficiency=e)
    assert served[0] == trained[0] and served[1] < trained[1]
    # engines on the DeepGEMM law are priced by the law, as before
    law = EngineModel(model, config, "fp8", engine=parse_engine("trtllm,fp8-law"))
    assert np.array_equal(
        law._gemm_sum(n, shapes), gemm_time_sum(config.gpu, n, shapes, "fp8", fp8_law=True)
    )
