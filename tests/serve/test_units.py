"""Durations, percentiles and SLO parsing."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.serve.slo import SLO
from planner.serve.units import (
    MAX_TPOT_S,
    format_duration,
    parse_duration,
    parse_percentile,
    parse_slo,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("50ms", 0.05), ("250us", 250e-6), ("2min", 120.0), ("0.5", 0.5), (3, 3.0)],
)
def test_parse_duration(text, seconds):
    assert math.isclose(parse_duration(text, what="--ttft"), seconds)


@pytest.mark.parametrize("text", ["1x", "fast", "-5ms", "0s", "ms", "1e400s", ""])
def test_parse_duration_rejects(text):
    with pytest.raises(InputError, match="--tpot"):
        parse_duration(text, what="--tpot")


def test_parse_duration_messages():
    """An overflow was shown as "got '1e400ms' s" (a unit after the quoted text)."""
    with pytest.raises(InputError, match=r"got '1e400ms'$"):
        parse_duration("1e400ms", what="--tpot")
    with pytest.raises(InputError, match=r"got -1 s$"):
        parse_duration("-1s", what="--tpot")


def test_parse_duration_none_passes_through():
    assert parse_duration(None) is None


@given(st.floats(min_value=1e-6, max_value=1e4))
def test_format_roundtrip(seconds):
    text = format_duration(seconds).replace(" ", "")
    assert math.isclose(parse_duration(text), seconds, rel_tol=5e-3)


@pytest.mark.parametrize("bad", [0, 100, -1, "abc", float("nan")])
def test_percentile_bounds(bad):
    with pytest.raises(InputError):
        parse_percentile(bad)


def test_slo_from_dict_and_label():
    slo = SLO.from_dict({"ttft": "1s", "tpot": "50ms", "percentile": 99.9})
    assert slo.ttft_s == 1.0 and slo.tpot_s == 0.05 and slo.pct_label == "p99.9"
    assert SLO.from_dict(slo.to_dict()) == slo
    with pytest.raises(InputError, match="unknown field"):
        SLO.from_dict({"ttf": "1s"})


def test_slow_target_message_shows_the_value():
    """``--tpot 10001`` (10.001 s) was reported as "10 s is over 10 s"."""
    with pytest.raises(InputError, match=r"--tpot: 10\.001 s is over 10 s"):
        parse_slo("10001", what="--tpot", limit=MAX_TPOT_S, allow_slow=False)
    assert parse_slo("10001", what="--tpot", limit=MAX_TPOT_S, allow_slow=True) == 10.001
