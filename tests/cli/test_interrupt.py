"""Ctrl-C in a command: exit 130 with a line saying so (and, for bench, where the rows are).

Typer turns a KeyboardInterrupt inside a command into a silent ``Exit(130)``, so the CLI's own
"planner: interrupted" never showed: an interrupted ``planner bench`` ended without a word about
its CSV or ``--resume`` (twenty-seventh session, s27walk).
"""

from __future__ import annotations

import importlib

import pytest

import planner.bench.runner
from planner.cli import main


def _interrupted(*args, **kwargs):
    raise KeyboardInterrupt


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_an_interrupted_bench_says_where_its_rows_are(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(planner.bench.runner, "run_bench", _interrupted)
    csv = tmp_path / "rows.csv"
    code, out, err = run(capsys, "bench", "smtt", "example.json", "--methods", "edd", "--csv", csv)
    assert code == 130 and out == ""
    assert f"bench interrupted: the finished runs are in {csv}; add --resume" in err
    assert err.rstrip().endswith("planner: interrupted")


def test_an_interrupted_bench_without_csv_says_nothing_was_kept(capsys, monkeypatch):
    monkeypatch.setattr(planner.bench.runner, "run_bench", _interrupted)
    code, _, err = run(capsys, "bench", "smtt", "example.json", "--methods", "edd")
    assert code == 130 and "no --csv was given, so the finished runs were not kept" in err


def test_an_interrupted_solve_says_so(capsys, monkeypatch):
    solve_module = importlib.import_module(
        "planner.core.solve"
    )  # `planner.core.solve` is the function
    monkeypatch.setattr(solve_module, "certify", _interrupted)
    code, _, err = run(capsys, "solve", "smtt", "example.json", "-m", "edd")
    assert code == 130 and err.strip() == "planner: interrupted"
