"""Hybrid sharding (HSDP: ZeRO states sharded inside groups of ranks, replicated across) as a
search choice."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.perfmodel.hardware import parse_cluster
from planner.train.evaluate import verify
from planner.train.export import export
from planner.train.generate import tiny_model
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.search import exact_search
from planner.train.step_time import quick

from .conftest import brute_force, check_search_against_brute_force, tiny_spec


def _problem(**constraints) -> TrainingProblem:
    return TrainingProblem(
        "hsdp",
        tiny_spec(layers=4, heads=16, head_dim=128),
        parse_cluster("8xA100", gpus_per_node=2),
        Workload(64, 256),
        Constraints(**constraints),
        meta={},
    )


def test_a_fixed_group_is_kept_and_priced():
    prob = _problem(tp=1, pp=1, cp=1, zero=3, microbatch=1, use_all_gpus=True, shard_group=2)
    plan, q = exact_search(prob, top_k=1).ranked[0]
    assert (plan.dp, plan.shard_group) == (8, 2) and "hsdp2" in plan.short()
    assert verify(prob, plan) == []
    # two shards hold four times the states of eight, and the optimizer steps over them
    full = quick(prob, replace(plan, shard_group=0))
    assert q.memory > full.memory
    assert plan.to_dict()["shard_group"] == 2
    best, _plan, _n = brute_force(prob)
    assert q.objective == pytest.approx(best, rel=1e-9)


def test_hsdp_is_searched_only_when_asked():
    prob = _problem(tp=1, pp=1, cp=1, zero=3, microbatch=1, use_all_gpus=True)
    assert all(p.shard_group == 0 for p, _q in exact_search(prob, top_k=5).ranked)
    asked = exact_search(replace(prob, constraints=replace(prob.constraints, hsdp=True)), top_k=5)
    assert any(p.shard_group for p, _q in asked.ranked)


def test_verify_and_exports_of_a_group():
    prob = _problem()
    plan = TrainingPlan(tp=1, pp=1, dp=8, microbatch=1, zero=3, shard_group=4, stage_layers=(4,))
    assert verify(prob, plan) == []
    assert verify(prob, replace(plan, shard_group=3)) != []  # does not divide dp * cp
    assert verify(prob, replace(plan, zero=0)) != []  # nothing is sharded
    titan = export(prob, plan, "torchtitan")["settings"]
    assert titan["parallelism.data_parallel_shard_degree"] == 4
    assert titan["parallelism.data_parallel_replicate_degree"] == 2
    mega = export(prob, replace(plan, zero=1), "megatron")["settings"]
    assert mega["--num-distributed-optimizer-instances"] == 2


def test_a_negative_group_is_an_input_error():
    with pytest.raises(InputError, match="shard_group"):
        Constraints(shard_group=-2)


@pytest.mark.parametrize(
    ("fixed", "match"),
    [
        ({"shard_group": 4, "zero": 0}, "shard_group=4"),
        ({"hsdp": True, "zero": 0}, "hsdp"),
        ({"partial_recompute": True, "recompute": "selective"}, "partial_recompute"),
    ],
)
def test_choices_that_cannot_hold_together_are_input_errors(fixed, match):
    """Sharding groups without ZeRO, or partial recompute with another recompute mode, name
    the field instead of being dropped or reported as out of memory."""
    with pytest.raises(InputError, match=match):
        Constraints(**fixed)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), gpus=st.sampled_from([4, 8]), per_node=st.sampled_from([2, 4]))
def test_search_with_hsdp_equals_brute_force(seed, gpus, per_node):
    rng = random.Random(seed)
    model = replace(tiny_model(rng), layers=rng.choice([2, 3, 4]))
    prob = TrainingProblem(
        "h",
        model,
        parse_cluster(f"{gpus}xA100", gpus_per_node=per_node),
        Workload(rng.choice([4, 8]), rng.choice([256, 1024])),
        Constraints(hsdp=True, objective=rng.choice(["time", "cost"])),
        meta={},
    )
    check_search_against_brute_force(prob)
