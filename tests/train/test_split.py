"""Exact split solver: agrees with brute force over all layer splits."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.train.hetero.split import StageClass, solve_split


def _tau(L, c0, c1, k, w1):
    n = np.arange(L + 1, dtype=float)
    # convex: a max of affine pieces, like exposed_after(c, w) + optimizer
    return c0 + np.maximum(k * c1 * n, c1 * n - w1 * n + 0.5) + 0.1 * n


def _brute(L, m, classes, p, floors=(0.0, 0.0, 0.0)):
    stage_cls = {}
    for c in classes:
        for j, h in zip(c.stages, c.caps, strict=True):
            stage_cls[j] = (c, h)
    best = math.inf
    for split in itertools.product(range(1, L + 1), repeat=p):
        if sum(split) != L:
            continue
        umax, tmax, usum = floors
        ok = True
        for j, n in enumerate(split):
            c, h = stage_cls[j]
            if n > h:
                ok = False
                break
            u = c.a + c.b * n
            umax, usum, tmax = max(umax, u), usum + u, max(tmax, c.tau[n])
        if ok:
            best = min(best, (m - 1) * umax + usum + tmax)
    return best


@settings(max_examples=120, deadline=None)
@given(
    L=st.integers(2, 9),
    m=st.integers(1, 12),
    data=st.data(),
)
def test_split_matches_brute_force(L, m, data):
    p = data.draw(st.integers(1, min(L, 4)))
    n_cls = data.draw(st.integers(1, p))
    owner = [data.draw(st.integers(0, n_cls - 1)) for _ in range(p)]
    classes = []
    for i in range(n_cls):
        stages = [j for j in range(p) if owner[j] == i]
        caps = [data.draw(st.integers(0, L)) for _ in stages]
        classes.append(
            StageClass(
                a=data.draw(st.floats(0, 2)),
                b=data.draw(st.floats(0.1, 3)),
                tau=_tau(
                    L,
                    data.draw(st.floats(0, 1)),
                    data.draw(st.floats(0, 2)),
                    0.15,
                    data.draw(st.floats(0, 3)),
                ),
                stages=stages,
                caps=caps,
            )
        )
    floors = (0.0, 0.0, 0.0)
    if data.draw(st.booleans()):  # stages with a fixed split outside the problem
        floors = (
            data.draw(st.floats(0, 8)),
            data.draw(st.floats(0, 4)),
            data.draw(st.floats(0, 9)),
        )
    best = _brute(L, m, classes, p, floors)
    kw = dict(floor_u=floors[0], floor_tau=floors[1], fixed_sum_u=floors[2])
    got = solve_split(L, m, classes, **kw)
    if best == math.inf:
        assert got is None
        return
    assert got is not None
    assert got.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert sum(got.layers) == L and min(got.layers) >= 1
    for c in classes:
        for j, h in zip(c.stages, c.caps, strict=True):
            assert got.layers[j] <= h
    # pruning: nothing below the optimum is reported as better than it
    assert solve_split(L, m, classes, upper=best * (1 - 1e-9) - 1e-12, **kw) is None


def test_memory_caps_force_layers_to_the_back():
    L = 12
    tau = np.zeros(L + 1)
    front = StageClass(a=0.0, b=1.0, tau=tau, stages=[0, 1], caps=[2, 3])
    back = StageClass(a=0.0, b=1.0, tau=tau, stages=[2, 3], caps=[12, 12])
    got = solve_split(L, 8, [front, back])
    assert got is not None
    assert got.layers[:2] == [2, 3] and sum(got.layers[2:]) == 7
    assert max(got.layers[2:]) == 4
