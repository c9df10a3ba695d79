"""The policy driver: causality of every online policy, capacity checks."""

from __future__ import annotations

import numpy as np
import pytest

from planner.offload.adaptive import AdaptivePolicy
from planner.offload.instance import Instance
from planner.offload.policies import D2MoEPolicy, LFUPolicy, LRUPolicy, StaticPolicy
from planner.offload.policy import Context, simulate
from planner.offload.tide import TidePolicy

POLICIES = {
    "static": StaticPolicy,
    "lru": LRUPolicy,
    "lfu": LFUPolicy,
    "d2moe": D2MoEPolicy,
    "tide-1": lambda: TidePolicy(1),
    "tide-3": lambda: TidePolicy(3),
    "auto": AdaptivePolicy,
}


def _with_counts(inst: Instance, counts: np.ndarray) -> Instance:
    return Instance(inst.name, inst.model, inst.hardware, counts, inst.blocks, inst.initial)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_decisions_never_depend_on_future_steps(small, name):
    rng = np.random.default_rng(0)
    base = simulate(small, POLICIES[name]())
    for s in (0, 3, 6, 10):
        counts = small.counts.copy()
        counts[s + 1 :] = rng.permutation(counts[s + 1 :].ravel()).reshape(counts[s + 1 :].shape)
        counts[s + 1 :, :, :5] += 7  # the future changes a lot
        other = simulate(_with_counts(small, counts), POLICIES[name]())
        assert np.array_equal(other[: s + 1], base[: s + 1]), f"{name} looked past step {s}"
        if s + 1 < small.steps:
            assert not np.array_equal(counts, small.counts)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_keeps_to_its_capacity(small, name):
    mask = simulate(small, POLICIES[name]())
    assert (mask.sum(axis=2) <= small.layer_capacities()[None, :]).all()


def test_driver_rejects_an_over_budget_policy(small):
    class Greedy:
        def start(self, context: Context) -> None:
            pass

        def decide(self, step, counts, resident):
            return np.ones_like(resident)

    with pytest.raises(RuntimeError, match="exceeded layer 0 capacity"):
        simulate(small, Greedy())


def test_context_has_no_counts_and_knows_blocks(small):
    ctx = Context.of(small)
    assert not any(
        isinstance(v, np.ndarray) and v.shape == small.counts.shape for v in vars(ctx).values()
    )
    assert ctx.block_end.tolist() == [3] * 4 + [7] * 4 + [11] * 4
    assert ctx.diffusion and ctx.capacity.tolist() == [128, 128]
