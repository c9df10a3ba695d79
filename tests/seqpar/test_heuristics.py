"""Target filling, local search and the fixed-degree baselines."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from planner.core.timing import Deadline
from planner.seqpar import heuristics as H
from planner.seqpar.evaluate import evaluate, verify

from .strategies import brute_force, preset_instance, tiny_instances


def wiki_like(n: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lengths = rng.lognormal(6.2, 1.3, size=n).astype(np.int64) + 1
    lengths[:2] = (40_000, 15_000)
    return lengths


@settings(max_examples=25, deadline=None)
@given(tiny_instances())
def test_plans_are_valid_and_never_beat_the_optimum(inst):
    e = H.Engine(inst.array, inst.tables)
    found = H.greedy(e, Deadline(2))
    sol = e.solution(found[1])
    assert verify(inst, sol) == []
    assert (
        evaluate(inst, sol) * 1000 == found[0] or abs(evaluate(inst, sol) * 1000 - found[0]) < 1e-6
    )
    assert evaluate(inst, sol) >= brute_force(inst) - 1e-9


def test_descent_never_worsens_and_fill_respects_targets():
    inst = preset_instance(wiki_like().tolist(), gpus=32)
    e = H.Engine(inst.array, inst.tables)
    plan, _obj, _lam = H.bisect_fill(e, 2, 0.0, Deadline(2))
    assert plan is not None
    before = plan.objective_ms()
    e.descent(plan, Deadline(2))
    assert plan.objective_ms() <= before + 1e-9
    assert verify(inst, e.solution(plan)) == []
    # a target below every group's fixed time cannot be met
    assert e.fill(np.array([1.0, 1.0])) is None
    # memory-packing mode gives a valid plan too
    tight = e.fill(np.full(2, 1e9), tight=True)
    assert tight is not None and verify(inst, e.solution(tight)) == []


def test_fixed_degree_uses_only_that_degree_and_static_index():
    inst = preset_instance(wiki_like().tolist(), gpus=32, max_len=65_536)
    e = H.Engine(inst.array, inst.tables)
    j = H.static_degree_index(inst)
    assert (
        int(e.degrees[j]) * inst.tokens_per_gpu
        >= 65_536
        > int(e.degrees[j - 1]) * inst.tokens_per_gpu
    )
    obj, plan = H.fixed_degree(e, j, Deadline(2))
    sol = e.solution(plan)
    assert verify(inst, sol) == [] and {g.degree for mb in sol.microbatches for g in mb} == {
        int(e.degrees[j])
    }
    assert H.fixed_degree(e, 0, Deadline(1)) is None  # the 40K document does not fit one GPU
    best_j, best_obj, _ = H.adaptive(e, Deadline(3))
    assert best_obj <= obj + 1e-9 and np.all(e.dmin <= best_j)
    flexible, _ = H.greedy(e, Deadline(3))
    assert flexible <= best_obj * 1.05  # mixing degrees is no worse than one degree (up to search)
