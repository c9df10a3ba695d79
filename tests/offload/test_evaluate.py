"""verify and evaluate: hand-computed values, the overlap rule, agreement with plain loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.offload.evaluate import breakdown, evaluate, summary, verify
from planner.offload.instance import Solution
from planner.offload.policy import plan_times

from .strategies import model_cost, tiny, tiny_instances


def test_hand_computed_value():
    # step 0: expert 0 (3 tokens) on the GPU, expert 1 (1 token) on the CPU, expert 0 loaded
    # gpu 20 + 3*1 = 23 us, cpu 50 + 10 = 60 us -> compute 60 us, copy 100 us -> 160 us
    # step 1: expert 0 (2) resident, no load: gpu 22, cpu 0 -> 22 us
    inst = tiny([[[3, 1]], [[2, 0]]], budget=1)
    sol = Solution([[(0,)], [(0,)]])
    assert verify(inst, sol) == []
    assert evaluate(inst, sol) == pytest.approx(182e-6)
    stats = summary(inst, sol)
    assert stats["loads"] == 1 and stats["bytes_copied"] == 100_000
    assert stats["gpu_tokens"] == 5 and stats["cpu_tokens"] == 1
    assert stats["hit_rate"] == pytest.approx(5 / 6)
    plan = stats["plan"]
    assert plan["bytes_moved_per_step"] == [100_000, 0]
    assert plan["time_per_step_s"] == pytest.approx([160e-6, 22e-6])
    assert plan["resident_slots_per_layer_max"] == 1


def test_shared_experts_run_every_token_on_the_gpu():
    # top_k 2: 4 assignments = 2 tokens; shared expert 20 + 2*1 = 22 us on the GPU
    inst = tiny([[[2, 2]]], budget=1, shared=1, top_k=2)
    sol = Solution([[()]])
    b = breakdown(inst, sol)
    assert b.gpu[0, 0] == pytest.approx(22e-6)
    assert b.cpu[0, 0] == pytest.approx(2 * 70e-6)


def test_overlap_hides_copies_behind_the_previous_layer():
    # layer 0 computes 60 us on the CPU; layer 1 loads one expert (100 us): 60 us hidden
    counts = [[[1, 0], [0, 1]]]
    inst = tiny(counts, budget=1, overlap=True)
    sol = Solution([[(), (1,)]])
    b = breakdown(inst, sol)
    assert b.hidden[0, 1] == pytest.approx(60e-6)
    assert evaluate(inst, sol) == pytest.approx(60e-6 + 21e-6 + 100e-6 - 60e-6)
    no = tiny(counts, budget=1, overlap=False)
    assert evaluate(no, sol) == pytest.approx(60e-6 + 21e-6 + 100e-6)


def test_initial_set_is_free():
    inst = tiny([[[1, 1, 1]]], budget=2, initial="first")
    assert breakdown(inst, Solution([[(0, 1)]])).loads.sum() == 0
    assert breakdown(inst, Solution([[(1, 2)]])).loads.sum() == 1


@pytest.mark.parametrize(
    ("resident", "problem"),
    [
        ([[(0, 1)]], "2 routed + 0 shared experts resident, budget 1"),
        ([[(5,)]], "expert 5 out of range"),
        ([[(0, 0)]], "expert 0 listed twice"),
        ([[(0,)], [(0,)]], "resident has 2 steps, the trace has 1"),
        ([[(0,), (1,)]], "step 0: 2 layers, the model has 1"),
        ([[("a",)]], "is not an expert id"),
    ],
)
def test_verify_names_each_violation(resident, problem):
    inst = tiny([[[1, 1, 1]]], budget=1)
    assert any(problem in p for p in verify(inst, Solution(resident)))


def test_verify_counts_shared_experts_in_a_global_budget():
    inst = tiny(np.ones((1, 2, 2), int), budget=None, global_budget=3, shared=1)
    assert verify(inst, Solution([[(0,), ()]])) == []
    assert any("global budget 3" in p for p in verify(inst, Solution([[(0,), (1,)]])))


@settings(max_examples=40, deadline=None)
@given(inst=tiny_instances(), data=st.data())
def test_evaluate_agrees_with_plain_loops_and_vectorized(inst, data):
    mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=inst.counts.size, max_size=inst.counts.size))
    ).reshape(inst.counts.shape)
    sol = Solution.from_mask(mask)
    plan = [[set(ids) for ids in step] for step in sol.resident]
    assert evaluate(inst, sol) == pytest.approx(model_cost(inst, plan), abs=1e-12)
    assert plan_times(inst, mask).sum() == pytest.approx(evaluate(inst, sol), abs=1e-12)
    # the summary of the methods, read from the mask they built the solution from: same numbers
    from_lists, from_mask = summary(inst, sol), summary(inst, sol, mask)
    assert from_mask["plan"] == from_lists["plan"]
    for key in ("time_s", "gpu_s", "cpu_s", "loads", "gpu_tokens", "cpu_tokens"):
        assert from_mask[key] == from_lists[key]
