"""Exact 1||ΣwjTj against brute force on small instances."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.smtt.exact import solve_weighted
from planner.smtt.exact.outcome import tardiness, weighted_pairing_bound


@st.composite
def instances(draw, max_n: int = 7):
    n = draw(st.integers(1, max_n))
    pmax = draw(st.sampled_from([1, 3, 10, 100]))
    p = draw(st.lists(st.integers(0, pmax), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    total = sum(p)
    d = draw(st.lists(st.integers(-pmax, total + pmax), min_size=n, max_size=n))
    return p, d, w


def brute(p, d, w) -> int:
    return min(tardiness(p, d, o, w) for o in itertools.permutations(range(len(p))))


@settings(max_examples=150, deadline=None)
@given(instances())
def test_matches_brute_force(inst):
    p, d, w = inst
    out = solve_weighted(p, d, w, time_limit=20, threads=1)
    opt = brute(p, d, w)
    assert out.optimal
    assert sorted(out.order) == list(range(len(p)))
    assert tardiness(p, d, out.order, w) == out.objective == opt
    assert out.bound == opt
    assert weighted_pairing_bound(p, d, w) <= opt


def test_time_limit_keeps_valid_answer():
    n = 40
    p = [(j * 37) % 97 + 1 for j in range(n)]
    w = [(j * 7) % 10 + 1 for j in range(n)]
    total = sum(p)
    d = [(j * 53) % (total // 2) for j in range(n)]
    out = solve_weighted(p, d, w, time_limit=0.2, threads=1)
    assert sorted(out.order) == list(range(n))
    assert out.objective == tardiness(p, d, out.order, w)
    assert 0 <= out.bound <= out.objective
