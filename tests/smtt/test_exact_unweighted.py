"""Exact 1||ΣTj (Branch & Memorize) against brute force on small instances."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.smtt.exact import solve_unweighted
from planner.smtt.exact.outcome import sorted_pairing_bound, tardiness


def brute(p: list[int], d: list[int]) -> int:
    return min(tardiness(p, d, o) for o in itertools.permutations(range(len(p))))


@st.composite
def instances(draw, max_n: int = 8):
    n = draw(st.integers(1, max_n))
    pmax = draw(st.sampled_from([1, 3, 10, 100]))  # small ranges force ties
    p = draw(st.lists(st.integers(0, pmax), min_size=n, max_size=n))
    total = sum(p)
    d = draw(st.lists(st.integers(-pmax, total + pmax), min_size=n, max_size=n))
    return p, d


def check(p: list[int], d: list[int]) -> None:
    out = solve_unweighted(p, d, time_limit=30)
    opt = brute(p, d)
    assert out.optimal
    assert sorted(out.order) == list(range(len(p)))
    assert tardiness(p, d, out.order) == out.objective == opt
    assert out.bound == opt


@settings(max_examples=300, deadline=None)
@given(instances(max_n=7))
def test_matches_brute_force(inst):
    check(*inst)


@settings(max_examples=40, deadline=None)
@given(instances(max_n=8))
def test_matches_brute_force_n8(inst):
    check(*inst)


def test_ties_zero_times_negative_due_dates():
    check([0, 0, 3, 3, 3, 0], [-2, 0, 3, 3, -1, 5])
    check([5, 5, 5, 5], [5, 5, 5, 5])
    check([0, 0, 0], [-1, -1, 0])


@settings(max_examples=100, deadline=None)
@given(instances(max_n=8))
def test_pairing_bound_is_valid(inst):
    p, d = inst
    assert sorted_pairing_bound(p, d) <= brute(p, d)


def test_time_limit_returns_incumbent_and_bound():
    # a 60-job instance cannot be solved in zero time; the answer must still be valid
    p = [(j * 37) % 97 + 1 for j in range(60)]
    total = sum(p)
    d = [(j * 53) % (total // 2) for j in range(60)]
    upper = sorted(range(60), key=lambda j: p[j])
    out = solve_unweighted(p, d, time_limit=0.0, upper_order=upper)
    assert sorted(out.order) == list(range(60))
    assert out.objective == tardiness(p, d, out.order)
    assert out.objective <= tardiness(p, d, upper)
    assert 0 <= out.bound <= out.objective
    assert not out.optimal or out.bound == out.objective


def test_medium_instance_agrees_with_decomposition_free_dp():
    # n = 12: compare with a Held-Karp DP over subsets (independent of Lawler's theory)
    p = [7, 3, 9, 1, 4, 9, 2, 6, 5, 9, 0, 3]
    d = [10, 5, 30, 2, 12, 25, 8, 20, 14, 40, -3, 11]
    n = len(p)
    total = [0] * (1 << n)
    for m in range(1, 1 << n):
        low = (m & -m).bit_length() - 1
        total[m] = total[m & (m - 1)] + p[low]
    best = [0] + [None] * ((1 << n) - 1)
    for m in range(1, 1 << n):
        c = total[m]
        b = None
        mm = m
        while mm:
            low = mm & -mm
            j = low.bit_length() - 1
            v = best[m ^ low] + max(0, c - d[j])
            if b is None or v < b:
                b = v
            mm ^= low
        best[m] = b
    out = solve_unweighted(p, d, time_limit=30)
    assert out.optimal and out.objective == best[-1]
