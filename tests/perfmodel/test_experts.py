"""Expert offloading terms: sizes, GPU coefficients from the GEMM model, CPU roofline, copies."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel import experts
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_time


def test_expert_size_and_flops_of_llada2_mini():
    assert experts.expert_bytes(2048, 512) == 6_291_456
    assert experts.expert_flops_per_token(2048, 512) == 2 * 3 * 2048 * 512


def test_gpu_line_meets_the_gemm_model_at_one_and_many_tokens():
    gpu = get_gpu("A100")
    per_token, per_call = experts.gpu_expert_coefficients(gpu, 2048, 512, call_overhead_s=0.0)

    def gemms(m):
        return 2 * gemm_time(gpu, m, 512, 2048) + gemm_time(gpu, m, 2048, 512)

    assert per_call + per_token == pytest.approx(gemms(1) + per_token)
    assert per_call == pytest.approx(gemms(1))
    n = experts.LINEAR_TOKENS
    assert per_call + per_token * (n - 1) == pytest.approx(gemms(n))
    faster = experts.gpu_expert_coefficients(get_gpu("H100"), 2048, 512, call_overhead_s=0.0)
    assert faster[1] < per_call  # more HBM bandwidth streams the weights faster


def test_cpu_roofline():
    cpu = experts.XEON_8380
    per_token, per_call = experts.cpu_expert_coefficients(cpu, 2048, 512, call_overhead_s=0.0)
    assert per_token == pytest.approx(6 * 2048 * 512 / cpu.flops)
    assert per_call == pytest.approx(6_291_456 / 204.8e9)


def test_expert_time_is_zero_without_tokens():
    assert experts.expert_time(np.array([0, 1, 5]), 2.0, 10.0).tolist() == [0.0, 12.0, 20.0]


def test_copy_time():
    link = experts.LINKS["pcie4"]
    one = experts.copy_seconds_per_expert(6_291_456, link.bytes_per_s, 1e-5)
    assert one == pytest.approx(1e-5 + 6_291_456 / 32e9)
    assert experts.copy_time(3, 6_291_456, link.bytes_per_s, 1e-5) == pytest.approx(3 * one)


def test_a_kernel_efficiency_replaces_the_fitted_one_on_the_compute_side_only():
    """``compute_efficiency`` caps a kernel's FLOP rate at its measured fraction of the peak:
    a large compute-bound GEMM takes ``2mnk / (peak * efficiency)``, a small one keeps the
    fitted shape-dependent time (slower there), a weight-streaming one is unchanged, and the
    summed form agrees with the single GEMMs."""
    from planner.perfmodel.kernels import gemm_efficiency, gemm_time_sum
    from planner.perfmodel.precision import get_precision

    gpu = get_gpu("H200")
    fp8 = get_precision("fp8")
    fitted = gemm_efficiency(gpu, fp8)
    slow = gemm_time(gpu, 8192, 4096, 7168, "fp8", compute_efficiency=fitted / 4)
    flops = 2.0 * 8192 * 4096 * 7168
    assert slow == pytest.approx(flops / (gpu.peak_flops(fp8) * fitted / 4), rel=1e-12)
    assert slow > 3.5 * gemm_time(gpu, 8192, 4096, 7168, "fp8")
    small = gemm_time(gpu, 16, 512, 7168, "fp8")  # under-filled tiles: the fitted time binds
    assert gemm_time(gpu, 16, 512, 7168, "fp8", compute_efficiency=fitted / 2) == small
    thin = gemm_time(gpu, 1, 4096, 7168, "fp8")  # streams 29 MB of weights
    assert gemm_time(gpu, 1, 4096, 7168, "fp8", compute_efficiency=0.2) == thin
    m = np.array([1.0, 512.0, 8192.0])
    shapes = ((4096, 7168), (7168, 2048))
    summed = gemm_time_sum(gpu, m, shapes, "fp8", compute_efficiency=0.2)
    single = sum(gemm_time(gpu, m, n, k, "fp8", compute_efficiency=0.2) for n, k in shapes)
    np.testing.assert_allclose(summed, single, rtol=1e-12)
