"""The FlexSP MILP: exact on tiny batches (agrees with the brute force), feasible when padded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from planner.core.result import Status
from planner.seqpar.bucketing import bucketize
from planner.seqpar.evaluate import evaluate, verify
from planner.seqpar.instance import Solution
from planner.seqpar.mip import BucketBatch, slots_needed, solve_milp, virtual_groups

from .strategies import brute_force, preset_instance, tiny_instances


@settings(max_examples=25, deadline=None)
@given(tiny_instances())
def test_exact_joint_model_matches_brute_force(inst):
    best = brute_force(inst)
    slots = slots_needed(inst.tables, inst.array, best * 1000 + 1e-6)
    out = solve_milp(inst.tables, BucketBatch.exact(inst.array), slots, time_limit=20)
    assert out.status is Status.OPTIMAL
    sol = Solution(out.microbatches)
    assert verify(inst, sol) == []
    assert evaluate(inst, sol) == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert out.objective_ms == pytest.approx(best * 1000, rel=1e-6, abs=1e-6)


def test_padded_buckets_give_feasible_plans_and_warm_start():
    rng = np.random.default_rng(3)
    lengths = np.concatenate([rng.integers(50, 2000, size=20), [20000, 8000]])
    inst = preset_instance(lengths.tolist(), gpus=16)
    cut = bucketize(inst.array, start=4, max_buckets=4)
    batch = BucketBatch(cut.upper, list(cut.members))
    assert len(virtual_groups(inst.tables, batch)) <= 16 + 8 + 4 + 2 + 1
    out = solve_milp(inst.tables, batch, 1, time_limit=2)
    sol = Solution(out.microbatches)
    assert verify(inst, sol) == []
    # real lengths never take longer than the padded model says
    assert evaluate(inst, sol) * 1000 <= out.objective_ms + 1e-6
    again = solve_milp(
        inst.tables, batch, 1, time_limit=2, start=sol.microbatches, lengths=inst.array
    )
    assert again.objective_ms <= out.objective_ms + 1e-6
