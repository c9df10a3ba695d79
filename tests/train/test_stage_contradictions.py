"""Equal stages asked for beside a pinned uneven split: bad input (exit 2), not UNKNOWN.

``--even-stages --stage-layers 10,14`` searched with the uneven pin, ``verify`` rejected every
plan and the run ended ``UNKNOWN: solution rejected by verify`` with exit 0 (s28bad).
"""

from __future__ import annotations

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.train.instance import Constraints

PLAN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024"]


@pytest.mark.parametrize(
    "pins",
    [
        ["--pp", "2", "--stage-layers", "10,14"],
        ["--fix", "pp=2,stage_layers=10:14"],
    ],
)
def test_even_stages_with_an_uneven_pin_names_both_flags(pins, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*PLAN, "-t", "2", "--threads", "1", "--even-stages", *pins])
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: "), err
    assert "--stage-layers" in lines[0] and "10,14" in lines[0] and "--even-stages" in lines[0]
    assert "UNKNOWN" not in out


def test_library_names_the_keywords():
    with pytest.raises(InputError, match=r"stage_layers 10,14 .*even_stages"):
        Constraints(pp=2, stage_layers=(10, 14), even_stages=True)


def test_a_framework_of_equal_stages_is_named():
    with pytest.raises(InputError, match=r"framework nemo"):
        Constraints(pp=2, stage_layers=(10, 14), framework="nemo")


def test_equal_pinned_stages_stay_allowed():
    c = Constraints(pp=2, stage_layers=(12, 12), even_stages=True)
    assert c.stage_layers == (12, 12)
