"""Uneven pipelines: interleaved chunks when p v does not divide the layers, and the problem's
software settings (Llama-3.1-405B's published layout is valid and fits)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.options import Software
from planner.perfmodel.readers import load_model
from planner.train.evaluate import verify
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.space import interleaves
from planner.train.step_time import chunk_layers, estimate, stage_layer_indices

from .conftest import problem, tiny_spec


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=2, max_size=6), st.integers(2, 4))
def test_chunks_partition_the_layers_in_model_order(stages, v):
    stages = tuple(stages)
    if min(stages) < v:
        return
    L = sum(stages)
    idx = stage_layer_indices(L, stages, v)
    # every layer once, each stage keeps its count, chunk sizes differ by at most one
    assert sorted(i for s in idx for i in s) == list(range(L))
    assert [len(s) for s in idx] == list(stages)
    for sizes in chunk_layers(stages, v):
        assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    # round-robin: the k-th chunk of every stage comes before the (k+1)-th of any stage
    sizes = chunk_layers(stages, v)
    starts = []
    for j, s in enumerate(idx):
        pos = 0
        for k in range(v):
            starts.append((s[pos], k, j))
            pos += sizes[j][k]
    ordered = sorted(starts)
    assert [(k, j) for _i, k, j in ordered] == sorted((k, j) for _i, k, j in ordered)


def test_first_and_last_chunks_are_the_short_ones():
    stages = (7,) + (8,) * 14 + (7,)
    sizes = chunk_layers(stages, 4)
    assert sizes[0] == [1, 2, 2, 2]  # next to the embedding
    assert sizes[-1] == [2, 2, 2, 1]  # next to the LM head and loss
    idx = stage_layer_indices(126, stages, 4)
    assert idx[0][0] == 0 and idx[-1][-1] == 125


def test_interleaving_allowed_when_layers_are_not_a_multiple():
    prob = problem(tiny_spec(layers=10), gpus="4xA100", batch=8)
    # 10 layers on 4 stages: 2 or 3 per stage; v = 2 splits each stage in two chunks
    assert 2 in interleaves(prob, 4, 8)
    assert 3 not in interleaves(prob, 4, 8)  # a 2-layer stage cannot hold 3 chunks
    assert interleaves(prob, 4, 6) == [1]  # microbatches must be a multiple of pp
    plan = TrainingPlan(
        tp=1, pp=4, dp=1, microbatch=1, interleave=2, stage_layers=(2, 3, 3, 2), zero=1
    )
    assert verify(prob, plan) == []
    bad = TrainingPlan(
        tp=1, pp=4, dp=1, microbatch=1, interleave=3, stage_layers=(2, 3, 3, 2), zero=1
    )
    assert any("at least 3 layers" in v for v in verify(prob, bad))


def test_llama3_405b_published_layout_is_valid_and_fits():
    # Llama 3 paper, Table 4: TP8 x PP16 x DP128 on 16,384 H100, 8K tokens, 16M tokens per
    # step; the first and the last stage hold one layer less (126 layers on 128 slots)
    model = load_model("llama-3.1-405b")
    prob = TrainingProblem(
        "l3",
        model,
        parse_cluster("16384xH100"),
        Workload(2048, 8192),
        Constraints(),
        software=Software(tp_overlap=True),
    )
    plan = TrainingPlan(
        tp=8,
        pp=16,
        dp=128,
        microbatch=1,
        interleave=4,
        recompute="selective",
        zero=1,
        sequence_parallel=True,
        stage_layers=(7,) + (8,) * 14 + (7,),
    )
    assert verify(prob, plan) == []
    est = estimate(prob, plan)
    one_f1b = estimate(prob, replace(plan, interleave=1))
    # interleaving shrinks the bubble of 16 microbatches on 16 stages
    assert est.bubble_time < 0.5 * one_f1b.bubble_time


def test_software_round_trips_and_rejects_unknown_keys():
    prob = problem()
    data = prob.to_dict()
    assert "software" not in data  # defaults are not written
    data["software"] = {"tp_overlap": True, "moment_bytes": 2}
    back = TrainingProblem.from_dict(data)
    assert back.software == Software(tp_overlap=True, moment_bytes=2.0)
    assert TrainingProblem.from_dict(back.to_dict()).software == back.software
    data["software"] = {"tp_overlapp": True}
    with pytest.raises(InputError, match="tp_overlapp"):
        TrainingProblem.from_dict(data)


@pytest.mark.parametrize("rc,v", [("none", 1), ("full", 1), ("selective", 2)])
def test_breakdown_adds_up_to_the_step_time(rc, v):
    prob = problem(tiny_spec(layers=8), gpus="8xA100", batch=16)
    plan = TrainingPlan(
        tp=2, pp=2, dp=2, microbatch=1, interleave=v, recompute=rc, zero=1, stage_layers=(4, 4)
    )
    assert verify(prob, plan) == []
    est = estimate(prob, plan)
    parts = est.breakdown
    assert sum(parts.values()) == pytest.approx(est.step_time, rel=1e-9)
    assert min(parts.values()) >= 0
    assert parts["compute"] > 0 and parts["bubble"] > 0 and parts["optimizer"] > 0
    assert (parts["recompute"] > 0) == (rc != "none")
    # causal attention counts half the square: fewer model FLOPs, lower MFU
    assert est.causal_model_flops < est.model_flops and est.mfu_causal < est.mfu
