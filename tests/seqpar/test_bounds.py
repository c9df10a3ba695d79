"""Cheap bounds never exceed the brute-force optimum; the area bound by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from planner.core.timing import Deadline
from planner.seqpar.bounds import (
    area_bound_ms,
    lower_bound,
    min_area,
    min_microbatches,
    waste_bound_ms,
)
from planner.seqpar.heuristics import Engine, greedy

from .strategies import (
    brute_force,
    brute_force_by_count,
    preset_instance,
    tiny_instance,
    tiny_instances,
)


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


@settings(max_examples=40, deadline=None)
@given(tiny_instances(max_n=5, gpus=(2, 4)))
def test_waste_bound_below_optimum_of_each_count(inst):
    # the bound of M micro-batches never exceeds the best plan with exactly M (own loops)
    for M, best_s in brute_force_by_count(inst).items():
        best = best_s * 1000
        bound = waste_bound_ms(inst.tables, inst.array, M, 0.0, 2 * best + 1.0)
        assert bound <= best + 1e-6 * max(1.0, best)


def test_waste_bound_sees_memory_that_long_sequences_leave_empty():
    # memory 98 % full and long sequences that fill their groups' time before their memory:
    # the area bound misses it, the memory-aware bound does not (and stays below a plan)
    rng = np.random.default_rng(3)
    lengths = [10300, 9800, 9000, 8800, 8600, 8000, 7600, 7000, 6500]  # above one GPU's 6,141
    while sum(lengths) < 0.97 * 64 * 6141:
        lengths.append(int(rng.integers(100, 2000)))
    inst = preset_instance(lengths, gpus=64)
    assert inst.tokens_per_gpu == 6141
    area = area_bound_ms(inst.tables, inst.array)
    plan_ms, _ = greedy(Engine(inst.array, inst.tables), Deadline(5))
    bound = waste_bound_ms(inst.tables, inst.array, 1, area, plan_ms)
    assert 1.02 * area < bound <= plan_ms


def test_waste_bound_sees_groups_whose_time_fills_first():
    # a 150K and a 90K document need groups of 32 and 16+ GPUs whose all-to-all makes them
    # reach the step time long before their memory is full: the memory they leave empty
    # pushes the rest onto fewer GPUs than the area bound assumes
    rng = np.random.default_rng(5)
    lengths = [150_000, 90_000]
    while sum(lengths) < 0.7 * 64 * 6141:
        lengths.append(int(rng.integers(100, 3000)))
    inst = preset_instance(lengths, gpus=64)
    area = area_bound_ms(inst.tables, inst.array)
    engine = Engine(inst.array, inst.tables)
    plan_ms, plan = greedy(engine, Deadline(5))
    assert len(engine.solution(plan).microbatches) == 1
    bound = waste_bound_ms(inst.tables, inst.array, 1, area, plan_ms)
    assert 1.05 * area < bound <= plan_ms
