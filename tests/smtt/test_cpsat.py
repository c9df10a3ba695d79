"""CP-SAT model: dominance pairs keep an optimum, the repaired hint respects them."""

from __future__ import annotations

import itertools

from hypothesis import given, settings

from planner.core.timing import Deadline
from planner.smtt import cpsat as C
from planner.smtt.evaluate import evaluate
from planner.smtt.instance import Instance, Solution

from .strategies import brute_force, small_instances


def respects(order, pairs):
    at = {j: k for k, j in enumerate(order)}
    return all(at[i] < at[j] for i, j in pairs)


@settings(max_examples=150, deadline=None)
@given(small_instances(max_n=6))
def test_dominance_pairs_keep_an_optimal_sequence(inst: Instance):
    pairs = C.dominance_pairs(inst)
    allowed = [o for o in itertools.permutations(range(inst.n)) if respects(o, pairs)]
    assert allowed, "the pairs must be acyclic"
    assert min(evaluate(inst, Solution(list(o))) for o in allowed) == brute_force(inst)


@settings(max_examples=100, deadline=None)
@given(small_instances(max_n=7))
def test_respect_pairs_repairs_without_loss(inst: Instance):
    start = list(range(inst.n))[::-1]
    fixed = C.respect_pairs(inst, start)
    assert sorted(fixed) == sorted(start)
    assert respects(fixed, C.dominance_pairs(inst))
    assert evaluate(inst, Solution(fixed)) <= evaluate(inst, Solution(start))


def test_model_without_redundant_parts_solves_too(example):
    small = Instance("s", p=example.p[:8], d=example.d[:8])
    a = C.solve_cpsat(small, time_limit=20, threads=1, seed=0, hint=None, dominance=False)
    b = C.solve_cpsat(small, time_limit=20, threads=1, seed=0, hint=None, dominance=True)
    assert a.objective == b.objective == brute_force(small)
    assert a.bound == b.bound == a.objective
    _, starts, late = C.build(small, dominance=False, objective_bound=False)
    assert len(starts) == len(late) == 8
    assert Deadline(1).remaining() > 0
