"""Residency heatmaps and time breakdowns of an offload plan, and of the other policies."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.core.result import Result
from planner.offload.instance import Instance, Solution

#: Policies drawn next to the plotted plan in the per-policy breakdown (cheap ones).
COMPARED = ("static", "lru", "lfu", "d2moe", "tide", "auto")


def _parts(instance: Instance, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-step compute and exposed copy time (seconds) of a plan mask."""
    from planner.offload.evaluate import breakdown

    b = breakdown(instance, Solution.from_mask(mask))
    return b.compute.sum(axis=1), (b.copy - b.hidden).sum(axis=1)


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Draw ``result``'s plan to ``path`` (format from the suffix).

    Four panels: the share of routed tokens served on the GPU per (step,
    layer); the residency of the busiest layer's experts over the steps; the
    modeled time per step split into compute and exposed copies; and the same
    split for every cheap policy on this trace, with the plotted method marked.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    from planner.core.family import get_family
    from planner.core.solve import solve
    from planner.plot import save_figure

    solution = result.solution
    if not isinstance(solution, Solution):
        solution = Solution.from_dict(solution)
    mask = solution.mask(instance.layers, instance.experts)
    counts = instance.counts
    fig, axes = plt.subplots(2, 2, figsize=(14, 8.5))
    (ax_hit, ax_res), (ax_step, ax_pol) = axes
    total = counts.sum(axis=2)
    hit = np.where(total > 0, (counts * mask).sum(axis=2) / np.maximum(total, 1), 1.0)
    im = ax_hit.imshow(hit.T, aspect="auto", origin="lower", cmap="viridis", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax_hit, label="GPU share of routed tokens")
    ax_hit.set_xlabel("step")
    ax_hit.set_ylabel("MoE layer")
    ax_hit.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax_hit.set_title("GPU hit rate per step and layer")

    layer = int(np.argmax(counts.sum(axis=(0, 2))))
    order = np.argsort(-counts[:, layer, :].sum(axis=0), kind="stable")
    used = counts[:, layer, order] > 0
    res = mask[:, layer, order]
    # 0 idle, 1 resident unused, 2 CPU (used, offloaded), 3 GPU (used, resident)
    state = np.where(res, np.where(used, 3, 1), np.where(used, 2, 0))
    cmap = ListedColormap(["#f4f4f4", "#9ecae1", "#e8604c", "#2171b5"])
    ax_res.imshow(
        state.T, aspect="auto", origin="lower", cmap=cmap, vmin=0, vmax=3, interpolation="nearest"
    )
    ax_res.set_xlabel("step")
    ax_res.set_ylabel(f"expert of layer {layer} (by total tokens)")
    ax_res.set_title(f"residency, layer {layer}")
    ax_res.legend(
        handles=[
            Patch(color="#2171b5", label="on GPU, used"),
            Patch(color="#9ecae1", label="on GPU, idle"),
            Patch(color="#e8604c", label="on CPU, used"),
            Patch(color="#f4f4f4", label="on CPU, idle"),
        ],
        loc="upper right",
        fontsize=7,
    )

    compute, exposed = _parts(instance, mask)
    steps = np.arange(instance.steps)
    ax_step.bar(steps, compute * 1e3, color="#4c9be8", label="compute max(GPU, CPU)")
    ax_step.bar(
        steps, exposed * 1e3, bottom=compute * 1e3, color="#e8a04c", label="copies (exposed)"
    )
    ax_step.set_xlabel("step")
    ax_step.set_ylabel("modeled time (ms)")
    ax_step.set_title(f"{result.method}: time per step")
    ax_step.legend(fontsize=8)

    family = get_family("offload")
    names, comp, copy = [], [], []
    for name in dict.fromkeys((*COMPARED, result.method)):
        if name == result.method:
            m = mask
        else:
            other = solve(instance, family.method(name).name, time_limit=10)
            if other.solution is None:
                continue
            m = other.solution.mask(instance.layers, instance.experts)
        c, e = _parts(instance, m)
        names.append(name)
        comp.append(c.sum() * 1e3)
        copy.append(e.sum() * 1e3)
    x = np.arange(len(names))
    ax_pol.bar(x, comp, color="#4c9be8", label="compute")
    ax_pol.bar(x, copy, bottom=comp, color="#e8a04c", label="copies (exposed)")
    ax_pol.set_xticks(x, [f"{n} *" if n == result.method else n for n in names])
    ax_pol.set_ylabel("modeled time (ms)")
    ax_pol.set_xlabel("method (* = this plan)")
    ax_pol.set_title("time breakdown per policy")
    ax_pol.legend(fontsize=8)

    objective = "–" if result.objective is None else f"{result.objective * 1e3:.2f} ms"
    fig.suptitle(f"{instance.name} · {result.method} · modeled time {objective}")
    fig.tight_layout()
    return save_figure(fig, path)
