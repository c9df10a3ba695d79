"""Decomposition heuristic: MDD evaluator, valid sequences, never below the optimum."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from planner.core.timing import Deadline
from planner.smtt import heuristics as H
from planner.smtt.decomposition import decompose, mdd_sequence, mdd_value
from planner.smtt.evaluate import evaluate
from planner.smtt.instance import Instance, Solution

from .strategies import brute_force, small_instances


def test_heap_mdd_matches_the_array_mdd():
    rng = np.random.default_rng(8)
    for _ in range(100):
        n = int(rng.integers(1, 40))
        # wide ranges: no ties, so both implementations must build the same sequence
        p, d = rng.integers(1, 10**6, n), rng.integers(-(10**6), 10**6 * n, n)
        inst = Instance("m", p=p, d=d)
        seq, value = mdd_sequence(list(inst.p), list(inst.d), range(n), 0)
        assert seq == H.mdd(p, d)
        assert value == evaluate(inst, Solution(seq))
    assert mdd_value([3, 1], [0, 0], [0, 1], 10) == (11 - 0) + (14 - 0)


@settings(max_examples=80, deadline=None)
@given(small_instances(max_n=7, weighted=False))
def test_decomposition_returns_a_sequence_never_below_the_optimum(inst: Instance):
    order = decompose(inst.p, inst.d)
    assert sorted(order) == list(range(inst.n))
    assert evaluate(inst, Solution(order)) >= brute_force(inst)


def test_decomposition_beats_mdd_on_generated_instances():
    from planner.smtt.generate import generate

    wins = ties = 0
    for inst in generate(60, 0.6, 0.4, count=10, seed=3, clip=True):
        p, d, _ = inst.arrays
        dec = evaluate(inst, Solution(decompose(p, d)))
        mdd = evaluate(inst, Solution(H.mdd(p, d)))
        wins += dec < mdd
        ties += dec == mdd
    assert wins >= 5, (wins, ties)


def test_expired_deadline_keeps_the_edd_order():
    p, d = [5, 3, 8, 2, 7], [4, 6, 3, 20, 9]
    edd = sorted(range(5), key=lambda j: (d[j], p[j], j))
    assert decompose(p, d, deadline=Deadline(0)) == edd
    assert decompose(p, d) != edd  # with time, the decomposition does better than EDD here
