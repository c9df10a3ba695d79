"""Fixtures of the pipelining tests."""

from __future__ import annotations

import pytest

from planner.pipelining.instance import Instance
from planner.pipelining.readers import read

from .strategies import INSTANCES


@pytest.fixture
def fa3() -> Instance:
    """The bundled FA3 forward kernel (H100)."""
    return read(INSTANCES / "fa3_fwd_hopper.json")[0]


@pytest.fixture
def fa4() -> Instance:
    """The bundled FA4 forward kernel (B200)."""
    return read(INSTANCES / "fa4_fwd_blackwell.json")[0]
