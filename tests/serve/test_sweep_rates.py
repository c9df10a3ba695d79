"""``planner.serve.sweep`` rates: a boolean is not a rate (on main ``True`` was swept as
1 req/s, s28bad)."""

from __future__ import annotations

import pytest

import planner.serve as ps
from planner.core.errors import InputError


@pytest.mark.parametrize("rates", [[True, 2], [2, False]])
def test_a_boolean_rate_is_refused(rates):
    with pytest.raises(
        InputError, match=r"^sweep: rates must be positive numbers, got (True|False)"
    ):
        ps.sweep("llama-3.1-8b", ["H100"], rates, prompt_tokens=600, output_tokens=150, tpot="50ms")
