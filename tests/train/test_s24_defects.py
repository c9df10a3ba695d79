"""Defects fixed in the twenty-fourth session (s24small): the library estimate's cost of an
unpriced GPU, Megatron-FSDP in the megatron profile's notes, DeepSpeed configs with duplicate
keys."""

from __future__ import annotations

import pytest

from planner.train import make_problem, plan
from planner.train.step_time import estimate


def test_estimate_summary_cost_is_none_for_an_unpriced_gpu():
    """``Estimate.summary()`` gave cost_per_hour 0.0 on MI300X (no catalog price), as
    ``plan train --json`` did before s23small."""
    problem = make_problem("gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024)
    res = plan("gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024, time_limit=10)
    assert res.solution is not None
    s = estimate(problem, res.solution).summary()
    assert s["cost_per_hour"] is None and s["usd_per_million_tokens"] is None
    assert res.stats["summary"]["cost_per_hour"] is None  # the CLI's JSON, since s23small
    priced = make_problem(
        "gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024, pricing="on-demand"
    )
    s = estimate(priced, res.solution).summary()
    assert s["cost_per_hour"] == pytest.approx(16 * priced.cluster.pools[0].gpu.price_per_gpu_hour)
    assert s["usd_per_million_tokens"] > 0
