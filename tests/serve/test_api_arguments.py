"""Library arguments of ``planner.serve.api.make_problem`` that raised TypeError (s15bad)."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError

SERVE = {"model": "llama-3.1-8b", "gpus": "H100:2", "qps": 2, "prompt_tokens": 512}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"qps": []}, "qps \\[\\]: must be a number"),  # was TypeError from float()
        ({"arrival_scv": {}}, "arrival_scv {}: must be a number"),
    ],
)
def test_serve_make_problem_names_a_bad_argument(kwargs, message):
    from planner.serve.api import make_problem

    with pytest.raises(InputError, match=message):
        make_problem(**{**SERVE, "output_tokens": 128, **kwargs})
