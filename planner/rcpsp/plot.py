"""Gantt chart of a schedule with one resource-usage profile per resource under it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.core.result import Result
from planner.plot import Bar, draw_gantt, new_figure, save_figure
from planner.rcpsp.instance import Instance, Solution

#: Jobs beyond this count are drawn without labels (the chart would be unreadable anyway).
LABEL_LIMIT = 60


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Draw ``result``'s schedule to ``path`` (PNG/SVG/PDF by suffix).

    Top: one bar per job (zero-duration jobs are skipped), coloured by the
    resource it uses most, releases (green) and deadlines (red) marked. Below:
    for every resource the usage over time, the capacity as a line and downtime
    shaded. Time is in the instance's periods (the unit of its durations). The
    title names the instance, the method, the makespan, the bound and the status.
    """
    sol = result.solution
    if sol is None:
        raise ValueError(f"{instance.name}: the result has no schedule to draw ({result.status})")
    if not isinstance(sol, Solution):
        sol = Solution.from_dict(sol)
    return plot_schedule(instance, sol, path, title=_title(instance, result))


def plot_schedule(instance: Instance, sol: Solution, path: str | Path, *, title: str = "") -> Path:
    """Draw a schedule (see :func:`plot`)."""
    dur = instance.durations
    jobs = [j for j in range(instance.num_jobs) if dur[j] > 0]
    jobs.sort(key=lambda j: (sol.start[j], j))
    m = instance.num_resources
    rows = max(1, len(jobs))
    fig, axes = new_figure(
        nrows=1 + m,
        height_ratios=[max(3.0, 0.18 * rows)] + [1.2] * m,
        width=12.0,
        height=max(3.0, 0.18 * rows) + 1.3 * m + 1,
    )
    label = len(jobs) <= LABEL_LIMIT
    bars = [
        Bar(
            row=k,
            start=sol.start[j],
            end=sol.start[j] + dur[j],
            label=instance.job_names[j] if label else "",
            group=_group(instance, j),
        )
        for k, j in enumerate(jobs)
    ]
    draw_gantt(
        axes[0],
        bars,
        row_labels=[instance.job_names[j] for j in jobs] if label else None,
        xlabel="",
        title=title,
    )
    if not label:
        axes[0].set_yticks([])
    for k, j in enumerate(jobs):
        if instance.deadline[j] is not None:
            axes[0].plot([instance.deadline[j]] * 2, [k - 0.4, k + 0.4], color="red", lw=1.2)
        if instance.release[j]:
            axes[0].plot([instance.release[j]] * 2, [k - 0.4, k + 0.4], color="green", lw=1.2)
    end = max((sol.start[j] + dur[j] for j in jobs), default=1)
    for r in range(m):
        _profile(axes[1 + r], instance, sol, r, end)
    axes[-1].set_xlabel("time (periods, the unit of the job durations)")
    axes[0].set_ylabel("job")
    _legend(axes[0], instance, downtime=any(instance.capacity_profile(r) for r in range(m)))
    return save_figure(fig, path)


def _legend(ax, instance: Instance, *, downtime: bool) -> None:
    """What the colours and marks mean (one entry per resource colour group)."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cmap = colormaps["tab20"]
    used = sorted({_group(instance, j) for j in range(instance.num_jobs) if instance.durations[j]})
    names = [*instance.resource_names, "no resource"]
    handles = [
        Patch(facecolor=cmap(g % 20), edgecolor="black", label=f"job mostly using {names[g]}")
        for g in used
    ]
    if any(instance.release):
        handles.append(Line2D([], [], color="green", label="release date"))
    if any(d is not None for d in instance.deadline):
        handles.append(Line2D([], [], color="red", label="deadline"))
    handles += [
        Patch(facecolor="tab:blue", alpha=0.5, label="resource usage (units)"),
        Line2D([], [], color="black", label="capacity (units)"),
    ]
    if downtime:
        handles.append(Patch(facecolor="grey", alpha=0.25, label="downtime"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def _profile(ax, instance: Instance, sol: Solution, r: int, end: int) -> None:
    horizon = max(end, max((w.end for w in instance.downtimes if w.resource == r), default=0)) + 1
    usage = np.zeros(horizon + 1, dtype=int)
    for j in range(instance.num_jobs):
        q, d = instance.demands[j][r], instance.durations[j]
        if q and d:
            usage[sol.start[j] : sol.start[j] + d] += q
    cap = np.full(horizon + 1, instance.capacities[r])
    for a, b, c in instance.capacity_profile(r):
        cap[a : min(b, horizon + 1)] = c
        ax.axvspan(a, b, color="grey", alpha=0.25, lw=0)
    t = np.arange(horizon + 1)
    ax.fill_between(t, usage, step="post", alpha=0.5, color="tab:blue")
    ax.step(t, cap, where="post", color="black", lw=1.0)
    ax.set_ylim(0, max(1, instance.capacities[r]) * 1.15)
    ax.set_ylabel(f"{instance.resource_names[r]}\n(units)", rotation=0, ha="right", va="center")
    ax.grid(axis="x", linestyle=":", linewidth=0.5)


def _group(instance: Instance, j: int) -> int:
    """Colour jobs by the resource they use most of (relative to its capacity)."""
    shares = [
        q / c if c else 0.0 for q, c in zip(instance.demands[j], instance.capacities, strict=True)
    ]
    return int(np.argmax(shares)) if shares and max(shares) > 0 else len(shares)


def _title(instance: Instance, result: Result) -> str:
    parts = [instance.name, f"method {result.method}", f"makespan {result.objective:g}"]
    if result.bound is not None:
        parts.append(f"bound {result.bound:g}")
    parts.append(str(result.status))
    return " · ".join(parts)
