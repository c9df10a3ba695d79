"""A small sparse MIP builder handed to HiGHS in one piece (rows built in Python, solved natively).

The seqpar models have thousands of small rows; building them as lists and
passing one ``HighsLp`` is much faster than adding rows one call at a time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

INF = math.inf


class Model:
    """Columns (bounds, cost, integrality) and rows ``lo ≤ Σ a·x ≤ hi``, minimized."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.cost: list[float] = []
        self.integer: list[bool] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []

    @property
    def columns(self) -> int:
        """Number of columns."""
        return len(self.lb)

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.row_lo)

    def var(
        self, lb: float = 0.0, ub: float = INF, cost: float = 0.0, integer: bool = False
    ) -> int:
        """Add a column; returns its index."""
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.lb) - 1

    def row(
        self, idx: Sequence[int], val: Sequence[float], lo: float = -INF, hi: float = INF
    ) -> None:
        """Add ``lo ≤ Σ val·x[idx] ≤ hi`` (indices may repeat; HiGHS sums them)."""
        merged: dict[int, float] = {}
        for i, v in zip(idx, val, strict=True):
            merged[i] = merged.get(i, 0.0) + float(v)
        self.index.extend(merged)
        self.value.extend(merged.values())
        self.starts.append(len(self.index))
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def solve(
        self,
        *,
        time_limit: float,
        threads: int = 1,
        seed: int = 0,
        relax: bool = False,
        start: Sequence[float] | None = None,
        mip_gap: float | None = None,
    ):
        """Solve with HiGHS; returns :class:`planner.core.mip.MipOutcome`.

        ``relax`` drops integrality (the LP relaxation); ``start`` is a complete
        MIP start in column order.
        """
        import highspy

        from planner.core.mip import new_highs, run_checked

        # new_highs sets planner.core.mip.MIP_FEASIBILITY_TOLERANCE (why: its comment)
        h = new_highs(time_limit=time_limit, threads=threads, seed=seed)
        if mip_gap is not None:
            h.setOptionValue("mip_rel_gap", float(mip_gap))
        lp = highspy.HighsLp()
        lp.num_col_ = self.columns
        lp.num_row_ = self.rows
        inf = highspy.kHighsInf
        lp.col_cost_ = np.asarray(self.cost, dtype=np.float64)
        lp.col_lower_ = np.clip(np.asarray(self.lb, dtype=np.float64), -inf, inf)
        lp.col_upper_ = np.clip(np.asarray(self.ub, dtype=np.float64), -inf, inf)
        lp.row_lower_ = np.clip(np.asarray(self.row_lo, dtype=np.float64), -inf, inf)
        lp.row_upper_ = np.clip(np.asarray(self.row_hi, dtype=np.float64), -inf, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.asarray(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(self.value, dtype=np.float64)
        if not relax and any(self.integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if t else highspy.HighsVarType.kContinuous
                for t in self.integer
            ]
        h.passModel(lp)
        return run_checked(h, None if relax else start)
