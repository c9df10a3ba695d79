"""Regressions found by review: a split the search cannot prove must not make it claim
OPTIMAL, and a start plan that breaks a fixed choice must not prune the plans that keep it."""

from __future__ import annotations

from dataclasses import replace

import planner
from planner.perfmodel.hardware import parse_cluster
from planner.train.evaluate import verify
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.step_time import quick
from tests.train.conftest import compositions, tiny_moe_spec, tiny_spec


def test_fallback_interleaved_split_is_not_claimed_optimal():
    """24 layers, 9 dense first, pp 4, v 2: more prefix placements than the exact split
    enumerates, so the balanced split stands in; a brute force over every split finds a
    faster one, so the bound must lie at or below it and the status may not be OPTIMAL
    unless the plan is that fast."""
    model = tiny_moe_spec(layers=24, experts=4, dense_layers=9)
    cluster = parse_cluster({"pool": [{"gpu": {"base": "A100", "memory_gib": 80}, "count": 4}]})
    fixed = Constraints(
        tp=1, pp=4, dp=1, cp=1, ep=1, microbatch=1, interleave=2, recompute="none", zero=1
    )
    prob = TrainingProblem("fallback", model, cluster, Workload(8, 1024), fixed, meta={})
    r = planner.solve(prob, method="exact", time_limit=30)
    best = min(
        q.objective
        for s in compositions(24, 4)
        if min(s) >= 2
        for q in [quick(prob, replace(r.solution, stage_layers=s))]
        if q.fits and not verify(prob, replace(r.solution, stage_layers=s))
    )
    assert r.bound <= best * (1 + 1e-9)
    if r.status.value == "OPTIMAL":
        assert r.objective <= best * (1 + 1e-9)


def test_fixed_shard_group_is_kept_by_every_method():
    """--fix shard_group: the rule-of-thumb start ignored it and, being faster, pruned every
    plan that keeps it (auto returned no plan)."""
    prob = TrainingProblem(
        "hsdp",
        tiny_spec(layers=4, heads=16, head_dim=128),
        parse_cluster("8xA100", gpus_per_node=2),
        Workload(64, 256),
        Constraints(shard_group=2, tp=1, pp=1, cp=1, zero=1, microbatch=1, use_all_gpus=True),
        meta={},
    )
    exact = planner.solve(prob, method="exact", time_limit=20)
    auto = planner.solve(prob, method="auto", time_limit=20)
    assert exact.status.value == "OPTIMAL"
    assert auto.solution is not None and auto.solution.shard_group == 2
    assert auto.objective <= exact.objective * (1 + 1e-9)
