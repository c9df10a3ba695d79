"""Pipeline schedule timeline of a training plan (one row per stage, one bar per microbatch pass)."""

from __future__ import annotations

from pathlib import Path

from planner.core.result import Result
from planner.plot import Bar, draw_gantt, new_figure, save_figure
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.step_time import estimate, training_step

#: Microbatch passes drawn at each end of a long schedule (the steady state between
#: them repeats and is drawn as one band per stage).
DRAWN_EACH_END = 24

#: Longest schedule simulated pass by pass (microbatches x interleave).
MAX_SIMULATED = 20_000


def schedule(
    fwd: list[float], bwd: list[float], p2p: list[float], microbatches: int
) -> list[tuple[int, int, str, float, float]]:
    """Simulate 1F1B: ``(stage, microbatch, "F"|"B", start, end)`` for every pass.

    Stage ``j`` runs ``min(p - j - 1, m)`` warm-up forwards, then alternates one
    forward and one backward, then drains its backwards. A forward waits for
    the previous stage's forward (plus the transfer), a backward for the next
    stage's backward.
    """
    p, m = len(fwd), microbatches
    order: list[list[tuple[str, int]]] = []
    for j in range(p):
        warm = min(p - j - 1, m)
        ops = [("F", i) for i in range(warm)]
        nf, nb = warm, 0
        while nb < m:
            if nf < m:
                ops.append(("F", nf))
                nf += 1
            ops.append(("B", nb))
            nb += 1
        order.append(ops)
    done: dict[tuple[str, int, int], float] = {}
    free = [0.0] * p
    pos = [0] * p
    out = []
    remaining = sum(len(o) for o in order)
    while remaining:
        progressed = False
        for j in range(p):
            while pos[j] < len(order[j]):
                kind, i = order[j][pos[j]]
                if kind == "F":
                    dep = 0.0 if j == 0 else done.get(("F", j - 1, i))
                    if dep is not None and j > 0:
                        dep += p2p[j - 1]
                else:
                    dep = done.get(("F", j, i)) if j == p - 1 else done.get(("B", j + 1, i))
                    if dep is not None and j < p - 1:
                        dep += p2p[j]
                if dep is None:
                    break
                start = max(free[j], dep)
                end = start + (fwd[j] if kind == "F" else bwd[j])
                done[(kind, j, i)] = end
                free[j] = end
                out.append((j, i, kind, start, end))
                pos[j] += 1
                remaining -= 1
                progressed = True
        if not progressed:  # cannot happen for a valid 1F1B order
            raise RuntimeError("pipeline schedule deadlock")
    return out


def plot(problem: TrainingProblem, result: Result | TrainingPlan, path: str | Path) -> Path:
    """Draw the plan's pipeline timeline to ``path`` (PNG).

    The time axis is seconds of the modeled step: 0 is the step's start, the
    passes are the 1F1B order simulated with the model's per-microbatch
    forward, backward and transfer times, the grey bars are each stage's
    exposed data-parallel sync and optimizer from the model's pipeline end,
    and the dashed lines mark the model's pipeline end and step time. Long
    schedules show their first and last microbatches; the steady state between
    them is one band per stage. DualPipe plans are drawn the same way over their rank
    times (the title says so); only the dashed lines follow DualPipe's schedule.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plan = result if isinstance(result, TrainingPlan) else result.solution
    if plan is None:
        raise ValueError("no plan to draw")
    method = result.method if isinstance(result, Result) else ""
    est = estimate(problem, plan)
    v = plan.interleave
    m = est.microbatches * v
    fwd = [s.fwd / v for s in est.stages]
    bwd = [s.bwd / v for s in est.stages]
    p2p = [s.p2p / (2 * v) for s in est.stages]
    simulated = min(m, MAX_SIMULATED)
    passes = schedule(fwd, bwd, p2p, simulated)
    keep = 2 * DRAWN_EACH_END
    bars = []
    band: dict[int, list[float]] = {}
    for j, i, kind, a, b in passes:
        if simulated <= keep or i < DRAWN_EACH_END or i >= simulated - DRAWN_EACH_END:
            bars.append(
                Bar(
                    row=j,
                    start=a,
                    end=b,
                    label=f"{kind}{i}",
                    group=i % 20,
                    hatch="//" if kind == "B" else None,
                )
            )
        else:
            lo_hi = band.setdefault(j, [a, b])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], a), max(lo_hi[1], b)
    for j, (a, b) in band.items():
        bars.append(Bar(row=j, start=a, end=b, label="steady 1F1B", color="whitesmoke"))
    for s in est.stages:
        if s.tail > 0:
            start = est.pipeline_time
            bars.append(
                Bar(row=s.index, start=start, end=start + s.tail, label="sync+opt", color="silver")
            )
    labels = [f"stage {s.index} ({s.gpu}, {s.layers} layers)" for s in est.stages]
    fig, axes = new_figure(width=12.0, height=max(2.8, 0.45 * len(labels) + 2.0))
    ax = axes[0]
    notes = []
    if training_step(problem, plan).schedule == "dualpipe":
        # no DualPipe simulator here: the bars are not DualPipe's order, the dashed lines are
        notes.append(
            "DualPipe plan drawn as 1F1B over rank times (stage j with its mirror pp-1-j); "
            "the dashed lines are DualPipe's modeled ends"
        )
    if v > 1:
        notes.append(f"interleave v={v}: {v} chunks per microbatch")
    if simulated > keep:
        notes.append(
            f"microbatch passes {DRAWN_EACH_END}-{simulated - DRAWN_EACH_END - 1} as one band"
        )
    if simulated < m:
        notes.append(f"first {simulated} of {m} passes simulated")
    by = f" ({method})" if method else ""
    title = f"{problem.name}{by}: {plan.short()}, modeled step {est.step_time:.3f} s"
    if notes:
        title += "\n" + "; ".join(notes)
    draw_gantt(
        ax,
        bars,
        row_labels=labels,
        xlabel="seconds since the start of the modeled step",
        title=title,
    )
    ax.axvline(est.pipeline_time, color="black", linestyle="--", linewidth=0.8)
    ax.axvline(est.step_time, color="firebrick", linestyle="--", linewidth=1.0)
    ax.set_xlim(0.0, est.step_time * 1.02)
    ax.set_ylabel("pipeline stage")
    ax.legend(
        handles=[
            Patch(facecolor="tab:blue", edgecolor="black", label="forward (colour = microbatch)"),
            Patch(facecolor="white", edgecolor="black", hatch="//", label="backward"),
            Patch(facecolor="silver", edgecolor="black", label="DP sync + optimizer"),
            Line2D([], [], color="black", linestyle="--", label="modeled pipeline end"),
            Line2D([], [], color="firebrick", linestyle="--", label="modeled step end"),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncol=5,
        fontsize=8,
        frameon=False,
    )
    return save_figure(fig, path)
