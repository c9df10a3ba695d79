"""The sparse MIP builder: rows, bounds, integrality, relaxation."""

from __future__ import annotations

import pytest

from planner.core.result import Status
from planner.seqpar.model import Model


def test_small_mip_and_its_relaxation():
    m = Model()
    x = m.var(ub=10, integer=True, cost=-1.0)
    y = m.var(ub=10, integer=True, cost=-1.0)
    m.row([x, y, x], [1.0, 2.0, 1.0], hi=7.0)  # repeated index: 2x + 2y <= 7
    out = m.solve(time_limit=5)
    assert out.status is Status.OPTIMAL and out.objective == pytest.approx(-3.0)
    lp = m.solve(time_limit=5, relax=True)
    assert lp.objective == pytest.approx(-3.5)
    assert m.columns == 2 and m.rows == 1
