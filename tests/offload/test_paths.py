"""The two-state path prices equal a brute force over every residency pattern of an expert."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.offload.paths import neighbourhood, path_excess


def pattern_costs(live, loadable, initial, rx, ry):
    """Cost of every feasible pattern of one expert (dict pattern -> cost)."""
    S = len(live)
    out = {}
    for bits in itertools.product((0, 1), repeat=S):
        if any(b and not ok for b, ok in zip(bits, live, strict=True)):
            continue
        cost, prev, feasible = 0.0, int(initial), True
        for s, b in enumerate(bits):
            if b and not prev:  # a rise needs a load
                if not loadable[s]:
                    feasible = False
                    break
                cost += ry[s]
            cost += rx[s] * b
            prev = b
        if feasible:
            out[bits] = cost
    return out


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_path_excess_equals_brute_force(data):
    E = data.draw(st.integers(1, 3))
    S = data.draw(st.integers(1, 5))
    live = np.array(data.draw(st.lists(st.booleans(), min_size=E * S, max_size=E * S))).reshape(
        E, S
    )
    loadable = live & np.array(
        data.draw(st.lists(st.booleans(), min_size=E * S, max_size=E * S))
    ).reshape(E, S)
    initial = np.array(data.draw(st.lists(st.booleans(), min_size=E, max_size=E)))
    vals = st.floats(-50, 50, allow_nan=False)
    rx = np.array(data.draw(st.lists(vals, min_size=E * S, max_size=E * S))).reshape(E, S)
    ry = np.array(data.draw(st.lists(st.floats(0, 50), min_size=E * S, max_size=E * S)))
    ry = ry.reshape(E, S)
    # a model's columns: x where live, y where loadable; one load row per live x (duals 0
    # here: the reduced costs are the prices themselves)
    xcol = np.full((E, S), -1)
    xcol[live] = np.arange(int(live.sum()))
    ycol = np.full((E, S), -1)
    ycol[loadable] = int(live.sum()) + np.arange(int(loadable.sum()))
    col_dual = np.concatenate([rx[live], ry[loadable]])
    excess = path_excess(xcol, ycol, np.full((E, S), -1), initial, col_dual, np.zeros(0))
    for e in range(E):
        costs = pattern_costs(live[e], loadable[e], initial[e], rx[e], ry[e])
        best = min(costs.values())
        for s in range(S):
            for state in (0, 1):
                through = [c for p, c in costs.items() if p[s] == state]
                if through:
                    assert excess[e, s, state] == __import__("pytest").approx(
                        min(through) - best, abs=1e-7
                    )
                else:
                    assert excess[e, s, state] > 1e20


def test_load_row_duals_are_added_back():
    # one expert, two steps, load rows with duals: the prices are the reduced costs plus the
    # load rows' part (x[s] is +1 in row s and -1 in row s + 1; y[s] is -1 in row s)
    xcol, ycol, rows = np.array([[0, 1]]), np.array([[2, 3]]), np.array([[0, 1]])
    row_dual = np.array([-3.0, -1.0])
    rx, ry = np.array([5.0, -20.0]), np.array([10.0, 10.0])
    col_dual = np.array(
        [
            rx[0] - row_dual[0] + row_dual[1],
            rx[1] - row_dual[1],
            ry[0] + row_dual[0],
            ry[1] + row_dual[1],
        ]
    )
    excess = path_excess(xcol, ycol, rows, np.array([False]), col_dual, row_dual)
    # patterns: 00 -> 0, 01 -> 10 - 20 = -10, 10 -> 15, 11 -> 15 - 20 = -5; best -10 (01)
    assert excess[0, 0].tolist() == [0.0, 5.0] and excess[0, 1].tolist() == [10.0, 0.0]
    lower, upper = neighbourhood(excess, xcol >= 0, 5.0)
    assert lower.tolist() == [0.0, 1.0] and upper.tolist() == [1.0, 1.0]
