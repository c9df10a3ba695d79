"""Cost terms: sizes, roofline coefficients, element-wise call and copy times."""

from __future__ import annotations

import numpy as np
import pytest

from planner.offload import costs


def test_expert_size_and_flops_of_llada2_mini():
    assert costs.expert_bytes(2048, 512) == 6_291_456
    assert costs.expert_flops_per_token(2048, 512) == 2 * 3 * 2048 * 512


def test_roofline_coefficients():
    per_token, per_call = costs.expert_coefficients(costs.A100, 2048, 512)
    assert per_token == pytest.approx(6 * 2048 * 512 / 312e12)
    assert per_call == pytest.approx(costs.GPU_CALL_OVERHEAD_S + 6_291_456 / 2039e9)
    cpu_token, cpu_call = costs.expert_coefficients(costs.XEON_8380, 2048, 512)
    assert cpu_token > per_token and cpu_call > per_call


def test_expert_time_is_zero_without_tokens():
    t = costs.expert_time(np.array([0, 1, 5]), 2.0, 10.0)
    assert t.tolist() == [0.0, 12.0, 20.0]


def test_copy_time():
    assert costs.copy_time(3, 32_000_000, 32e9, 1e-5) == pytest.approx(3 * (1e-5 + 1e-3))
    assert costs.copy_seconds_per_expert(
        6_291_456, costs.PCIE4_X16.bytes_per_s, 0
    ) == pytest.approx(6_291_456 / 32e9)
