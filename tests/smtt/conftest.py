"""Fixtures of the SMTT tests."""

from __future__ import annotations

import pytest

from planner.smtt.instance import Instance
from planner.smtt.readers import read

from .strategies import INSTANCES


@pytest.fixture
def example() -> Instance:
    """The bundled 20-job example (negative due dates, known optimum)."""
    return read(INSTANCES / "example.json")[0]
