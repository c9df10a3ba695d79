"""Heterogeneous search bounds: every node's bound is at most the best plan below it (brute force)."""

from __future__ import annotations

import heapq
import math
import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.core.timing import Deadline
from planner.perfmodel.hardware import parse_cluster
from planner.train.generate import tiny_model
from planner.train.hetero.search import _Search
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.step_time import quick

from .conftest import mixed_plans, tiny_moe_spec


def random_problem(rng: random.Random, objective: str = "time") -> TrainingProblem:
    """Two small pools (GPU types, memory or NIC speeds differ) and a tiny model."""
    if rng.random() < 0.35:  # MoE, possibly with leading dense layers (DeepSeek style)
        layers = rng.choice([2, 3, 4])
        model = tiny_moe_spec(layers=layers, dense_layers=rng.choice([0, 0, 1, 2][: layers + 1]))
    else:
        model = tiny_model(rng)
    if model.layers > 4:
        model = tiny_model(random.Random(rng.random()))
        object.__setattr__(model, "layers", 4)
    mem = rng.choice([None, 2, 4, 8])
    a = {"base": "A100"} if mem is None else {"base": "A100", "memory_gib": mem}
    if rng.random() < 0.3:  # same GPU type, two NIC speeds
        pools = [
            {"gpu": "H100", "count": rng.choice([1, 2, 4]), "name": "fast"},
            {
                "gpu": {"base": "H100", "nic_gbit_s": 100},
                "count": rng.choice([1, 2, 4]),
                "name": "slow",
            },
        ]
    else:
        pools = [
            {"gpu": "H100", "count": rng.choice([1, 2, 4])},
            {"gpu": a, "count": rng.choice([1, 2, 4]), "name": "A100"},
        ]
    return TrainingProblem(
        "b",
        model,
        parse_cluster({"pool": pools}),
        Workload(rng.choice([2, 4, 8]), rng.choice([256, 512])),
        Constraints(objective=objective, overlap_grad_reduce=rng.random() < 0.7),
        meta={"top_k": 2},
    )


def best_by_node(prob, keep=lambda plan: True):
    """Least objective of the fitting mixed plans (those ``keep`` accepts), per (cfg),
    (cfg, d) and (cfg, d, pools)."""
    best: dict[tuple, float] = {}
    for plan, cfg, d in mixed_plans(prob):
        if not keep(plan):
            continue
        q = quick(prob, plan)
        if not q.fits:
            continue
        for key in ((cfg,), (cfg, d), (cfg, d, plan.stage_pools)):
            best[key] = min(best.get(key, math.inf), q.objective)
    return best


@settings(max_examples=18, deadline=None)
@given(seed=st.integers(0, 100_000), objective=st.sampled_from(["time", "cost"]))
@example(seed=637, objective="time")  # negative tail envelopes once made fitting pipelines vanish
def test_every_node_bound_is_valid(seed, objective):
    rng = random.Random(seed)
    prob = random_problem(rng, objective)
    check_node_bounds(prob, best_by_node(prob))


def check_node_bounds(prob, best) -> set[tuple]:
    """Every node's bound is at most ``best`` below it, and no fitting pipeline is dropped;
    returns the pipeline nodes pushed."""
    search = _Search(prob, 1, Deadline(None))  # no incumbent: every node is pushed
    for _chunk in search.configs():  # every configuration, bounded
        pass
    seen_pipelines = set()
    while search.heap:
        bound, _n, kind, data = heapq.heappop(search.heap)
        if kind == "config":
            key = (data[0],)
        elif kind == "pipeline":
            key = (data[0], data[1], data[2])
            seen_pipelines.add(key)
        else:
            key = (data[0], data[1])
        assert bound <= best.get(key, math.inf) * (1 + 1e-9), (kind, key, bound, best.get(key))
        if kind == "config":
            search.expand_config(bound, *data)
        elif kind == "memory":
            search.expand_tail(bound, *data)
        elif kind == "pipelines":
            search.expand_memory(bound, *data)
    # no fitting pipeline was dropped by a bound of infinity
    fitting = {k for k in best if len(k) == 3}
    assert fitting <= seen_pipelines
    return seen_pipelines
