"""Due dates far outside [0, P]: the exact reduction, and the exact methods on such instances.

s25cert: ``d = -2**50`` made ``mip`` crash (HiGHS returned no row values, PuLP raised
IndexError) and ``d = -2**60`` made ``exact`` and ``auto`` crash (the exact kernel overflowed)
on six-job instances whose optimum a brute force finds at once; ``cpsat`` answered FEASIBLE
(its double bound lost the last units of an objective near 2**60; s25review).
"""

from __future__ import annotations

import itertools
import logging

import pytest

import planner
from planner.core.result import Status
from planner.smtt.instance import Instance
from planner.smtt.reduce import reduce_due_dates

from .strategies import brute_force

P = [3, 1, 4, 1, 5, 9]


def tardiness(inst: Instance, order) -> int:
    t = total = 0
    for j in order:
        t += inst.p[j]
        total += (inst.w[j] if inst.w else 1) * max(0, t - inst.d[j])
    return total


@pytest.mark.parametrize("w", [None, [1, 2, 1, 3, 1, 2]])
def test_reduction_shifts_every_order_by_the_offset(w):
    inst = Instance("far", p=P, d=[-(2**60), 2, 5, -30, 8, 10**15], w=w)
    reduced, offset = reduce_due_dates(inst)
    assert reduced.d == (-23, 2, 5, -23, 8, 46)
    assert offset == (1 if w is None else w[0]) * (2**60 - 23) + (1 if w is None else w[3]) * 7
    for order in itertools.permutations(range(6)):
        assert tardiness(inst, order) == tardiness(reduced, order) + offset


def test_ordinary_due_dates_are_left_alone():
    inst = Instance("near", p=P, d=[-23, 0, 5, 46, 8, 10])
    assert reduce_due_dates(inst) == (inst, 0)


@pytest.mark.parametrize("method", ["mip", "exact", "auto", "cpsat"])
@pytest.mark.parametrize(("k", "w"), [(50, None), (60, None), (60, [1, 2, 1, 3, 1, 2])])
def test_exact_methods_prove_the_brute_force_optimum(method, k, w):
    inst = Instance("far", p=P, d=[-(2**k), 2, 5, 3, 8, 10], w=w)
    optimum = brute_force(inst)
    logging.disable(logging.WARNING)  # a slow first solve is not what this test checks
    try:
        r = planner.solve(inst, method, time_limit=10, threads=1, seed=0)
    finally:
        logging.disable(logging.NOTSET)
    assert r.status is Status.OPTIMAL
    assert r.objective == optimum == r.bound
    assert "invalid_bound" not in r.stats
