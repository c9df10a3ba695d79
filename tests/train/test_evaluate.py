"""verify catches every kind of violation; evaluate recomputes the objective."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.perfmodel.readers import load_model
from planner.train.evaluate import evaluate, verify
from planner.train.instance import TrainingPlan
from planner.train.step_time import estimate

from .conftest import problem, tiny_spec

GOOD = TrainingPlan(
    tp=2,
    pp=2,
    dp=2,
    microbatch=1,
    recompute="selective",
    zero=1,
    sequence_parallel=True,
    stage_layers=(2, 2),
)


def test_good_plan():
    prob = problem(tiny_spec(), gpus="8xA100", batch=8)
    assert verify(prob, GOOD) == []
    assert evaluate(prob, GOOD) == pytest.approx(estimate(prob, GOOD).step_time)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"dp": 4}, "GPUs"),
        ({"microbatch": 3}, "not divisible"),
        ({"tp": 3}, "attention heads"),
        ({"stage_layers": (3, 2)}, "sum to"),
        ({"stage_layers": (4,)}, "entries"),
        ({"zero": 3}, "pipeline"),
        ({"interleave": 3}, "interleave"),
        ({"tp": 1, "sequence_parallel": True}, "sequence_parallel"),
        ({"ep": 2}, "dense"),
        ({"recompute": "most"}, "recompute"),
        ({"cp": 3}, "cp"),
        ({"stage_pools": ("X", "X")}, "unknown pool"),
    ],
)
def test_violations(change, needle):
    prob = problem(tiny_spec(), gpus="8xA100", batch=8)
    found = verify(prob, replace(GOOD, **change))
    assert found and any(needle in v for v in found), found


def test_memory_violation_names_the_stage():
    prob = problem(load_model("gpt-18.4b"), gpus="8xA100", batch=8, seq=2048)
    plan = TrainingPlan(tp=1, pp=1, dp=8, microbatch=1, stage_layers=(40,))
    found = verify(prob, plan)
    assert found and "stage 0" in found[0] and "GiB" in found[0]


def test_fixed_constraint_violation():
    prob = problem(tiny_spec(), gpus="8xA100", batch=8, tp=4)
    assert any("fixes tp=4" in v for v in verify(prob, GOOD))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"pp": 2**70}, "budget"),  # was OverflowError: a stage list of pp entries
        ({"zero": "x", "shard_group": 2}, "plan.zero='x'"),  # was TypeError: 'x' < 1
        ({"sequence_parallel": "yes"}, "sequence_parallel='yes'"),
    ],
)
def test_absurd_fields_are_violations_not_exceptions(change, needle):
    """verify raised instead of listing the violation (s15bad's library sweep)."""
    prob = problem(tiny_spec(), gpus="8xA100", batch=8)
    found = verify(prob, replace(GOOD, **change))
    assert found and any(needle in v for v in found), found
