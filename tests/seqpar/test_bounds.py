"""Cheap bounds never exceed the brute-force optimum; the area bound by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from planner.seqpar.bounds import area_bound_ms, lower_bound, min_area, min_microbatches

from .strategies import brute_force, preset_instance, tiny_instance, tiny_instances


@settings(max_examples=25, deadline=None)
@given(tiny_instances())
def test_bound_below_optimum(inst):
    assert lower_bound(inst) <= brute_force(inst) + 1e-9


def test_area_bound_by_hand():
    inst = tiny_instance(
        [4, 15], gpus=4, per_node=2, tokens=10, alpha1=0.0, beta1=10.0, bw=(4.0, 2.0, 0.5)
    )
    t = inst.tables
    # 4 tokens at d = 1: 4 ms of GPU time; 15 tokens need d >= 2: 15 + 15 * 2 * (1 / (2 * 4)) at d = 2
    assert min_area(t, inst.array).tolist() == pytest.approx([4.0, 15 + 15 / 4])
    assert min_microbatches(t, inst.array) == 1
    assert area_bound_ms(t, inst.array) == pytest.approx((4 + 15 + 15 / 4) / 4 + 10)
    assert lower_bound(inst) * 1000 >= area_bound_ms(t, inst.array) - 1e-9


def test_micro_batch_floor_and_infeasible():
    inst = preset_instance([6141] * 17, gpus=16)  # 16 GPUs hold 16 x 6141 tokens at once
    assert min_microbatches(inst.tables, inst.array) == 2
    assert lower_bound(preset_instance([10**6], gpus=16)) == 0.0
    assert math.isfinite(lower_bound(inst))
