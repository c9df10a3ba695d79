"""Gantt chart of a single-machine sequence: jobs on one row, tardy jobs marked, due-date ticks."""

from __future__ import annotations

from pathlib import Path

from planner.core.result import Result
from planner.plot import Bar, draw_gantt, new_figure, save_figure
from planner.smtt.instance import Instance, Solution

ON_TIME, TARDY = "#4c9be8", "#e8604c"


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Draw the schedule of ``result`` to ``path`` (format from the suffix).

    Bars are the jobs in sequence (labelled with their 0-based index when wide
    enough), red and hatched when tardy; the lower panel marks each job's due
    date, joined to its completion time when the job is late. Times are in the
    instance's own units (the unit of ``p`` and ``d``). The title names the
    instance, the method, the objective, the bound and the status.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    solution = result.solution
    if not isinstance(solution, Solution):
        solution = Solution.from_dict(solution)
    bars, t = [], 0
    completion: dict[int, int] = {}
    for j in solution.order:
        start, t = t, t + instance.p[j]
        completion[j] = t
        tardy = t > instance.d[j]
        bars.append(
            Bar(
                row=0,
                start=start,
                end=t,
                label=str(j),
                color=TARDY if tardy else ON_TIME,
                hatch="//" if tardy else None,
            )
        )
    fig, (ax, ax_due) = new_figure(nrows=2, height_ratios=[1.0, 1.2], width=12.0, height=4.0)
    what = "weighted tardiness" if instance.w is not None else "total tardiness"
    title = (
        f"{instance.name} · method {result.method} · {what} {_number(result.objective)}"
        f" · bound {_number(result.bound)} · {result.status}"
    )
    draw_gantt(ax, bars, row_labels=["machine"], xlabel="", title=title)
    # due dates: one tick per job at its due date, a line to its completion when late
    order_pos = {j: k for k, j in enumerate(solution.order)}
    for j, c in completion.items():
        y = order_pos[j]
        due = instance.d[j]
        late = c > due
        ax_due.plot([due], [y], marker="|", color=TARDY if late else ON_TIME, markersize=4)
        if late:
            ax_due.plot([due, c], [y, y], color=TARDY, linewidth=0.6)
    ax_due.set_ylim(instance.n - 0.5, -0.5)
    ax_due.set_ylabel("position in sequence")
    ax_due.set_xlabel("time (instance time units, same as processing times p and due dates d)")
    ax_due.grid(axis="x", linestyle=":", linewidth=0.5)
    ax.legend(
        handles=[
            Patch(facecolor=ON_TIME, edgecolor="black", label="job on time"),
            Patch(facecolor=TARDY, edgecolor="black", hatch="//", label="job tardy"),
            Line2D([], [], color=ON_TIME, marker="|", linestyle="", label="due date (on time)"),
            Line2D([], [], color=TARDY, marker="|", label="due date → completion (tardy)"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    return save_figure(fig, path)


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:g}"
