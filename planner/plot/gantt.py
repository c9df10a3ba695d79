"""Gantt charts: one bar per task on labelled rows (machines, resources, warps, stages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bar:
    """One task on a Gantt chart.

    Attributes
    ----------
    row
        Row index (0 at the top).
    start, end
        Time span.
    label
        Text drawn inside the bar when it is wide enough.
    color
        Any matplotlib colour; ``None`` picks one from ``group``.
    group
        Bars of a group share a colour (e.g. microbatch, job).
    hatch
        Optional hatch pattern (e.g. tardy jobs).
    """

    row: int
    start: float
    end: float
    label: str = ""
    color: str | None = None
    group: int = 0
    hatch: str | None = None


def draw_gantt(
    ax: Any,
    bars: Sequence[Bar],
    *,
    row_labels: Sequence[str] | None = None,
    xlabel: str = "time",
    title: str = "",
) -> None:
    """Draw ``bars`` on ``ax``."""
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    width_total = max((b.end for b in bars), default=1.0) - min(
        (b.start for b in bars), default=0.0
    )
    for bar in bars:
        color = bar.color or cmap(bar.group % 20)
        ax.barh(
            bar.row,
            bar.end - bar.start,
            left=bar.start,
            height=0.8,
            color=color,
            edgecolor="black",
            linewidth=0.4,
            hatch=bar.hatch,
        )
        if bar.label and (bar.end - bar.start) > 0.025 * max(width_total, 1e-9):
            ax.text(
                (bar.start + bar.end) / 2,
                bar.row,
                bar.label,
                ha="center",
                va="center",
                fontsize=7,
                clip_on=True,
            )
    nrows = max((b.row for b in bars), default=0) + 1
    ax.set_ylim(nrows - 0.5, -0.5)
    ax.set_yticks(range(nrows))
    if row_labels is not None:
        ax.set_yticklabels(row_labels)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
