"""Baselines: static, the caches (Belady loads least), the D²MoE-style schedule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.offload.policies import (
    D2MoEPolicy,
    LFUPolicy,
    LRUPolicy,
    StaticPolicy,
    belady,
    keep_best,
    keep_best_rows,
)
from planner.offload.policy import simulate

from .strategies import tiny, tiny_instances


def _loads(inst, mask):
    previous = np.concatenate([inst.initial_mask()[None], mask[:-1]], axis=0)
    return int((mask & ~previous).sum())


def test_keep_best_ranks_by_keys_then_lower_id():
    eligible = np.array([True, True, True, False, True])
    out = keep_best(2, eligible, np.array([1, 0, 1, 9, 1]), np.array([0, 0, 5, 0, 5]))
    assert out.tolist() == [False, False, True, False, True]


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_keep_best_rows_equals_keep_best_per_row(rows, experts, seed):
    rng = np.random.default_rng(seed)
    eligible = rng.random((rows, experts)) < 0.7
    keys = [rng.integers(0, 3, (rows, experts)).astype(float) for _ in range(3)]
    capacity = rng.integers(0, experts + 1, rows)
    together = keep_best_rows(capacity, eligible, *keys)
    for r in range(rows):
        alone = keep_best(int(capacity[r]), eligible[r], *(k[r] for k in keys))
        assert together[r].tolist() == alone.tolist()


def test_static_loads_once():
    inst = tiny([[[3, 1, 0]], [[0, 0, 5]], [[1, 1, 1]]], budget=2)
    mask = simulate(inst, StaticPolicy())
    assert mask[:, 0].tolist() == [[True, True, False]] * 3


def test_lru_evicts_least_recently_used():
    inst = tiny([[[1, 0, 0]], [[0, 1, 0]], [[0, 0, 1]], [[0, 1, 0]]], budget=2)
    mask = simulate(inst, LRUPolicy())
    assert [np.flatnonzero(m[0]).tolist() for m in mask] == [[0], [0, 1], [1, 2], [1, 2]]


def test_lfu_keeps_the_frequent_expert():
    inst = tiny([[[5, 0, 0]], [[0, 1, 0]], [[0, 0, 1]]], budget=2)
    mask = simulate(inst, LFUPolicy())
    assert np.flatnonzero(mask[2, 0]).tolist() == [0, 2]


@settings(max_examples=40, deadline=None)
@given(inst=tiny_instances(max_steps=3, max_layers=1, max_experts=3))
def test_belady_never_loads_more_than_lru_when_requests_fit(inst):
    # with at most `capacity` experts requested per step both are demand-paging caches,
    # and Belady's rule minimizes misses
    if (inst.counts > 0).sum(axis=2).max() > inst.layer_capacities().min():
        return
    assert _loads(inst, belady(inst)) <= _loads(inst, simulate(inst, LRUPolicy()))


def test_d2moe_limits_loads_to_what_compute_hides():
    counts = np.zeros((3, 1, 6), int)
    counts[0, 0, 0] = 1  # step 0: one cheap expert -> small compute window
    counts[1:, 0, 1:] = 5  # then five hot experts appear
    inst = tiny(counts, budget=6, copy_us=100.0, gpu_call_us=20.0, cpu_call_us=50.0)
    mask = simulate(inst, D2MoEPolicy())
    # step 0 loads its one expert; the window after it (21 us GPU) hides no 100-us copy
    assert mask[0, 0].sum() == 1 and (mask[1, 0] & ~mask[0, 0]).sum() == 0
    # step 1 runs five experts on the CPU (5 x 100 us): the next window hides 5 copies
    assert (mask[2, 0] & ~mask[1, 0]).sum() == 5


class _D2MoEPerLayer(D2MoEPolicy):
    """The D²MoE-style rule with a Python loop over layers (the oracle of the vectorised one)."""

    def decide(self, step, counts, resident):
        from planner.offload.policy import top_by

        ctx = self.context
        self.last_use[counts > 0] = step
        new = np.empty_like(resident)
        for ly in range(ctx.layers):
            cap = int(ctx.capacity[ly])
            if self.window is None:
                io = cap
            else:
                io = int(self.window[ly] / ctx.copy_s + 1e-9) if ctx.copy_s > 0 else cap
            missing = (counts[ly] > 0) & ~resident[ly]
            newcomers = top_by(counts[ly], io, missing)
            new[ly] = keep_best(
                cap,
                resident[ly] | newcomers,
                counts[ly],
                resident[ly].astype(float),
                self.last_use[ly],
            )
        g = ctx.shared_time(counts) + (ctx.gpu_time(counts) * new).sum(axis=1)
        c = (ctx.cpu_time(counts) * ~new).sum(axis=1)
        self.window = np.maximum(g, c)
        return new


@settings(max_examples=60, deadline=None)
@given(inst=tiny_instances(max_steps=3, max_layers=3, max_experts=3))
def test_d2moe_all_layers_at_once_equals_the_per_layer_rule(inst):
    assert (simulate(inst, D2MoEPolicy()) == simulate(inst, _D2MoEPerLayer())).all()


def test_d2moe_all_layers_at_once_equals_the_per_layer_rule_on_a_generated_trace():
    from planner.offload.generate import generate

    for seed in (1, 2):
        inst = generate("deepseek-v2-lite", steps=40, layers=3, seed=seed)
        assert (simulate(inst, D2MoEPolicy()) == simulate(inst, _D2MoEPerLayer())).all()
