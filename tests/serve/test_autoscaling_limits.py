"""Autoscaling limits of a day plan (s31bad): messages name the flag or keyword; no replica
at all is refused rather than planned as an OPTIMAL day that serves nothing."""

from __future__ import annotations

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.serve.day import Autoscaling

DAY = [
    "plan",
    "serve",
    "--model",
    "llama-3.1-8b",
    "--gpus",
    "H100:2",
    "--prompt-tokens",
    "600",
    "--output-tokens",
    "150",
    "--tpot",
    "50ms",
    "--profile",
    "1,2",
    "-t",
    "2",
]


def one_error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: "), err
    return lines[0]


def test_min_above_max_names_both_flags(capsys) -> None:
    line = one_error_line([*DAY, "--min-replicas", "3", "--max-replicas", "1"], capsys)
    assert "--max-replicas 1 is below --min-replicas 3" in line


def test_max_replicas_zero_is_refused(capsys) -> None:
    line = one_error_line([*DAY, "--max-replicas", "0"], capsys)
    assert line.startswith("planner: error: --max-replicas 0: no period could serve")


def test_library_names_the_keywords() -> None:
    with pytest.raises(InputError, match=r"^max_replicas 1 is below min_replicas 2$"):
        Autoscaling(min_replicas=2, max_replicas=1)
    with pytest.raises(InputError, match=r"^max_replicas 0: "):
        Autoscaling(max_replicas=0)
    with pytest.raises(InputError, match=r"^max_change must be an integer >= 0, got -1$"):
        Autoscaling(max_change=-1)


def test_limits_that_plan_are_kept() -> None:
    assert Autoscaling(min_replicas=0, max_replicas=1, max_change=0).max_replicas == 1
