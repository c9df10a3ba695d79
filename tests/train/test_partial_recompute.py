"""Partial recompute (full recompute of the first ``k`` layers of every stage) as a search choice."""

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
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.search import exact_search
from planner.train.step_time import quick

from .conftest import brute_force, check_search_against_brute_force, tiny_spec


def _pinned(mem_gib: float, **extra) -> TrainingProblem:
    """One layout (t1 p1 d2 ZeRO-3) on small GPUs: activations decide what fits."""
    gpu = {"base": "A100", "memory_gib": mem_gib, "host_link_gb_s": 1}
    constraints = dict(memory_headroom_gib=0, tp=1, cp=1, pp=1, dp=2, zero=3)
    constraints.update(extra)
    return TrainingProblem(
        "partial",
        tiny_spec(layers=8, heads=16, head_dim=128),
        parse_cluster({"pool": [{"gpu": gpu, "count": 2}]}, gpus_per_node=2),
        Workload(2, 4096),
        Constraints(**constraints),
        meta={},
    )


def test_the_least_fitting_k_is_chosen_when_selective_does_not_fit():
    prob = _pinned(5.25, partial_recompute=True)
    out = exact_search(prob, top_k=3)
    plan, q = out.ranked[0]
    assert out.complete and plan.recompute == "full" and plan.recompute_layers > 0
    assert verify(prob, plan) == []
    k = plan.recompute_layers
    # k is the least that fits, and neither keeping every activation nor selective fits
    assert not quick(prob, replace(plan, recompute_layers=k - 1 or 0, recompute="none")).fits
    if k > 1:
        assert not quick(prob, replace(plan, recompute_layers=k - 1)).fits
    assert not quick(prob, replace(plan, recompute="selective", recompute_layers=0)).fits
    # recomputing every layer fits but is slower
    full = quick(prob, replace(plan, recompute_layers=0))
    assert full.fits and full.objective > q.objective
    best, _plan, _n = brute_force(prob)
    assert q.objective == pytest.approx(best, rel=1e-9)
    settings_ = export(prob, plan, "megatron")["settings"]
    assert settings_["--recompute-method"] == "block"
    assert settings_["--recompute-num-layers"] == k
    assert plan.to_dict()["recompute_layers"] == k and f"full{k}" in plan.short()


def test_partial_recompute_is_off_unless_asked():
    plan, _q = exact_search(_pinned(5.25), top_k=1).ranked[0]
    assert plan.recompute_layers == 0


def test_a_fixed_k_is_kept():
    prob = _pinned(5.4, recompute_layers=5)
    plan, _q = exact_search(prob, top_k=1).ranked[0]
    assert (plan.recompute, plan.recompute_layers) == ("full", 5)
    assert verify(prob, plan) == []
    assert verify(prob, replace(plan, recompute_layers=4)) != []


@pytest.mark.parametrize(
    "bad", [dict(recompute_layers=-1), dict(recompute_layers=2, recompute="selective")]
)
def test_bad_recompute_layers_are_input_errors(bad):
    with pytest.raises(InputError, match="recompute_layers"):
        Constraints(**bad)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gpus=st.sampled_from([2, 4]),
    mem_gib=st.sampled_from([3, 5, 8]),
)
def test_search_with_partial_recompute_equals_brute_force(seed, gpus, mem_gib):
    rng = random.Random(seed)
    model = replace(tiny_model(rng), layers=rng.choice([4, 6]))
    cluster = parse_cluster(
        {"pool": [{"gpu": {"base": "A100", "memory_gib": mem_gib}, "count": gpus}]}
    )
    prob = TrainingProblem(
        "p",
        model,
        cluster,
        Workload(rng.choice([2, 4]), rng.choice([1024, 2048, 4096])),
        Constraints(partial_recompute=True, recompute=rng.choice([None, "full"])),
        meta={},
    )
    check_search_against_brute_force(prob)


def test_megatron_export_counts_recomputed_layers_per_virtual_stage():
    prob = _pinned(80)
    base = exact_search(prob, top_k=1).ranked[0][0]
    plan = replace(base, pp=2, dp=1, interleave=2, recompute="full", recompute_layers=3)
    plan = replace(plan, stage_layers=(4, 4), zero=1)
    out = export(prob, plan, "megatron")
    assert out["settings"]["--recompute-num-layers"] == 2  # ceil(3 / 2) per virtual stage
    assert any("per virtual stage" in n for n in out["notes"])
