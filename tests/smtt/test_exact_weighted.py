"""Exact 1||ΣwjTj against brute force on small instances."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.smtt.bounds import pairing_bound
from planner.smtt.evaluate import tardiness
from planner.smtt.exact import solve_weighted


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


@settings(max_examples=80, deadline=None)
@given(instances())
def test_matches_brute_force(inst):
    p, d, w = inst
    out = solve_weighted(p, d, w, time_limit=20, threads=1)
    opt = brute(p, d, w)
    assert out.optimal
    assert sorted(out.order) == list(range(len(p)))
    assert tardiness(p, d, out.order, w) == out.objective == opt
    assert out.bound == opt
    assert min(w) * pairing_bound(p, d) <= opt


@settings(max_examples=40, deadline=None)
@given(instances())
def test_cpsat_stage_matches_brute_force(inst):
    from planner.smtt.exact.weighted import cpsat_weighted, dominance_pairs

    p, d, w = inst
    p = [max(1, x) for x in p]  # the stage's contract: zero-length jobs removed beforehand
    order, obj, bound, optimal, _ = cpsat_weighted(
        p, d, w, time_limit=20, precedences=dominance_pairs(p, d, w)
    )
    assert optimal and obj == bound == brute(p, d, w) == tardiness(p, d, order, w)


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


@settings(max_examples=100, deadline=None)
@given(instances(max_n=7))
def test_dominance_pairs_keep_an_optimal_sequence(inst):
    from planner.smtt.exact.weighted import dominance_pairs

    p, d, w = inst
    pairs = dominance_pairs(p, d, w)
    best_all = brute(p, d, w)
    ok = []
    for o in itertools.permutations(range(len(p))):
        where = {j: k for k, j in enumerate(o)}
        if all(where[i] < where[j] for i, j in pairs):
            ok.append(tardiness(p, d, o, w))
    assert ok and min(ok) == best_all


@settings(max_examples=60, deadline=None)
@given(instances(max_n=7))
def test_lagrangian_bound_is_valid(inst):
    from planner.smtt.exact.lagrange import lagrangian_bound

    p, d, w = inst
    keep = [j for j in range(len(p)) if p[j] > 0]
    p, d, w = [p[j] for j in keep], [d[j] for j in keep], [w[j] for j in keep]
    opt = brute(p, d, w) if p else 0
    upper = opt + 5  # any upper value works; the bound must stay below the optimum
    assert 0 <= lagrangian_bound(p, d, w, upper=upper, time_limit=1.0) <= opt


def test_lagrangian_bound_is_tight_on_a_tardy_instance():
    from planner.smtt.exact.lagrange import lagrangian_bound

    # every job is late whatever the order: the bound should be close to the optimum
    p = [4, 7, 2, 9, 5, 3, 8]
    w = [3, 1, 4, 2, 5, 2, 1]
    d = [1, 2, 1, 3, 2, 1, 2]
    opt = brute(p, d, w)
    lb = lagrangian_bound(p, d, w, upper=opt + 50, time_limit=2.0)
    assert 0.95 * opt <= lb <= opt


def test_a_short_time_limit_gives_a_valid_answer_at_n_100():
    """The time taken is measured in ``bench/time_limits.py``; here: a valid order and bound."""
    import random

    rng = random.Random(3)
    p = [rng.randint(1, 100) for _ in range(100)]
    w = [rng.randint(1, 10) for _ in range(100)]
    total = sum(p)
    d = [rng.randint(int(0.2 * total), int(0.6 * total)) for _ in range(100)]
    out = solve_weighted(p, d, w, time_limit=0.3, threads=1)
    assert sorted(out.order) == list(range(100))
    assert out.bound <= out.objective == tardiness(p, d, out.order, w)
