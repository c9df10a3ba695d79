"""Precisions."""

import pytest

from planner.core.errors import InputError
from planner.perfmodel.precision import get_precision


def test_bytes():
    assert get_precision("bf16").bytes == 2 and get_precision("fp8").bytes == 1
    assert get_precision("fp4").bytes == 0.5 and get_precision("bfloat16").name == "bf16"


def test_unknown():
    with pytest.raises(InputError, match="precision"):
        get_precision("int3")
