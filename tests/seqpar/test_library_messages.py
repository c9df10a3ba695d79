"""A library call's bad argument is named by its keyword, a command line's by its flag.

The seqpar checks said ``--gpus: 60 is not a multiple ...`` to a library caller who passed
``gpus=60`` (s28bad); ``planner plan seqpar --gpus 60`` still reads ``--gpus``.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.seqpar.api import check_run

POOL = np.array([100, 200, 300])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"gpus": 60}, r"^gpus: 60 is not a multiple of the node size 8"),
        ({"gpus": 0}, r"^gpus: expected 1\.\."),
        ({"steps": 0}, r"^steps: need at least one step"),
        ({"max_len": 10}, r"^max_len: no document of at most 10 tokens"),
        ({"over": "clip"}, r"^over: expected drop or truncate"),
        ({"gpu": "H100"}, r"^gpu H100: FlexSP preset .* gpu applies to .* \(e\.g\. model "),
    ],
)
def test_library_messages_name_the_keyword(kwargs, match):
    args = {"batch": 2, "steps": 1, "gpus": 8, "max_len": 1000} | kwargs
    with pytest.raises(InputError, match=match) as exc:
        check_run(POOL, **args)
    assert "--" not in str(exc.value)
