"""The console script pins BLAS to one thread unless the user chose a number."""

from __future__ import annotations

import os
import sys

import pytest

from planner import launcher


@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("4", "4")])
def test_launcher_pins_blas_threads_unless_set(monkeypatch, capsys, preset, expected):
    if preset is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", preset)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)  # restored after the test
    monkeypatch.setattr(sys, "argv", ["planner", "families"])
    with pytest.raises(SystemExit) as done:
        launcher.main()
    assert done.value.code == 0
    assert "rcpsp" in capsys.readouterr().out
    assert os.environ["OPENBLAS_NUM_THREADS"] == expected
