"""Rigorous (safe) bounds of a linear program from any dual vector.

A floating-point LP optimum carries the solver's tolerances (HiGHS: 1e-7 on primal and
dual feasibility), so the objective HiGHS reports can lie *above* the true LP value, and a
certificate bound taken from it can exceed the true optimum. Weak duality evaluated with
outward rounding does not depend on the solver at all (Neumaier & Shcherbina 2004, "Safe
bounds in linear and mixed-integer linear programming", Math. Program. 99:283-296): for

    min c.x + offset   s.t.   L <= A x <= U,   l <= x <= u

and *any* vector y, with reduced costs r = c - A^T y,

    c.x = r.x + y.(A x) >= sum_j min_{x_j in [l_j, u_j]} r_j x_j + sum_i min_{z in [L_i, U_i]} y_i z

so the right-hand side (computed so that rounding can only lower it) is a lower bound of
the LP, hence of any MIP whose relaxation it is. HiGHS's sign convention (checked in
``tests/core/test_lp_bound.py``): ``col_dual = c - A^T row_dual``; in a minimization a row
at its lower side has ``row_dual >= 0``, at its upper side ``<= 0``.

Float arithmetic: every dot product is bounded by the a-priori error of recursive
summation, ``|fl(x.y) - x.y| <= gamma_n |x|.|y|`` with ``gamma_n = n u / (1 - n u)``,
``u = 2^-53`` (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., eq. 3.5),
doubled to cover the rounding of the bound itself, plus one smallest subnormal per term for
underflow. So the reduced costs are intervals, each column contributes the least of its
four corner products, and the final sum is lowered by its own error bound.

Two choices keep the bound finite where the plain formula would give -inf:

* a dual whose row side is infinite (``y_i > 0`` with ``L_i = -inf``) is set to 0 -- any
  y is allowed, and this one costs nothing where HiGHS's dual is a tolerance-sized wrong
  sign;
* a column with an infinite bound needs a reduced cost of the right sign, which a basic
  column (reduced cost 0 up to rounding) misses half the time. Such a column is first
  settled in exact rational arithmetic (its reduced cost may be exactly 0); otherwise ``y``
  is shifted towards 0 (``(1 - t) y``, whose reduced costs are ``(1 - t) r + t c``), which
  repairs every such column whose own cost has the right sign (``c_j > 0`` for
  ``u_j = inf``) at a relative loss of about ``t`` (1e-15 for rounding-sized violations).
  For the columns it cannot repair (a cost of the wrong sign, as offload's hide columns),
  :func:`highs_lp_bound` re-solves once with those costs tightened by ``1e-6 (|c_j| + 1)``
  (whose duals are strictly feasible for the original, as Neumaier & Shcherbina suggest)
  and shifts HiGHS's duals towards those by the tiny fraction needed. Where no float vector
  is dual feasible at all (a free direction of exactly zero cost, whose dual needs
  ``y = -1/6``), a small LP's bound is evaluated in rational arithmetic from the simplest
  fractions near HiGHS's duals; otherwise the bound is -inf (``None``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction

import highspy
import numpy as np

from planner.core.highs_scheduler import highs_threads

#: Unit roundoff of IEEE double precision.
UNIT_ROUNDOFF = 2.0**-53
#: Smallest positive subnormal double: the largest absolute error of one underflowing product.
TINY = 2.0**-1074
#: Largest number of times the dual vector is shifted (each try multiplies the step by 16).
SHIFT_TRIES = 8
#: Most columns per evaluation whose reduced cost is settled exactly (rational arithmetic).
EXACT_COLUMNS = 200
#: Largest LP (nonzeros) whose bound :func:`highs_lp_bound` may evaluate in rational
#: arithmetic as a last resort (0.2 s of CPU at 20,000 nonzeros, measured at load 10).
RATIONAL_NONZEROS = 20_000
#: Share of the way from the re-solve's duals towards 0 that makes them a strict anchor
#: (far below the ``1e-6`` of the tightened costs, which it must not undo).
ANCHOR_PULL = 1e-9
#: Relative cost perturbations tried by :func:`highs_lp_bound` when shifting cannot repair.
EPSILONS = (1e-6, 1e-4)


def gamma(n: int) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``: relative error bound of an n-term dot product."""
    nu = n * UNIT_ROUNDOFF
    return nu / (1.0 - nu) if nu < 0.5 else math.inf


def sum_lower(terms: np.ndarray) -> float:
    """A float at most the exact sum of ``terms`` (-inf if any term is -inf)."""
    terms = np.asarray(terms, dtype=np.float64)
    if terms.size == 0:
        return 0.0
    if np.any(np.isneginf(terms)):
        return -math.inf
    total = float(np.sum(terms))
    err = 2.0 * gamma(terms.size + 1) * float(np.sum(np.abs(terms))) + terms.size * TINY
    return float(np.nextafter(total - err, -math.inf))


def row_side(row_lower: np.ndarray, row_upper: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` with every component whose row side is infinite set to 0 (0 for NaN too)."""
    y = np.nan_to_num(np.asarray(y, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo = np.asarray(row_lower, dtype=np.float64)
    hi = np.asarray(row_upper, dtype=np.float64)
    bad = ((y > 0) & ~np.isfinite(lo)) | ((y < 0) & ~np.isfinite(hi))
    return np.where(bad, 0.0, y)


def dual_objective_lower(row_lower: np.ndarray, row_upper: np.ndarray, y: np.ndarray) -> float:
    """``sum_i min_{z in [L_i, U_i]} y_i z``, rounded down: the row part of the dual objective.

    ``y`` must already satisfy the sign conditions (see :func:`row_side`); a component that
    does not is treated as 0. Column generation (where the LP's columns are not all known)
    uses this with a dual vector it has scaled to feasibility itself (Farley's bound).
    """
    y = row_side(row_lower, row_upper, y)
    side = np.where(y > 0, np.asarray(row_lower, dtype=np.float64), row_upper)
    with np.errstate(invalid="ignore"):  # 0 * inf where y_i = 0: masked
        return sum_lower(np.where(y != 0, y * side, 0.0))


@dataclass(frozen=True)
class Lp:
    """A minimization LP as plain arrays; ``A`` as coordinate triplets ``(rows, cols, vals)``."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    offset: float = 0.0

    @classmethod
    def dense(cls, cost, a, col_lower, col_upper, row_lower, row_upper, offset=0.0) -> Lp:
        """From a dense matrix ``a`` (``[rows, columns]``)."""
        a = np.atleast_2d(np.asarray(a, dtype=np.float64))
        r, c = np.nonzero(a)
        return cls(
            *(np.asarray(v, dtype=np.float64) for v in (cost, col_lower, col_upper)),
            *(np.asarray(v, dtype=np.float64) for v in (row_lower, row_upper)),
            r,
            c,
            a[r, c],
            float(offset),
        )


def from_highs_lp(lp: highspy.HighsLp) -> tuple[Lp, float]:
    """The arrays of a ``HighsLp`` and its sense (+1 minimize, -1 maximize); integrality is
    ignored (a bound of the relaxation bounds the MIP)."""
    m = lp.a_matrix_
    start = np.asarray(m.start_, dtype=np.int64)
    index = np.asarray(m.index_, dtype=np.int64)
    value = np.asarray(m.value_, dtype=np.float64)
    outer = np.repeat(np.arange(len(start) - 1), np.diff(start))
    nnz = int(start[-1]) if len(start) else 0
    index, value = index[:nnz], value[:nnz]
    rowwise = m.format_ == highspy.MatrixFormat.kRowwise
    rows, cols = (outer, index) if rowwise else (index, outer)
    sense = -1.0 if lp.sense_ == highspy.ObjSense.kMaximize else 1.0
    arrays = Lp(
        np.asarray(lp.col_cost_, dtype=np.float64),
        np.asarray(lp.col_lower_, dtype=np.float64),
        np.asarray(lp.col_upper_, dtype=np.float64),
        np.asarray(lp.row_lower_, dtype=np.float64),
        np.asarray(lp.row_upper_, dtype=np.float64),
        rows,
        cols,
        value,
        float(lp.offset_),
    )
    return arrays, sense


def _reduced_costs(lp: Lp, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intervals ``[lo, hi]`` enclosing the exact ``c - A^T y``."""
    n = len(lp.cost)
    aty = np.bincount(lp.cols, weights=lp.vals * y[lp.rows], minlength=n)
    mag = np.bincount(lp.cols, weights=np.abs(lp.vals * y[lp.rows]), minlength=n)
    per_col = np.bincount(lp.cols, minlength=n)
    r = lp.cost - aty
    err = 2.0 * gamma(int(per_col.max(initial=0)) + 2) * (np.abs(lp.cost) + mag)
    err += (per_col + 2) * TINY
    err[mag == 0] = 0.0  # no nonzero product: r_j = c_j exactly
    exact = err == 0
    lo = np.where(exact, r, np.nextafter(r - err, -np.inf))
    return lo, np.where(exact, r, np.nextafter(r + err, np.inf))


def _corner_min(r_lo: np.ndarray, r_hi: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Least ``rho * x`` over ``rho in [r_lo, r_hi]``, ``x in [lo, hi]`` (0 * inf = 0)."""
    out = None
    for rho in (r_lo, r_hi):
        for x in (lo, hi):
            with np.errstate(invalid="ignore"):
                p = np.where((rho == 0) | (x == 0), 0.0, rho * x)
            out = p if out is None else np.minimum(out, p)
    return out


def _column_terms(lp: Lp, y: np.ndarray) -> np.ndarray:
    """Each column's least ``r_j x_j``, rounded down; a column whose interval straddles 0 at
    an infinite bound is settled in exact rational arithmetic (up to :data:`EXACT_COLUMNS`
    of them): its reduced cost may well be exactly 0 (a degenerate dual) or of the right sign."""
    r_lo, r_hi = _reduced_costs(lp, y)
    terms = _corner_min(r_lo, r_hi, lp.col_lower, lp.col_upper)
    bad = np.flatnonzero(np.isneginf(terms))
    if 0 < len(bad) <= EXACT_COLUMNS:
        mine = np.flatnonzero(np.isin(lp.cols, bad))
        mine = mine[np.argsort(lp.cols[mine], kind="stable")]
        cuts = np.searchsorted(lp.cols[mine], bad, side="right")
        for j, sel in zip(bad, np.split(mine, cuts[:-1]), strict=True):
            terms[j] = _exact_term(lp, j, lp.vals[sel], y[lp.rows[sel]])
    return terms


def _exact_term(lp: Lp, j: int, a: np.ndarray, y: np.ndarray) -> float:
    """``min_{x in [l_j, u_j]} r_j x`` for the exact ``r_j = c_j - a.y``, rounded down."""
    r = Fraction(float(lp.cost[j])) - sum(
        (Fraction(float(u)) * Fraction(float(v)) for u, v in zip(a, y, strict=True)), Fraction(0)
    )
    if r == 0:
        return 0.0
    side = float(lp.col_lower[j] if r > 0 else lp.col_upper[j])
    if not math.isfinite(side):
        return -math.inf
    exact = r * Fraction(side)
    value = float(exact)  # nearest; step down if it rounded up
    return float(np.nextafter(value, -math.inf)) if Fraction(value) > exact else value


def lp_lower_bound(lp: Lp, y: np.ndarray, anchor: np.ndarray | None = None) -> float:
    """A rigorous lower bound of the minimization ``lp`` from the dual vector ``y``.

    Parameters
    ----------
    lp
        The LP (minimization; integrality, if any, is not part of it).
    y
        Any vector, one entry per row (HiGHS's ``row_dual``); its quality decides only how
        close the bound comes to the LP value, never whether it is valid.
    anchor
        Where ``y`` is shifted to when a column with an infinite bound has a reduced cost of
        the wrong sign (default 0, whose reduced costs are the costs themselves): a dual
        vector whose reduced costs have the right sign *strictly* on those columns.

    Returns
    -------
    float
        At most the exact optimum of ``lp`` (``-inf`` when no finite bound follows from
        ``y`` even after the shift; ``+inf`` never).
    """
    return _shift(lp, y, anchor)[0]


def _bound_terms(lp: Lp, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The bound from ``y`` (sign-fixed) and its column terms."""
    terms = _column_terms(lp, y)
    rows = dual_objective_lower(lp.row_lower, lp.row_upper, y)
    return sum_lower(np.concatenate([terms, [rows, lp.offset]])), terms


def _shift(lp: Lp, y: np.ndarray, anchor: np.ndarray | None) -> tuple[float, np.ndarray]:
    """``(bound, vector it came from)`` for ``(1 - t) y + t anchor`` with the least ``t`` of a
    geometric sequence that gives a finite bound (``t = 0`` first)."""
    y = row_side(lp.row_lower, lp.row_upper, y)
    z = np.zeros_like(y) if anchor is None else row_side(lp.row_lower, lp.row_upper, anchor)
    # the anchor's reduced costs, signed so that > 0 means "strictly right" for each bound
    z_lo, z_hi = (lp.cost, lp.cost) if anchor is None else _reduced_costs(lp, z)
    best, yt = -math.inf, y
    t = 0.0
    for _ in range(SHIFT_TRIES + 1):
        yt = y if t == 0 else (1.0 - t) * y + t * z
        value, terms = _bound_terms(lp, yt)
        best = max(best, value)
        bad = np.isneginf(terms)
        if not bad.any():
            return best, yt
        # r((1 - t) y + t z) = (1 - t) r(y) + t r(z): only columns where the anchor's reduced
        # cost is strictly of the right sign can be repaired
        up = np.isposinf(lp.col_upper[bad])
        down = np.isneginf(lp.col_lower[bad])
        gain = np.where(up, z_lo[bad], -z_hi[bad])
        if np.any(up & down) or np.any(gain <= 0):
            break
        r_lo, r_hi = _reduced_costs(lp, yt)
        short = np.where(up, -r_lo[bad], r_hi[bad])  # how far each is on the wrong side
        need = float(np.max(short / (gain + short)))
        t = min(1.0, max(16.0 * t, 4.0 * need, 1e-15))
        if t >= 1.0:
            value, terms = _bound_terms(lp, z)
            return max(best, value), z
    return best, yt


def offending_columns(lp: Lp, y: np.ndarray) -> np.ndarray:
    """Boolean mask of the columns whose infinite bound meets a reduced cost of the wrong
    sign (their term is -inf) under ``y`` (after :func:`row_side`)."""
    return np.isneginf(_column_terms(lp, row_side(lp.row_lower, lp.row_upper, y)))


def highs_lp_bound(h: highspy.Highs, *, time_limit: float = 10.0) -> float | None:
    """A rigorous bound of the LP (relaxation) solved in ``h``: a lower bound when it
    minimizes, an upper bound when it maximizes; ``None`` without valid duals or when no
    finite bound is found.

    ``h`` must have run; its duals (``getSolution().row_dual``) are used whatever its status
    (the bound is valid for any vector). When some column with an infinite bound keeps a
    reduced cost of the wrong sign that shifting towards 0 cannot repair (its own cost has
    the wrong sign, see the module notes), the LP is solved once more, warm from ``h``'s
    basis within ``time_limit`` seconds, with those columns' costs moved by
    ``epsilon (|c_j| + 1)`` (each ``epsilon`` of :data:`EPSILONS` in turn) towards the side
    that makes their reduced costs strictly feasible; HiGHS's duals are then shifted towards
    that LP's (by a tiny fraction: the bound stays HiGHS's up to rounding).
    """
    sol = h.getSolution()
    if not sol.dual_valid:
        return None
    lp_obj = h.getLp()
    lp, sense = from_highs_lp(lp_obj)
    if sense < 0:  # max c.x = -min (-c).x, whose duals are -y
        lp = replace(lp, cost=-lp.cost, offset=-lp.offset)
    y = sense * np.asarray(sol.row_dual, dtype=np.float64)
    value, yt = _shift(lp, y, None)
    if math.isinf(value):
        # every column a shift towards 0 cannot keep right-signed is tightened, not only the
        # offending ones: a later shift would push those with a reduced cost of exactly 0
        # (settled exactly now) to the wrong side
        up = np.isposinf(lp.col_upper) & np.isfinite(lp.col_lower) & (lp.cost <= 0)
        down = np.isneginf(lp.col_lower) & np.isfinite(lp.col_upper) & (lp.cost >= 0)
        if np.any(np.isneginf(_column_terms(lp, yt)) & (up | down)):
            value = _anchored(h, lp_obj, lp, sense, y, up, down, time_limit)
    if math.isinf(value) and len(lp.vals) <= RATIONAL_NONZEROS:
        value = rational_bound(lp, y)
    if not math.isfinite(value):
        return None
    return sense * value


def rational_bound(lp: Lp, y: np.ndarray, max_denominator: int = 10**6) -> float:
    """The bound from the simplest fractions near ``y``, evaluated exactly, rounded down.

    The last resort of :func:`highs_lp_bound`: when the only dual feasible points are not
    floats (two columns with opposite infinite bounds and the same column: their reduced
    costs must both be exactly 0, e.g. ``0.5 + 3 y = 0``), no float vector gives a finite
    bound, but the fraction HiGHS's float approximates (-1/6) does.
    """
    m = len(lp.row_lower)
    yq = [Fraction(float(v)).limit_denominator(max_denominator) for v in np.nan_to_num(y)]
    total = Fraction(float(lp.offset))
    for i in range(m):
        side = lp.row_lower[i] if yq[i] > 0 else lp.row_upper[i]
        if yq[i] != 0 and not math.isfinite(side):
            yq[i] = Fraction(0)
        elif yq[i] != 0:
            total += yq[i] * Fraction(float(side))
    r = [Fraction(float(c)) for c in lp.cost]
    for i, j, v in zip(lp.rows.tolist(), lp.cols.tolist(), lp.vals.tolist(), strict=True):
        if yq[i]:
            r[j] -= Fraction(v) * yq[i]
    for j, rj in enumerate(r):
        if rj:
            side = lp.col_lower[j] if rj > 0 else lp.col_upper[j]
            if not math.isfinite(side):
                return -math.inf
            total += rj * Fraction(float(side))
    value = float(total)
    return float(np.nextafter(value, -math.inf)) if Fraction(value) > total else value


def _anchored(h, lp_obj, lp: Lp, sense: float, y, up, down, limit: float) -> float:
    """The bound from ``y`` shifted towards the duals of the LP with the ``up`` / ``down``
    columns' costs tightened (see :func:`highs_lp_bound`), or from those duals alone."""
    deadline = time.perf_counter() + float(limit)  # the re-solves share the limit
    basis = h.getBasis()
    g = highspy.Highs()  # h exists, so HiGHS's banner was printed (or silenced) already
    g.setOptionValue("output_flag", False)
    g.setOptionValue("threads", highs_threads(1))  # the process's one count (HiGHS)
    g.setOptionValue("solve_relaxation", True)
    g.passModel(lp_obj)
    cols = np.flatnonzero(up | down).astype(np.int32)
    best = -math.inf
    for eps in EPSILONS:
        shift = eps * (np.abs(lp.cost[cols]) + 1.0)
        cost = lp.cost[cols] + np.where(up[cols], -shift, shift)
        g.changeColsCost(len(cols), cols, sense * cost)
        left = deadline - time.perf_counter()
        if left < 0.01:
            break
        g.setOptionValue("time_limit", left)
        if basis.valid:
            g.setBasis(basis)
        g.run()
        sol = g.getSolution()
        if not sol.dual_valid:
            break
        value, anchor = _shift(lp, sense * np.asarray(sol.row_dual, dtype=np.float64), None)
        if math.isfinite(value):
            # strictly right-signed on every column with an infinite bound: a reduced cost
            # that is exactly 0 (settled exactly) would not survive the float mixing below
            anchor = (1.0 - ANCHOR_PULL) * anchor
            return max(value, _shift(lp, y, anchor)[0])
    return best
