"""Plots name instance and method in the title, label axes with units and explain colours."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.core import get_family, solve
from planner.core.specs import read_file

INSTANCES = Path(__file__).resolve().parents[2] / "instances"


@pytest.mark.parametrize(
    ("family", "file", "method"),
    [
        ("smtt", "smtt/example.json", "mdd"),
        ("rcpsp", "rcpsp/datacenter_migration.json", "auto"),
    ],
)
def test_plot_has_title_units_and_legend(family, file, method, tmp_path, monkeypatch):
    import importlib

    fam = get_family(family)
    module = importlib.import_module(f"planner.{family}.plot")
    figures = []
    real_save = module.save_figure

    def capture(fig, path):
        figures.append(fig)
        return real_save(fig, path)

    monkeypatch.setattr(module, "save_figure", capture)
    (inst,) = read_file(fam, INSTANCES / file)
    result = solve(inst, method, time_limit=2)
    out = fam.plot(inst, result, tmp_path / "p.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
    (fig,) = figures
    axes = fig.get_axes()
    title = axes[0].get_title()
    assert inst.name in title and f"method {method}" in title and str(result.objective) in title
    assert "(" in axes[-1].get_xlabel() and "unit" in axes[-1].get_xlabel()  # time with its unit
    legends = [ax.get_legend() for ax in axes if ax.get_legend() is not None]
    assert legends and all(len(leg.get_texts()) >= 2 for leg in legends)
