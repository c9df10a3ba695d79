"""evaluate / verify, written independently of any model."""

from __future__ import annotations

import itertools

import numpy as np

from planner.smtt.evaluate import evaluate, verify
from planner.smtt.instance import Instance, Solution
from planner.smtt.local_search import objective


def test_hand_computed_objective():
    inst = Instance("a", p=[3, 2, 4], d=[4, 2, 9])
    # order 1, 0, 2: completions 2, 5, 9 -> tardiness 0, 1, 0
    assert evaluate(inst, Solution([1, 0, 2])) == 1
    # order 2, 0, 1: completions 4, 7, 9 -> 0 + 3 + 7
    assert evaluate(inst, Solution([2, 0, 1])) == 10
    weighted = Instance("b", p=[3, 2, 4], d=[4, 2, 9], w=[2, 5, 1])
    assert evaluate(weighted, Solution([2, 0, 1])) == 3 * 2 + 7 * 5


def test_vectorized_objective_matches_reference():
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 30))
        inst = Instance(
            "r", p=rng.integers(0, 50, n), d=rng.integers(-50, 500, n), w=rng.integers(0, 10, n)
        )
        order = rng.permutation(n).tolist()
        assert objective(*inst.arrays, order) == evaluate(inst, Solution(order))


def test_verify_accepts_every_permutation():
    inst = Instance("a", p=[1, 2, 3], d=[0, 0, 0])
    for order in itertools.permutations(range(3)):
        assert verify(inst, Solution(list(order))) == []


def test_verify_names_each_problem():
    inst = Instance("a", p=[1, 2, 3], d=[0, 0, 0])
    assert any("appears twice" in v for v in verify(inst, Solution([0, 0, 1])))
    assert any("missing" in v and "2" in v for v in verify(inst, Solution([0, 0, 1])))
    assert any("out of range" in v for v in verify(inst, Solution([0, 1, 3])))
    assert any("expected 3" in v for v in verify(inst, Solution([0, 1])))
    assert any("not a job index" in v for v in verify(inst, Solution([0, 1, 2.0])))
    assert any("not a job index" in v for v in verify(inst, Solution([0, 1, True])))
    assert verify(inst, Solution([0, 1, 2, 2])) != []
