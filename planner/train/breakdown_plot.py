"""Stacked-bar plot of step-time breakdowns: the plan and its alternatives (or two compared plans).

One bar per plan, one coloured segment per component of ``breakdown``
(compute, recompute, exposed TP / CP / EP / PP / DP communication, offload,
bubble, optimizer, embedding sync); the segments of a bar add up to its step
time. ``plan train --plot-breakdown`` adds a panel of the recommended plan's memory per
component per stage (:func:`memory_bars`). matplotlib loads on the first plot
(:func:`planner.plot.figures.pyplot`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.train.step_time import BREAKDOWN_KEYS

#: Components in drawing order (bottom to top); unknown keys follow in their own order.
ORDER = BREAKDOWN_KEYS
#: Memory components in drawing order (``stages[].memory_gib``).
MEMORY_ORDER = ("weights", "gradients", "optimizer", "activations", "logits", "buffers", "reserved")


def segments(
    bars: Sequence[tuple[str, Mapping[str, float]]],
    order: Sequence[str] = ORDER,
) -> tuple[list[str], dict[str, list[tuple[float, float]]]]:
    """Stacking of ``bars`` (``(label, breakdown)``): labels and, per component, the
    ``(bottom, height)`` of its segment in every bar (zero-height where absent).

    Components that are zero in every bar are left out.
    """
    keys = [k for k in order if any(b.get(k, 0.0) > 0 for _l, b in bars)]
    keys += [
        k
        for _l, b in bars
        for k in b
        if k not in order and k not in keys and any(x.get(k, 0.0) > 0 for _m, x in bars)
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


def memory_bars(summary: Mapping[str, Any]) -> list[tuple[str, Mapping[str, float]]]:
    """``(stage label, memory GiB per component)`` of every stage of a summary's plan (the
    ``total`` left out: the segments add up to it)."""
    return [
        (f"stage {st['stage']}", {k: v for k, v in st["memory_gib"].items() if k != "total"})
        for st in summary.get("stages", [])
    ]


def _stack(
    ax: Any, bars: Sequence[tuple[str, Mapping[str, float]]], unit: str, order: Sequence[str]
) -> None:
    """Stacked bars of ``bars`` on ``ax`` (components in ``order``), each topped by its total
    in ``unit``."""
    from planner.plot.figures import pyplot

    labels, segs = segments(bars, order)
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
    for xi, (_label, values) in zip(x, bars, strict=True):
        total = sum(max(0.0, float(v)) for v in values.values())
        ax.text(xi, total, f"{total:.3g} {unit}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=7, rotation=90 if len(labels) > 8 else 0)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))


def draw(
    bars: Sequence[tuple[str, Mapping[str, float]]],
    path: str | Path,
    *,
    title: str = "",
    memory: Sequence[tuple[str, Mapping[str, float]]] = (),
) -> Path:
    """Draw ``bars`` as stacked bars (seconds per step) into ``path`` (atomic write); with
    ``memory`` (:func:`memory_bars`), a second panel of GiB per component per stage."""
    from planner.plot.figures import pyplot, save_figure

    width = max(6.0, 1.6 * len(bars) + 3)
    if not memory:
        fig, axes = pyplot().subplots(1, 1, figsize=(width, 4.5), squeeze=False)
    else:
        fig, axes = pyplot().subplots(
            2, 1, figsize=(max(width, 0.5 * len(memory) + 4), 9.0), squeeze=False
        )
    ax = axes[0][0]
    _stack(ax, bars, "s", ORDER)
    ax.set_ylabel("seconds per step")
    ax.set_title(title or "step time by component")
    if memory:
        mx = axes[1][0]
        _stack(mx, memory, "GiB", MEMORY_ORDER)
        mx.set_ylabel("GiB per GPU")
        mx.set_title("memory per component per stage (recommended plan)")
    fig.tight_layout()
    return save_figure(fig, path)


__all__ = ["ORDER", "draw", "memory_bars", "segments", "summary_bars"]
