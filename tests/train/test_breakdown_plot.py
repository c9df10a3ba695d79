"""Stacked-bar plot of the step-time breakdown (``--plot-breakdown``, ``plan compare --plot``)."""

from __future__ import annotations

import itertools
import json

import pytest

from planner.core.errors import InputError
from planner.train.breakdown_plot import draw, segments, summary_bars

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")
PNG = b"\x89PNG\r\n\x1a\n"


def test_segments_stack_to_the_step_time():
    bars = [
        ("a", {"compute": 2.0, "bubble": 0.5, "tp_comm": 0.0, "custom": 0.25}),
        ("b", {"compute": 1.0, "tp_comm": 0.75}),
    ]
    labels, segs = segments(bars)
    assert labels == ["a", "b"]
    assert "tp_comm" in segs and "custom" in segs
    assert next(iter(segs)) == "compute"  # documented order, compute at the bottom
    for i, (_l, breakdown) in enumerate(bars):
        parts = [segs[k][i] for k in segs]
        top = max(b + h for b, h in parts)
        assert top == pytest.approx(sum(breakdown.values()))
        # segments touch: each starts where the previous ended
        for (b0, h0), (b1, _h1) in itertools.pairwise(parts):
            assert b1 == pytest.approx(b0 + h0)
    # a component that is zero everywhere is not drawn
    _labels, segs = segments([("a", {"compute": 1.0, "offload": 0.0})])
    assert list(segs) == ["compute"]


def test_plot_breakdown_cli(capsys, tmp_path):
    png = tmp_path / "bars.png"
    code, out, _err = run(capsys, *BASE, "-t", "20", "--json", "--plot-breakdown", str(png))
    assert code == 0 and png.read_bytes()[:8] == PNG
    d = json.loads(out)
    bars = summary_bars(d)
    assert len(bars) == 1 + len(d["alternatives"]) and bars[0][0].startswith("recommended")


def test_compare_plot_and_no_plan(capsys, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(capsys, *BASE, "-t", "20", "--out", str(a))[0] == 0
    assert run(capsys, *BASE, "-t", "20", "--fix", "tp=2", "--out", str(b))[0] == 0
    png = tmp_path / "cmp.png"
    code, _out, _err = run(capsys, "plan", "compare", str(a), str(b), "--plot", str(png))
    assert code == 0 and png.read_bytes()[:8] == PNG
    # an impossible pin has no plan: nothing is drawn, the command still reports the status
    none = tmp_path / "none.png"
    code, out, err = run(capsys, *BASE, "--fix", "tp=16", "--json", "--plot-breakdown", str(none))
    assert code == 0 and json.loads(out)["status"] == "INFEASIBLE"
    assert not none.exists() and len(err.strip().splitlines()) == 1
    assert f"--plot-breakdown {none} not written: " in err and "(INFEASIBLE: " in err
    with pytest.raises(InputError, match="no plan"):
        summary_bars({"status": "INFEASIBLE", "plan": None})


def test_draw_writes_atomically(tmp_path):
    path = draw([("x", {"compute": 1.0, "bubble": 0.2})], tmp_path / "sub" / "x.png")
    assert path.read_bytes()[:8] == PNG
    assert [p.name for p in path.parent.iterdir()] == ["x.png"]


def test_plot_breakdown_bad_path_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, *BASE, "--plot-breakdown", str(tmp_path / "bars.txt"))
    assert code == 2 and out == "" and "unsupported format" in err
    assert not (tmp_path / "bars.txt").exists()
