"""Benchmark charts: Dolan–Moré performance profiles and metrics against instance size.

The functions take plain data (computed by :mod:`planner.bench.plots`) and write
one PNG each, atomically; matplotlib is imported on the first figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from planner.plot.figures import pyplot, save_figure

#: Line styles cycled through (with the colours) so that equal curves stay visible.
STYLES = ("-", "--", "-.", ":")


def draw_profiles(
    time_ratios: Mapping[str, Sequence[float]],
    gaps_pct: Mapping[str, Sequence[float]],
    path: Path,
    *,
    title: str,
) -> Path:
    """Two performance profiles side by side, one curve per method.

    Parameters
    ----------
    time_ratios
        Per method, run time / fastest run time on each instance (``inf``:
        not solved).
    gaps_pct
        Per method, the gap of each run in percent (``inf``: no gap).
    """
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    finite = [x for rs in time_ratios.values() for x in rs if math.isfinite(x)]
    top = max(2.0, max(finite, default=2.0)) * 1.05
    for k, (method, rs) in enumerate(time_ratios.items()):
        xs, ys = step_points(rs, top)
        left.step(xs, ys, where="post", label=method, linestyle=STYLES[k % len(STYLES)])
    left.set_xscale("log", base=2)
    left.set_xlim(1, top)
    left.set_ylim(0, 1.02)
    left.set_xlabel("τ: run time / fastest method's run time (log scale)")
    left.set_ylabel("fraction of instances solved within τ")
    left.set_title("run time (Dolan–Moré)")
    finite = [g for gs in gaps_pct.values() for g in gs if math.isfinite(g) and g > 0]
    low = min(finite, default=0.01) / 2
    high = max(finite, default=1.0) * 1.5
    for k, (method, gs) in enumerate(gaps_pct.items()):
        xs, ys = step_points([max(g, low) for g in gs], high, start=low)
        right.step(xs, ys, where="post", label=method, linestyle=STYLES[k % len(STYLES)])
    right.set_xscale("log")
    right.set_xlim(low, high)
    right.set_ylim(0, 1.02)
    right.set_xlabel("x: gap to the basis (%, log scale; a zero gap is drawn at the left edge)")
    right.set_ylabel("fraction of runs with gap ≤ x")
    right.set_title("solution quality")
    for ax in (left, right):
        ax.grid(linestyle=":", linewidth=0.5)
    right.legend(fontsize=8, loc="lower right")
    fig.suptitle(f"{title}: performance profiles")
    fig.tight_layout()
    return save_figure(fig, path)


def draw_versus_size(
    series: Mapping[str, Mapping[float, float]],
    path: Path,
    *,
    title: str,
    size_label: str,
    ylabel: str,
    log_y: bool = False,
) -> Path:
    """One line per method: ``series[method][size] = value``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    sizes = [x for points in series.values() for x in points]
    for k, (method, points) in enumerate(series.items()):
        if points:
            xs = sorted(points)
            ys = [points[x] for x in xs]
            ax.plot(xs, ys, marker="o", label=method, linestyle=STYLES[k % len(STYLES)])
    if sizes and min(sizes) > 0 and max(sizes) / min(sizes) >= 20:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(size_label)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(linestyle=":", linewidth=0.5)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def step_points(
    values: Sequence[float], top: float, start: float = 1.0
) -> tuple[list[float], list[float]]:
    """The empirical distribution of ``values`` as step-plot points from ``start`` to ``top``
    (non-finite values never count)."""
    n = len(values) or 1
    finite = sorted(v for v in values if math.isfinite(v))
    xs, ys = [start], [0.0]
    for k, v in enumerate(finite, start=1):
        xs.append(max(v, start))
        ys.append(k / n)
    xs.append(top)
    ys.append(ys[-1])
    return xs, ys
