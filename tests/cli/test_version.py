"""``planner --version``: what a new user types first (it was "No such option: --version")."""

from __future__ import annotations

import pytest

from planner import __version__
from planner.cli import main

from .test_startup import FAMILY_PACKAGES, HEAVY, modules_after


def test_version_prints_the_version_and_the_solvers_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0 and err == ""
    assert out.startswith(f"planner {__version__} (")
    assert "ortools " in out and "highspy " in out
    assert len(out.splitlines()) == 1


def test_version_imports_no_family_and_no_heavy_library():
    loaded = modules_after("--version")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith(FAMILY_PACKAGES)}
