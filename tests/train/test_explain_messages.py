"""A pinned context-parallel size the space refuses says which rule it breaks (it said only
"cp=64 is invalid for seq_len 8192")."""

from __future__ import annotations

import planner
from tests.train.conftest import problem, tiny_spec


def test_invalid_cp_names_the_rule():
    prob = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, seq=8192, cp=64)
    res = planner.solve(prob, method="auto", time_limit=10)
    assert res.status.value == "INFEASIBLE"
    assert "power of two up to 32" in res.reason and "256 tokens per rank" in res.reason
