"""auto: copies only when they pay, the ranked-prefix set, the persistence estimate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.offload.adaptive import (
    AdaptivePolicy,
    improve_set,
    improve_sets,
    lookahead_set,
    lookahead_sets,
)
from planner.offload.instance import Instance
from planner.offload.policy import plan_times, simulate

from .strategies import tiny


def test_never_loads_when_copies_cost_more_than_any_saving(small):
    hw = replace(small.hardware, h2d_gb_s=1e-6)  # one copy takes hours
    slow = Instance(small.name, small.model, hw, small.counts, small.blocks)
    assert not simulate(slow, AdaptivePolicy()).any()


def test_loads_hot_experts_when_copies_are_cheap():
    counts = np.zeros((6, 1, 4), int)
    counts[:, 0, 0] = 8  # a hot expert every step
    counts[:, 0, 1] = 1
    inst = tiny(counts, budget=1, copy_us=100.0, cpu_token_us=10.0)
    mask = simulate(inst, AdaptivePolicy())
    assert mask[:, 0, 0].all() and not mask[:, 0, 1:].any()


def test_lookahead_stops_adding_once_the_gpu_is_the_bottleneck():
    # 4 experts, 1 step ahead: GPU call 10, CPU call 12 each; balance puts 2 on each side
    gpu = np.full((1, 4), 10.0)
    cpu = np.full((1, 4), 12.0)
    chosen = lookahead_set(gpu, cpu, np.zeros(1), np.ones(1), np.ones(4, bool), 4, 1.0)
    assert chosen.sum() == 2


def test_keeps_the_set_unless_a_change_pays():
    gpu = np.array([[1.0, 1.0]])
    cpu = np.array([[5.0, 6.0]])
    resident = np.array([True, False])
    # swapping to expert 1 saves 1 per step but costs a copy of 10
    assert lookahead_set(gpu, cpu, np.zeros(1), np.ones(1), resident, 1, 10.0).tolist() == [
        True,
        False,
    ]
    assert lookahead_set(gpu, cpu, np.zeros(1), np.ones(1), resident, 1, 0.5).tolist() == [
        False,
        True,
    ]


def test_beats_the_worst_baselines_on_a_stable_trace(small):
    auto = plan_times(small, simulate(small, AdaptivePolicy())).sum()
    from planner.offload.policies import LRUPolicy

    assert auto < plan_times(small, simulate(small, LRUPolicy())).sum()


def test_persistence_estimate_rises_with_stability():
    from planner.offload.generate import generate

    rhos = []
    for stability in (0.75, 0.9, 0.99):
        inst = generate("llada2-mini", steps=24, layers=1, seed=5, stability=stability)
        policy = AdaptivePolicy()
        simulate(inst, policy)
        rhos.append(policy.rho)
    assert rhos[0] < rhos[1] < rhos[2]


def _predicted(gpu, cpu, shared, weights, x, resident, copy_s):
    g = shared + (gpu * x).sum(axis=1)
    c = (cpu * ~x).sum(axis=1)
    return float((np.maximum(g, c) * weights).sum()) + copy_s * int((x & ~resident).sum())


def test_local_search_swaps_a_resident_expert_for_a_better_one():
    # one slot; the resident expert 0 is idle ahead, expert 1 busy: a swap (drop 0, load 1)
    # pays, while neither an add (no room) nor a drop alone does
    gpu = np.array([[1.0, 1.0], [1.0, 1.0]])
    cpu = np.array([[0.0, 9.0], [0.0, 9.0]])
    resident = np.array([True, False])
    out = improve_set(gpu, cpu, np.zeros(2), np.ones(2), resident, resident, 1, 3.0)
    assert out.tolist() == [False, True]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 7),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 5.0),
)
def test_local_search_never_worsens_the_predicted_cost(horizon, experts, seed, copy_s):
    rng = np.random.default_rng(seed)
    gpu = rng.uniform(0, 2, (horizon, experts))
    cpu = rng.uniform(0, 6, (horizon, experts))
    shared = rng.uniform(0, 1, horizon)
    weights = rng.uniform(0.1, 1, horizon)
    resident = rng.random(experts) < 0.5
    capacity = int(rng.integers(0, experts + 1))
    start = resident.copy()
    start[np.flatnonzero(start)[capacity:]] = False  # within capacity
    out = improve_set(gpu, cpu, shared, weights, start, resident, capacity, copy_s)
    assert out.sum() <= capacity
    before = _predicted(gpu, cpu, shared, weights, start, resident, copy_s)
    after = _predicted(gpu, cpu, shared, weights, out, resident, copy_s)
    assert after <= before + 1e-9
    chosen = lookahead_set(gpu, cpu, shared, weights, start, capacity, copy_s)
    assert chosen.sum() <= capacity


@st.composite
def layer_problems(draw):
    """Per-layer inputs of the ``auto`` rule on a grid of dyadic values: every sum is exact in
    floating point, so the batched and the per-layer code must take the same decisions."""
    layers = draw(st.integers(1, 4))
    horizon = draw(st.integers(1, 4))
    experts = draw(st.integers(1, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    gpu = rng.integers(0, 4, (layers, horizon, experts)) / 2
    cpu = rng.integers(0, 9, (layers, horizon, experts)) / 2
    shared = rng.integers(0, 3, (layers, horizon)) / 2
    weights = 0.5 ** rng.integers(0, 2, horizon)
    resident = rng.random((layers, experts)) < 0.5
    capacity = rng.integers(0, experts + 1, layers)
    for ly in range(layers):  # the current set fits its layer
        resident[ly, np.flatnonzero(resident[ly])[capacity[ly] :]] = False
    free = rng.integers(0, 3, layers)
    copy_s = draw(st.integers(0, 12)) / 2
    return gpu, cpu, shared, weights, resident, capacity, copy_s, free


@settings(max_examples=150, deadline=None)
@given(layer_problems(), st.booleans())
def test_batched_rule_takes_the_per_layer_decisions(problem, batched_search):
    from planner.offload import adaptive

    from .adaptive_oracle import lookahead_set as one_layer

    gpu, cpu, shared, weights, resident, capacity, copy_s, free = problem
    saved = adaptive.BATCH_MAX_CELLS
    adaptive.BATCH_MAX_CELLS = saved if batched_search else 0  # 0: layer by layer
    try:
        batched = lookahead_sets(gpu, cpu, shared, weights, resident, capacity, copy_s, free)
    finally:
        adaptive.BATCH_MAX_CELLS = saved
    improved = improve_sets(gpu, cpu, shared, weights, resident, resident, capacity, copy_s, free)
    for ly in range(gpu.shape[0]):
        args = (gpu[ly], cpu[ly], shared[ly], weights)
        expect = one_layer(*args, resident[ly], int(capacity[ly]), copy_s, int(free[ly]))
        assert batched[ly].tolist() == expect.tolist()
        expect = improve_set(
            *args, resident[ly], resident[ly], int(capacity[ly]), copy_s, int(free[ly])
        )
        assert improved[ly].tolist() == expect.tolist()
