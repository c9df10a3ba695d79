"""Gantt plot: writes a PNG atomically, through the CLI too."""

from __future__ import annotations

import planner
from planner.smtt.plot import plot


def test_plot_writes_png(tmp_path, example):
    r = planner.solve(example, "mdd")
    out = plot(example, r, tmp_path / "gantt.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gantt.png"]  # no temp file left


def test_plot_accepts_a_solution_dict(tmp_path, example):
    r = planner.solve(example, "edd")
    r.solution = r.solution.to_dict()
    assert plot(example, r, tmp_path / "g.png").stat().st_size > 1000
