"""Library entry points take any integer type (numpy's too), stored as Python ints (s30bad:
``make_problem(stage_layers=np.array([...]))`` was refused, ``positive_int`` took only int)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from planner.core.errors import InputError, positive_int
from planner.train import make_problem


def test_make_problem_takes_numpy_integers_and_stores_ints():
    p = make_problem(
        "llama-3.1-8b",
        "16xH100",
        global_batch=np.int64(64),
        seq_len=np.int32(2048),
        stage_layers=np.array([16, 16]),
        tp=np.int64(2),
    )
    assert p.constraints.stage_layers == (16, 16) and p.constraints.tp == 2
    values = [*p.constraints.stage_layers, p.constraints.tp, p.workload.global_batch]
    assert all(type(v) is int for v in [*values, p.workload.seq_len])
    json.dumps(p.to_dict())  # plain ints: the standard encoder takes them


def test_serving_constraints_take_numpy_integers():
    from planner.serve import make_problem as serving_problem

    q = serving_problem(
        "llama-3.1-8b", "H100:2", qps=1, prompt_tokens=100, output_tokens=10, max_tp=np.int64(2)
    )
    assert type(q.constraints.max_tp) is int and q.constraints.max_tp == 2


@pytest.mark.parametrize("bad", [np.float64(2.0), np.bool_(True), True, 0, np.int64(-1), "2"])
def test_still_refused(bad):
    with pytest.raises(InputError, match="must be a positive integer"):
        positive_int(bad, "x", allow_none=False)
