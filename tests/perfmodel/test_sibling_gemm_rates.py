"""The RTX PRO 6000 (sm_120) GEMM rate scaled from B200's fitted one by measured kernels
(:data:`planner.perfmodel.kernels.SIBLING_GEMM_RATES`, thirtieth session, s30sm)."""

from __future__ import annotations

import pytest

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import (
    SIBLING_GEMM_RATES,
    gemm_efficiency,
    gemm_rates,
    sibling_gemm_ratio,
)
from planner.perfmodel.precision import get_precision


@pytest.mark.parametrize("gpu_name", sorted(SIBLING_GEMM_RATES))
def test_sibling_entries_are_same_architecture_catalog_gpus_below_peak(gpu_name):
    gpu = get_gpu(gpu_name)
    sibling_name, rates = SIBLING_GEMM_RATES[gpu_name]
    sibling = get_gpu(sibling_name)
    # the rule scales a *fitted* architecture's value: both chips must carry that name
    assert gpu.architecture == sibling.architecture and gpu.name != sibling.name
    for key, (own, peak, other, other_peak) in rates.items():
        prec = get_precision(key)
        # the recorded peaks are the catalog's, and a measured rate is below its peak
        assert peak == pytest.approx(gpu.peak_flops(prec) / 1e12)
        assert other_peak == pytest.approx(sibling.peak_flops(prec) / 1e12)
        assert 0.0 < own < peak and 0.0 < other < other_peak


def test_rtx_pro_scaled_gemms_run_at_the_measured_ratio_of_b200s_fitted_rate():
    rtx, b200 = get_gpu("RTX-PRO-6000"), get_gpu("B200")
    for key, (own, peak, other, other_peak) in SIBLING_GEMM_RATES["RTX-PRO-6000"][1].items():
        ratio = gemm_efficiency(rtx, key) / gemm_efficiency(b200, key)
        assert ratio == pytest.approx((own / peak) / (other / other_peak))
        # before the thirtieth session both chips took the same fraction (ratio 1.0)
        assert 1.2 < ratio < 1.35
    # the large-GEMM FP4 rate: ~1.13 PFLOP/s, between the fitted B200 fraction (0.88) and
    # CUTLASS's measured 1.63 on the card
    fp4 = gemm_rates(rtx, "fp4")[0] / 1e12
    assert 880.0 < fp4 < 1629.0


def test_the_ratio_leaves_16_bit_gemms_and_other_gpus_alone():
    rtx = get_gpu("RTX-PRO-6000")
    assert sibling_gemm_ratio(rtx, "bf16") == 1.0
    assert gemm_efficiency(rtx, "bf16") == gemm_efficiency(get_gpu("B200"), "bf16")
    for name in ("B200", "H100", "L40S", "MI300X"):
        assert sibling_gemm_ratio(get_gpu(name), "fp8") == 1.0
