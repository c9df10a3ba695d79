"""Library arguments of ``planner.train.api.make_problem`` that raised TypeError or were kept
whatever they said (s15bad)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError

TRAIN = {"model": "gpt-1.7b", "cluster": "8xA100", "global_batch": 64, "seq_len": 1024}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top_k": 0}, "top_k 0: must be an integer from 1"),  # was kept
        ({"top_k": "x"}, "top_k 'x': must be an integer"),
        ({"gpus_per_node": "x"}, "--gpus-per-node 'x': must be an integer"),  # was TypeError
    ],
)
def test_train_make_problem_names_a_bad_argument(kwargs, message):
    from planner.train.api import make_problem

    with pytest.raises(InputError, match=message):
        make_problem(**{**TRAIN, **kwargs})
