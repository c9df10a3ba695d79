"""Benchmark figures written next to a ``--report`` (drawn by :mod:`planner.plot.benchmark`).

* ``<stem>_profiles.png``: Dolan–Moré performance profiles. Left, run time:
  for each method the fraction of instances it solved within a factor ``τ``
  of the fastest method on that instance (a run counts when it returned a
  verified solution or proved infeasibility; times below
  :data:`TIME_FLOOR_S` count as that floor). Right, solution quality: the
  fraction of runs whose gap to the basis (see :mod:`.report`) is at most
  ``x`` %.
* ``<stem>_gap_vs_size.png`` and ``<stem>_time_vs_size.png``: mean gap and mean
  run time of each method per instance size (the family's ``size``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from planner.bench.report import SOLVED, basis_values, run_gap_pct

#: Run times below this count as this (a ratio of two microsecond timings is noise).
TIME_FLOOR_S = 1e-3


def draw_all(
    rows: Sequence[Mapping[str, Any]], report: Path, *, title: str, size_label: str
) -> list[Path]:
    """Draw every figure for ``rows`` beside ``report``; return the files written."""
    from planner.plot.benchmark import draw_profiles, draw_versus_size

    stem = report.with_suffix("")
    out = [
        draw_profiles(
            time_ratios(rows),
            run_gaps(rows),
            stem.with_name(f"{stem.name}_profiles.png"),
            title=title,
        )
    ]
    if any(_num(r.get("size")) for r in rows):
        out.append(
            draw_versus_size(
                mean_by_size(rows, "gap"),
                stem.with_name(f"{stem.name}_gap_vs_size.png"),
                title=f"{title}: gap vs size",
                size_label=size_label,
                ylabel="mean gap to the basis (%)",
            )
        )
        out.append(
            draw_versus_size(
                mean_by_size(rows, "time"),
                stem.with_name(f"{stem.name}_time_vs_size.png"),
                title=f"{title}: run time vs size",
                size_label=size_label,
                ylabel="mean run time (s, log scale)",
                log_y=True,
            )
        )
    return out


def time_ratios(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per method, its time / the best time on each instance (``inf`` when it did not solve it)."""
    methods = _methods(rows)
    cost: dict[tuple[str, str], float] = {}
    for r in rows:
        ok = r["status"] in (*SOLVED, "INFEASIBLE") and _num(r.get("runtime_s"))
        cost[(r["instance"], r["method"])] = (
            max(float(r["runtime_s"]), TIME_FLOOR_S) if ok else math.inf
        )
    ratios: dict[str, list[float]] = {m: [] for m in methods}
    for name in sorted({r["instance"] for r in rows}):
        best = min(cost.get((name, m), math.inf) for m in methods)
        for m in methods:
            c = cost.get((name, m), math.inf)
            ratios[m].append(c / best if math.isfinite(c) else math.inf)
    return ratios


def run_gaps(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per method, the gap of each run in percent (``inf`` when it has no solution, or a
    non-zero objective against a zero basis)."""
    bases = basis_values(rows)
    gaps: dict[str, list[float]] = {m: [] for m in _methods(rows)}
    for r in rows:
        basis = bases.get(r["instance"])
        g = run_gap_pct(r, basis)
        if g is None and basis is not None and basis[0] == 0 and r.get("objective") == 0:
            g = 0.0  # matched a zero optimum or bound: no relative gap, but no gap either
        gaps[r["method"]].append(math.inf if g is None else max(g, 0.0))
    return gaps


def mean_by_size(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, dict[float, float]]:
    """Per method and instance size, the mean gap (``"gap"``) or run time (``"time"``)."""
    bases = basis_values(rows)
    sums: dict[str, dict[float, list[float]]] = {m: {} for m in _methods(rows)}
    for r in rows:
        if not _num(r.get("size")):
            continue
        if metric == "gap":
            value = run_gap_pct(r, bases.get(r["instance"]))
        else:
            value = r.get("runtime_s") if _num(r.get("runtime_s")) else None
        if value is not None:
            sums[r["method"]].setdefault(float(r["size"]), []).append(float(value))
    return {m: {x: sum(v) / len(v) for x, v in by.items()} for m, by in sums.items()}


def _methods(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["method"] for r in rows))


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
