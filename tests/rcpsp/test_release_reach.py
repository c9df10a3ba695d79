"""The SGS arrays' earliest starts equal the whole-matrix formula they replaced.

``SgsData`` pushes releases along the lags, ``est_j = max(rel_j, max_i rel_i + D[i, j])``;
s27limits computed the maximum over blocks of rows (``_reach``) instead of one expression
with three n x n temporaries. Max is exact, so the integers must be the same, also past one
block (:data:`planner.rcpsp.network.WINDOW_ROWS` rows) and with deadlines and lags.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.rcpsp import generate as G
from planner.rcpsp.heuristics.data import SgsData
from planner.rcpsp.network import WINDOW_ROWS, distances


def _whole_matrix_est(inst) -> np.ndarray:
    rel = np.asarray(inst.release, dtype=np.int64)
    dist = distances(inst)
    reach = np.where(np.isfinite(dist), rel[:, None] + dist, -np.inf).max(axis=0, initial=0)
    return np.maximum(rel, reach.astype(np.int64))


@pytest.mark.parametrize("n, seed", [(12, 1), (40, 2), (WINDOW_ROWS + 3, 3)])
def test_sgs_earliest_starts_equal_the_whole_matrix_formula(n, seed):
    inst = G.generate(n, seed=seed, p_downtime=0.3, p_window=0.6, p_disjunctive=0.2)
    assert any(inst.release), "the releases must matter for the test to mean anything"
    got = SgsData.of(inst).fwd.rel
    assert got.dtype == np.int64 and np.array_equal(got, _whole_matrix_est(inst))
    assert not np.array_equal(got, inst.release)  # the lags pushed some job past its release
