"""Picture of a plan: each group a lane over the GPUs it occupies, micro-batches side by side in time."""

from __future__ import annotations

from pathlib import Path

from planner.core.result import Result
from planner.seqpar.evaluate import group_times_ms
from planner.seqpar.instance import Instance, Solution

IDLE = "#dddddd"


def placement(degrees: list[int]) -> list[int]:
    """First GPU of each group: largest degree first, each at a multiple of its degree."""
    order = sorted(range(len(degrees)), key=lambda g: -degrees[g])
    first = [0] * len(degrees)
    at = 0
    for g in order:
        first[g] = at
        at += degrees[g]
    return first


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Draw ``result``'s plan to ``path`` (format from the suffix).

    The y axis is the GPUs; each group is a bar over the GPUs it occupies
    (placed largest first, as on the cluster), from its micro-batch's start
    to the end of its own work, coloured by degree and labelled with its
    sequence count; the grey rest of the lane is time spent waiting for the
    micro-batch's slowest group. Dashed lines separate micro-batches.
    """
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    from planner.plot import new_figure, save_figure

    solution = result.solution
    if not isinstance(solution, Solution):
        solution = Solution.from_dict(solution)
    times = group_times_ms(instance, solution)
    fig, (ax,) = new_figure(width=12.0, height=max(3.5, min(9.0, 2.0 + instance.gpus / 16)))
    cmap = colormaps["viridis"]
    degrees_seen = sorted({g.degree for mb in solution.microbatches for g in mb})
    shade = {
        d: cmap(0.15 + 0.7 * k / max(1, len(degrees_seen) - 1)) for k, d in enumerate(degrees_seen)
    }
    t0 = 0.0
    for mb, mb_times in zip(solution.microbatches, times, strict=True):
        span = max(mb_times) / 1000.0
        first = placement([g.degree for g in mb])
        for g, start_gpu, t in zip(mb, first, mb_times, strict=True):
            busy = t / 1000.0
            ax.barh(
                start_gpu + g.degree / 2 - 0.5,
                busy,
                left=t0,
                height=g.degree * 0.92,
                color=shade[g.degree],
                edgecolor="black",
                linewidth=0.3,
            )
            if span - busy > 0:
                ax.barh(
                    start_gpu + g.degree / 2 - 0.5,
                    span - busy,
                    left=t0 + busy,
                    height=g.degree * 0.92,
                    color=IDLE,
                    linewidth=0,
                )
            if g.degree >= max(1, instance.gpus // 32):
                ax.text(
                    t0 + busy / 2,
                    start_gpu + g.degree / 2 - 0.5,
                    f"{len(g.sequences)}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    clip_on=True,
                )
        t0 += span
        ax.axvline(t0, color="black", linestyle="--", linewidth=0.6)
    ax.set_ylim(instance.gpus - 0.5, -0.5)
    ax.set_xlim(0, max(t0, 1e-9))
    ax.set_xlabel("modeled time (s)")
    ax.set_ylabel("GPU")
    objective = "–" if result.objective is None else f"{result.objective:.3f} s"
    bound = "–" if result.bound is None else f"{result.bound:.3f} s"
    ax.set_title(
        f"{instance.name} · {result.method} · step {objective} · bound {bound} · "
        f"{len(solution.microbatches)} micro-batch(es)"
    )
    handles = [Patch(color=shade[d], label=f"degree {d}") for d in degrees_seen]
    handles.append(Patch(color=IDLE, label="waiting for the micro-batch's slowest group"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
    return save_figure(fig, path)
