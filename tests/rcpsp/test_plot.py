"""The Gantt + resource-profile plot writes an image."""

from __future__ import annotations

from planner.core.solve import solve
from planner.rcpsp.plot import plot
from planner.rcpsp.readers import read

from .helpers import INSTANCES


def test_plot_writes_png(tmp_path):
    (inst,) = read(INSTANCES / "datacenter_migration.json")
    res = solve(inst, "auto", time_limit=5, threads=1)
    out = plot(inst, res, tmp_path / "g.png")
    assert out.exists() and out.read_bytes()[:4] == b"\x89PNG"
