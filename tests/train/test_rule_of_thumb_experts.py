"""The rule of thumb takes the largest expert-parallel size whose ranks fit the data-parallel
ones. It took the largest of the space alone: with 384 experts and a batch of 1,024 (Kimi-K2 on
1,024 H800) ep = 384 divides no dp, so it found no plan, and ``auto`` at ``-t 10`` returned a
ZeRO-3 plan 5x slower than the optimum (25.9 s vs 4.9 s a step; now 6.9 s)."""

from __future__ import annotations

import pytest

from planner.train.evaluate import verify
from planner.train.heuristics import rule_of_thumb
from tests.train.conftest import problem, tiny_moe_spec


@pytest.mark.parametrize(
    ("experts", "gpus", "batch", "ep"),
    [(12, "8xA100", 8, 4), (6, "8xA100", 8, 2), (384, "64xA100", 64, 64)],
)
def test_rule_of_thumb_finds_an_expert_size_that_fits_the_data_parallel_ranks(
    experts, gpus, batch, ep
):
    prob = problem(tiny_moe_spec(layers=2, experts=experts), gpus=gpus, batch=batch)
    plan = rule_of_thumb(prob)
    assert plan is not None and not verify(prob, plan)
    assert plan.ep == ep  # the largest that divides the experts and the plan's dp
