"""The plan picture: GPU lanes per group, written atomically."""

from __future__ import annotations

import planner
from planner.seqpar.plot import placement, plot

from .strategies import preset_instance


def test_placement_aligns_each_group():
    first = placement([1, 4, 2, 1, 8])
    assert first == [14, 8, 12, 15, 0]
    for d, f in zip([1, 4, 2, 1, 8], first, strict=True):
        assert f % d == 0


def test_plot_writes_png(tmp_path):
    inst = preset_instance([40_000, 3000, 800, 800, 500, 12_000, 300] * 3, gpus=16)
    res = planner.solve(inst, "ls", time_limit=1)
    out = plot(inst, res, tmp_path / "p.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
