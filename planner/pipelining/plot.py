"""Pictures of a pipelined schedule.

Top: the steady-state reservation table, one row per unit instance, x = cycle
modulo ``ii``, each occupation labelled with its op. Bottom: the warp-group
lanes over a few iterations, one row per warp group, each op drawn from its
issue for as long as it keeps the group busy (at least one unit wide),
coloured by iteration.
"""

from __future__ import annotations

from pathlib import Path

from planner.core.result import Result
from planner.pipelining.instance import Instance, Solution

#: Iterations drawn in the warp-lane panel (beyond the ones the schedule overlaps).
EXTRA_ITERATIONS = 2


def _lanes(instance: Instance, solution: Solution) -> dict[str, list[list[tuple[int, int, str]]]]:
    """Per unit, rows of (begin residue, length, op) packed greedily without overlap."""
    ii = solution.ii
    out: dict[str, list[list[tuple[int, int, str]]]] = {}
    for unit, cap in instance.machine.units.items():
        rows: list[list[tuple[int, int, str]]] = [[] for _ in range(cap)]
        used = [[False] * ii for _ in range(cap)]
        for op in instance.ops:
            for r in op.reservation:
                if r.unit != unit:
                    continue
                residues = [
                    (solution.start[op.id] + r.offset + c) % ii for c in range(min(r.cycles, ii))
                ]
                for _ in range(r.count):
                    lane = next((k for k in range(cap) if not any(used[k][x] for x in residues)), 0)
                    for x in residues:
                        used[lane][x] = True
                    begin = (solution.start[op.id] + r.offset) % ii
                    rows[lane].append((begin, min(r.cycles, ii), op.id))
        out[unit] = rows
    return out


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Draw ``result``'s schedule to ``path`` (format from the suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from planner.plot import save_figure

    solution = result.solution
    if not isinstance(solution, Solution):
        solution = Solution.from_dict(solution)
    ii, cpu = solution.ii, instance.cycles_per_unit
    colors = plt.get_cmap("tab20")
    op_color = {op.id: colors(i % 20) for i, op in enumerate(instance.ops)}

    lanes = _lanes(instance, solution)
    rows = [(unit, k) for unit, rs in lanes.items() for k in range(len(rs))]
    groups = sorted(set(solution.warp.values()))
    iterations = -(-(solution.length or ii) // ii) + EXTRA_ITERATIONS
    fig, (ax_rt, ax_w) = plt.subplots(
        2,
        1,
        figsize=(12, 2.2 + 0.35 * (len(rows) + len(groups))),
        gridspec_kw={"height_ratios": [max(1, len(rows)), max(1, len(groups))]},
    )
    for y, (unit, k) in enumerate(rows):
        for begin, width, op_id in lanes[unit][k]:
            for left, w in ((begin, min(width, ii - begin)), (0, max(0, begin + width - ii))):
                if w <= 0:
                    continue
                ax_rt.barh(y, w, left=left, color=op_color[op_id], edgecolor="black", linewidth=0.4)
                if w >= 0.06 * ii:
                    ax_rt.text(left + w / 2, y, op_id, ha="center", va="center", fontsize=7)
    ax_rt.set_yticks(range(len(rows)))
    ax_rt.set_yticklabels([f"{u}" if len(lanes[u]) == 1 else f"{u}[{k}]" for u, k in rows])
    ax_rt.set_ylim(len(rows) - 0.5, -0.5)
    ax_rt.set_xlim(0, ii)
    ax_rt.set_xlabel(f"cycle mod ii (time units of {cpu} GPU cycles; ii = {ii})")
    ax_rt.set_ylabel("unit")
    ax_rt.grid(axis="x", linestyle=":", linewidth=0.5)
    ax_rt.set_title(
        f"{instance.name} · {result.method} · {result.status} · ii {ii} "
        f"({ii * cpu} cycles) · length {solution.length}"
    )

    it_colors = plt.get_cmap("Set2")
    row_of = {g: i for i, g in enumerate(groups)}
    for it in range(iterations):
        for op in instance.ops:
            left = solution.start[op.id] + it * ii
            width = max(1, op.warp_cycles)
            y = row_of[solution.warp[op.id]]
            ax_w.barh(
                y, width, left=left, color=it_colors(it % 8), edgecolor="black", linewidth=0.4
            )
            if width >= 0.03 * ii * iterations:
                ax_w.text(left + width / 2, y, op.id, ha="center", va="center", fontsize=6)
    ax_w.set_yticks(range(len(groups)))
    ax_w.set_yticklabels(
        [
            f"WG{g} (TMA)"
            if any(op.variable_latency and solution.warp[op.id] == g for op in instance.ops)
            else f"WG{g}"
            for g in groups
        ]
    )
    ax_w.set_ylim(len(groups) - 0.5, -0.5)
    ax_w.set_xlabel(f"time (units of {cpu} GPU cycles); iteration i issues at start + i * {ii}")
    ax_w.set_ylabel("warp group")
    ax_w.grid(axis="x", linestyle=":", linewidth=0.5)
    ax_w.legend(
        handles=[Patch(color=it_colors(i % 8), label=f"iteration {i}") for i in range(iterations)],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
        title="warp lanes",
    )
    ax_rt.legend(
        handles=[Patch(color=op_color[op.id], label=op.id) for op in instance.ops],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
        ncol=1 + len(instance.ops) // 16,
        title="ops",
    )
    return save_figure(fig, path)
