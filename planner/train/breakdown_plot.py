"""Stacked-bar plot of step-time breakdowns: the plan and its alternatives (or two compared plans).

One bar per plan, one coloured segment per component of ``breakdown``
(compute, recompute, exposed TP / CP / EP / PP / DP communication, offload,
bubble, optimizer, embedding sync); the segments of a bar add up to its step
time. matplotlib loads on the first plot (:func:`planner.plot.figures.pyplot`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.train.step_time import BREAKDOWN_KEYS

#: Components in drawing order (bottom to top); unknown keys follow in their own order.
ORDER = BREAKDOWN_KEYS


def segments(
    bars: Sequence[tuple[str, Mapping[str, float]]],
) -> tuple[list[str], dict[str, list[tuple[float, float]]]]:
    """Stacking of ``bars`` (``(label, breakdown)``): labels and, per component, the
    ``(bottom, height)`` of its segment in every bar (zero-height where absent).

    Components that are zero in every bar are left out.
    """
    keys = [k for k in ORDER if any(b.get(k, 0.0) > 0 for _l, b in bars)]
    keys += [
        k
        for _l, b in bars
        for k in b
        if k not in ORDER and k not in keys and any(x.get(k, 0.0) > 0 for _m, x in bars)
    ]
    keys = list(dict.fromkeys(keys))
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in keys}
    for _label, breakdown in bars:
        bottom = 0.0
        for key in keys:
            height = max(0.0, float(breakdown.get(key, 0.0)))
            out[key].append((bottom, height))
            bottom += height
    return [label for label, _b in bars], out


def summary_bars(summary: Mapping[str, Any]) -> list[tuple[str, Mapping[str, float]]]:
    """``(label, breakdown)`` of a plan summary's plan and of each alternative."""
    from planner.train.compare import label

    if summary.get("plan") is None:
        raise InputError(f"no plan to draw (status {summary.get('status')})")
    bars = [(f"recommended\n{label(summary)}", summary["breakdown"])]
    for alt in summary.get("alternatives", []):
        if alt.get("breakdown"):
            bars.append((alt["label"], alt["breakdown"]))
    return bars


def draw(
    bars: Sequence[tuple[str, Mapping[str, float]]], path: str | Path, *, title: str = ""
) -> Path:
    """Draw ``bars`` as stacked bars (seconds per step) into ``path`` (atomic write)."""
    from planner.plot.figures import new_figure, pyplot, save_figure

    labels, segs = segments(bars)
    fig, (ax,) = new_figure(width=max(6.0, 1.6 * len(labels) + 3), height=4.5)
    cmap = pyplot().get_cmap("tab20")
    x = list(range(len(labels)))
    for i, (key, parts) in enumerate(segs.items()):
        ax.bar(
            x,
            [h for _b, h in parts],
            bottom=[b for b, _h in parts],
            color=cmap(i % 20),
            label=key,
            width=0.6,
        )
    for xi, (_label, breakdown) in zip(x, bars, strict=True):
        total = sum(max(0.0, float(v)) for v in breakdown.values())
        ax.text(xi, total, f"{total:.3g} s", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("seconds per step")
    ax.set_title(title or "step time by component")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return save_figure(fig, path)


__all__ = ["ORDER", "draw", "segments", "summary_bars"]
