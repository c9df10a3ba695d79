"""Megatron-Core trains MoE layers with tensor parallelism only with sequence parallelism
(``megatron/core/transformer/moe/moe_layer.py``: ``MoELayer.forward`` raises ``ValueError``):
verify rejects such plans and no search offers them."""

from __future__ import annotations

from dataclasses import replace

from planner.train.evaluate import verify
from planner.train.heuristics import rule_of_thumb
from planner.train.instance import TrainingPlan
from planner.train.search import exact_search
from planner.train.space import sequence_parallel_values

from .conftest import problem, tiny_moe_spec, tiny_spec


def _moe(**constraints):
    return problem(tiny_moe_spec(layers=2), gpus="8xA100", batch=8, seq=512, **constraints)


def test_verify_rejects_moe_tensor_parallel_without_sequence_parallel():
    prob = _moe()
    plan = TrainingPlan(tp=2, pp=1, dp=2, ep=2, sequence_parallel=False, stage_layers=(2,))
    assert any("needs sequence_parallel" in v for v in verify(prob, plan))
    assert verify(prob, replace(plan, sequence_parallel=True)) == []
    # a dense model may run TP without SP
    dense = problem(tiny_spec(layers=2), gpus="8xA100", batch=8, seq=512)
    flat = TrainingPlan(tp=2, pp=1, dp=2, sequence_parallel=False, stage_layers=(2,))
    assert verify(dense, flat) == []


def test_search_space_offers_sequence_parallel_only_for_moe_tp():
    prob = _moe()
    assert sequence_parallel_values(prob, 1, 1) == [False]
    assert sequence_parallel_values(prob, 2, 1) == [True]
    assert sequence_parallel_values(_moe(sequence_parallel=False), 2, 1) == []
    dense = problem(tiny_spec(layers=2))
    assert sequence_parallel_values(dense, 2, 1) == [False, True]


def test_no_search_returns_moe_tp_without_sequence_parallel():
    prob = _moe()
    out = exact_search(prob, top_k=50)
    assert out.seen and any(p.tp > 1 for p, _q in out.seen)  # TP plans were evaluated
    for plan, _q in out.seen:
        assert plan.tp == 1 or plan.sequence_parallel, plan.short()
    for plan, _q in out.ranked:
        assert verify(prob, plan) == []
    # a fixed "no SP" leaves the MoE model TP 1 only
    fixed = exact_search(_moe(sequence_parallel=False), top_k=50)
    assert fixed.ranked and all(p.tp == 1 for p, _q in fixed.seen)
    # the rule of thumb has no plan when TP 2 and no SP are both fixed
    assert rule_of_thumb(_moe(sequence_parallel=False, tp=2)) is None
    assert rule_of_thumb(_moe(tp=2)).sequence_parallel
