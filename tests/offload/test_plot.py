"""The plot: a PNG with all four panels, written atomically."""

from __future__ import annotations

import planner
from planner.offload.plot import plot


def test_plot_writes_png(tmp_path, short):
    r = planner.solve(short, "auto")
    out = plot(short, r, tmp_path / "offload.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["offload.png"]


def test_plot_accepts_a_solution_dict(tmp_path, short):
    r = planner.solve(short, "exact", time_limit=30)
    r.solution = r.solution.to_dict()
    assert plot(short, r, tmp_path / "e.png").stat().st_size > 10_000
