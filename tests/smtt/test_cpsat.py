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


def test_huge_weights_keep_cp_sat_proofs_and_valid_bounds():
    """Weights 2**50 + small parts (objective ~2**56): CP-SAT's double bound rounded past the
    verified objective, so its OPTIMAL proof was dropped (FEASIBLE), or below it (s16audit:
    11 of 15 such instances). The exact integer bound keeps the proof."""
    from planner import solve

    small = [16, 183, 512, 54, 246]
    inst = Instance(
        name="huge",
        p=[1, 3, 3, 1, 3],
        d=[0, 2, 5, 5, 2],
        w=[2**50 + s for s in small],
    )
    best = brute_force(inst)
    result = solve(inst, "cpsat", time_limit=5, threads=1)
    assert result.objective == best
    assert result.status.value == "OPTIMAL" and result.bound == best
