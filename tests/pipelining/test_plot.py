"""The reservation-table and warp-lane picture is written."""

from __future__ import annotations

from planner.core.solve import solve
from planner.pipelining.generate import generate
from planner.pipelining.plot import plot


def test_plot_writes_a_png(tmp_path):
    inst = generate(12, 3, 1, seed=4)[0]
    result = solve(inst, "ims", time_limit=5)
    assert result.solution is not None
    path = plot(inst, result, tmp_path / "sched.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
