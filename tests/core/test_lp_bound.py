"""Safe LP bounds: HiGHS's sign conventions, validity for any dual vector against an exact
(rational) optimum, closeness with HiGHS's own duals, and the overshoot they fix."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import highspy
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.core.lp_bound import (
    Lp,
    dual_objective_lower,
    from_highs_lp,
    highs_lp_bound,
    lp_lower_bound,
    sum_lower,
)
from planner.core.mip import new_highs, outcome
from planner.core.result import Status

INF = highspy.kHighsInf


def highs_of(lp: Lp, *, sense: int = 1, loose: bool = False) -> highspy.Highs:
    """``lp`` passed to a silent Highs (``sense`` -1: maximize ``-c``, the same LP negated)."""
    h = new_highs(time_limit=10)
    if loose:  # HiGHS then accepts a vertex whose reduced costs are off by up to 1e-3
        h.setOptionValue("dual_feasibility_tolerance", 1e-3)
        h.setOptionValue("primal_feasibility_tolerance", 1e-3)
        h.setOptionValue("presolve", "off")
    m = highspy.HighsLp()
    m.num_col_, m.num_row_ = len(lp.cost), len(lp.row_lower)
    m.col_cost_ = sense * lp.cost
    m.offset_ = sense * lp.offset
    m.col_lower_, m.col_upper_ = lp.col_lower, lp.col_upper
    m.row_lower_, m.row_upper_ = lp.row_lower, lp.row_upper
    order = np.lexsort((lp.rows, lp.cols))
    m.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    m.a_matrix_.start_ = np.searchsorted(lp.cols[order], np.arange(len(lp.cost) + 1)).astype(
        np.int32
    )
    m.a_matrix_.index_ = lp.rows[order].astype(np.int32)
    m.a_matrix_.value_ = lp.vals[order]
    if sense < 0:
        m.sense_ = highspy.ObjSense.kMaximize
    h.passModel(m)
    return h


def exact_optimum(lp: Lp) -> Fraction | None:
    """The LP optimum in rational arithmetic, by enumerating vertices (every column has a finite
    bound, so the polyhedron is pointed and a finite optimum sits at a vertex); ``None`` when
    no vertex is feasible."""
    n = len(lp.cost)
    a = np.zeros((len(lp.row_lower), n))
    a[lp.rows, lp.cols] = lp.vals
    planes = []  # (coefficients, right-hand side) of every finite side
    for i in range(len(lp.row_lower)):
        for side in (lp.row_lower[i], lp.row_upper[i]):
            if math.isfinite(side):
                planes.append(([Fraction(v) for v in a[i]], Fraction(side)))
    for j in range(n):
        for side in (lp.col_lower[j], lp.col_upper[j]):
            if math.isfinite(side):
                planes.append(([Fraction(int(k == j)) for k in range(n)], Fraction(side)))
    best = None
    for pick in itertools.combinations(planes, n):
        x = _solve([list(p[0]) for p in pick], [p[1] for p in pick])
        if x is None or not _feasible(lp, a, x):
            continue
        val = sum(Fraction(c) * v for c, v in zip(lp.cost, x, strict=True)) + Fraction(lp.offset)
        best = val if best is None or val < best else best
    return best


def _solve(m: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(m)]
    for c in range(n):
        p = next((r for r in range(c, n) if m[r][c] != 0), None)
        if p is None:
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [u - f * v for u, v in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _feasible(lp: Lp, a: np.ndarray, x: list[Fraction]) -> bool:
    for j, v in enumerate(x):
        if (math.isfinite(lp.col_lower[j]) and v < Fraction(lp.col_lower[j])) or (
            math.isfinite(lp.col_upper[j]) and v > Fraction(lp.col_upper[j])
        ):
            return False
    for i in range(a.shape[0]):
        ax = sum(Fraction(a[i, j]) * x[j] for j in range(len(x)))
        if (math.isfinite(lp.row_lower[i]) and ax < Fraction(lp.row_lower[i])) or (
            math.isfinite(lp.row_upper[i]) and ax > Fraction(lp.row_upper[i])
        ):
            return False
    return True


@st.composite
def small_lps(draw) -> Lp:
    """2-3 columns, 1-3 rows; integer data (costs scaled); rows <=, >=, ranged or equality;
    every column with at least one finite bound, some with an infinite one."""
    n = draw(st.integers(2, 3))
    m = draw(st.integers(1, 3))
    ints = st.integers(-4, 4)
    a = np.array([[draw(ints) for _ in range(n)] for _ in range(m)], dtype=float)
    # scales exact in binary: with 0.1, -0.1 x0 + 0.3 x2 over x0 <= 3 x2 is unbounded in the
    # floats' exact values (3 fl(0.1) > fl(0.3)), which the vertex enumeration cannot see
    cost = np.array([draw(ints) for _ in range(n)], dtype=float) * draw(
        st.sampled_from([1.0, 0.125, 1024.0])
    )
    lo, hi = [], []
    for _ in range(n):
        kind = draw(st.sampled_from(["box", "lower", "upper"]))
        low = draw(st.integers(-3, 0))
        lo.append(low if kind != "upper" else -INF)
        hi.append(low + draw(st.integers(0, 5)) if kind != "lower" else INF)
        if kind == "upper":
            hi[-1] = draw(st.integers(0, 5))
    rlo, rhi = [], []
    for _ in range(m):
        kind = draw(st.sampled_from(["le", "ge", "eq", "range"]))
        v = draw(st.integers(-6, 6))
        w = v + draw(st.integers(0, 4))
        rlo.append({"le": -INF, "ge": v, "eq": v, "range": v}[kind])
        rhi.append({"le": w, "ge": INF, "eq": v, "range": w}[kind])
    return Lp.dense(cost, a, lo, hi, rlo, rhi, offset=draw(st.sampled_from([0.0, 2.5])))


def test_highs_sign_conventions():
    # min x0 + 2 x1 s.t. x0 + x1 >= 2, x0 - x1 <= 1, x >= 0: both rows tight at (1.5, 0.5)
    lp = Lp.dense([1.0, 2.0], [[1, 1], [1, -1]], [0, 0], [INF, INF], [2, -INF], [INF, 1])
    h = highs_of(lp)
    h.run()
    sol = h.getSolution()
    y = np.asarray(sol.row_dual)
    assert y[0] > 0 and y[1] < 0  # >= row at its lower side: y >= 0; <= row at its upper: y <= 0
    a = np.array([[1.0, 1.0], [1.0, -1.0]])
    assert np.allclose(sol.col_dual, lp.cost - a.T @ y)  # col_dual = c - A^T y
    assert lp_lower_bound(lp, y) == pytest.approx(2.5, rel=1e-12) and lp_lower_bound(lp, y) <= 2.5
    hmax = highs_of(lp, sense=-1)  # max -c.x: the same LP, negated
    hmax.run()
    assert np.allclose(hmax.getSolution().row_dual, -y)
    up = highs_lp_bound(hmax)
    assert up >= -2.5 and up == pytest.approx(-2.5, rel=1e-12)


#: Only y = (0, -1/6) is dual feasible (x0 and x2 share a column, opposite infinite bounds):
#: no float vector gives a finite bound; the rational fallback does (was None)
NO_FLOAT_DUAL = Lp.dense(
    [0.5, -0.125, 0.5], [[-1, 4, -3], [-3, -1, -3]], [-INF, -3, -2], [1, 0, INF],
    [-INF, 0], [3, 1],
)  # fmt: skip
#: Needs the re-solve's anchor; before the anchor was made strict on every column the shift
#: towards it failed and the bound was the re-solve's own, 1.3e-5 below the optimum -19/7
NEEDS_STRICT_ANCHOR = Lp.dense(
    [0, -1, -1], [[-3, 0, -2], [4, -2, -3], [2, 4, -1]], [-INF, -INF, -2], [4, 4, INF],
    [-INF, 1, 5], [-3, 1, 6], offset=2.5,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(small_lps(), st.integers(0, 2**31 - 1))
@example(NO_FLOAT_DUAL, 0)
@example(NEEDS_STRICT_ANCHOR, 0)
def test_safe_bound_is_below_the_exact_optimum_for_any_duals(lp, seed):
    exact = exact_optimum(lp)
    h = highs_of(lp)
    h.run()
    if exact is None or h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return
    bound = highs_lp_bound(h)
    assert bound is not None and Fraction(bound) <= exact
    assert bound >= float(exact) - 1e-6 * (1 + abs(float(exact)))  # HiGHS's duals: tight
    rng = np.random.default_rng(seed)
    y = np.asarray(h.getSolution().row_dual)
    for scale in (1e-9, 1e-3, 1.0):  # any vector is a valid dual: never above the optimum
        z = y + scale * rng.normal(size=y.shape) * (1 + np.abs(y))
        value = lp_lower_bound(lp, z)
        assert value == -math.inf or Fraction(value) <= exact


def test_loose_tolerances_overshoot_the_optimum_and_the_safe_bound_does_not():
    # min 0.9999 x0 + x1 s.t. x0 + x1 >= 1000: optimum 999.9. At tolerance 1e-3 HiGHS stops
    # at x1 = 1000 (x0's reduced cost -1e-4 is "feasible") and reports 1000.0
    lp = Lp.dense([0.9999, 1.0], [[1, 1]], [0, 0], [INF, INF], [1000], [INF])
    h = highs_of(lp, loose=True)
    h.run()
    out = outcome(h)
    assert out.status is Status.OPTIMAL
    assert out.objective > 999.9 + 1e-3  # the objective is above the true LP value ...
    assert out.bound <= 999.9  # ... the bound (was the objective) is not
    assert out.bound >= 999.5


def test_rows_with_an_infinite_side_ignore_wrong_signed_duals():
    # y < 0 on a >= row would need its (infinite) upper side: that component counts as 0
    lp = Lp.dense([1.0], [[1.0]], [0], [10], [2], [INF])
    assert -1e-300 < lp_lower_bound(lp, np.array([-5.0])) <= 0.0
    assert -1e-300 < dual_objective_lower(lp.row_lower, lp.row_upper, np.array([-5.0])) <= 0.0
    assert lp_lower_bound(lp, np.array([1.0])) == pytest.approx(2.0) and (
        lp_lower_bound(lp, np.array([1.0])) <= 2.0
    )


def test_basic_columns_without_upper_bound_are_repaired_by_a_shift():
    # x0 = 1/3 is basic, its computed reduced cost c - a.y is a rounding error of either sign;
    # with u = inf the plain formula gives -inf half the time
    lp = Lp.dense([1.0, 1.0], [[3.0, 0.0], [0.0, 7.0]], [0, 0], [INF, INF], [1, 1], [INF, INF])
    y = np.array([1 / 3, 1 / 7])
    value = lp_lower_bound(lp, y)
    assert value <= 1 / 3 + 1 / 7 and value == pytest.approx(1 / 3 + 1 / 7, rel=1e-12)


def test_a_column_of_wrong_signed_cost_is_repaired_by_a_perturbed_resolve():
    # h has cost -1 and no upper bound, held down only by the rows (offload's overlap columns):
    # min x - h s.t. h - x <= 0, x in [0, 5]: optimum 0. Shifting y towards 0 cannot help
    # (h's own cost has the wrong sign); the tightened re-solve's duals are strictly feasible
    lp = Lp.dense([1.0, -1.0], [[-1.0, 1.0]], [0, 0], [5, INF], [-INF], [0])
    h = highs_of(lp)
    h.run()
    bound = highs_lp_bound(h)
    assert bound is not None and bound <= 0.0 and bound >= -1e-6


def test_rowwise_matrices_are_read():
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 2, 1
    lp.col_cost_ = np.array([1.0, 2.0])
    lp.col_lower_, lp.col_upper_ = np.zeros(2), np.full(2, 4.0)
    lp.row_lower_, lp.row_upper_ = np.array([3.0]), np.array([INF])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array([0, 2], dtype=np.int32)
    lp.a_matrix_.index_ = np.array([0, 1], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([1.0, 1.0])
    arrays, sense = from_highs_lp(lp)
    assert sense == 1.0 and arrays.rows.tolist() == [0, 0] and arrays.cols.tolist() == [0, 1]
    assert lp_lower_bound(arrays, np.array([1.0])) == pytest.approx(3.0)


def test_sum_lower_is_below_the_exact_sum():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.normal(size=50) * 10.0 ** rng.integers(-8, 8, size=50)
        assert Fraction(sum_lower(x)) <= sum(Fraction(v) for v in x)
    assert sum_lower(np.array([1.0, -math.inf])) == -math.inf
