"""Fixtures of the offload tests."""

from __future__ import annotations

import pytest

from planner.offload.generate import generate
from planner.offload.instance import Instance


@pytest.fixture(scope="session")
def small() -> Instance:
    """A generated LLaDA2.0-mini-shaped trace, cut to 2 layers and 12 steps in blocks of 4."""
    return generate("llada2-mini", steps=12, layers=2, block_steps=4, seed=3)


@pytest.fixture(scope="session")
def short() -> Instance:
    """Six steps of one layer (plots and CLI round trips)."""
    return generate("llada2-mini", steps=6, layers=1, block_steps=3, seed=4)
