"""Pipeline schedule timeline of a training plan (one row per stage, one bar per microbatch pass)."""

from __future__ import annotations

from pathlib import Path

from planner.core.result import Result
from planner.plot import Bar, draw_gantt, new_figure, save_figure
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.step_time import estimate

#: Most microbatches drawn (the steady state repeats).
MAX_DRAWN = 48


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
    """Draw the plan's pipeline timeline to ``path`` (PNG)."""
    plan = result if isinstance(result, TrainingPlan) else result.solution
    if plan is None:
        raise ValueError("no plan to draw")
    est = estimate(problem, plan)
    v = plan.interleave
    m = min(est.microbatches * v, MAX_DRAWN)
    fwd = [s.fwd / v for s in est.stages]
    bwd = [s.bwd / v for s in est.stages]
    p2p = [s.p2p / (2 * v) for s in est.stages]
    passes = schedule(fwd, bwd, p2p, m)
    bars = [
        Bar(
            row=j,
            start=a,
            end=b,
            label=f"{kind}{i}",
            group=i % 20,
            hatch="//" if kind == "B" else None,
        )
        for j, i, kind, a, b in passes
    ]
    end = max(b for *_x, b in passes)
    for s in est.stages:
        if s.tail > 0:
            bars.append(
                Bar(row=s.index, start=end, end=end + s.tail, label="sync+opt", color="lightgrey")
            )
    labels = [f"stage {s.index} ({s.gpu}, {s.layers} layers)" for s in est.stages]
    fig, axes = new_figure(width=12.0, height=max(2.5, 0.45 * len(labels) + 1.5))
    note = "" if est.microbatches * v <= MAX_DRAWN else f", first {m} of {est.microbatches * v}"
    chunk = f", interleaved v={v} drawn as {v} chunks per microbatch" if v > 1 else ""
    draw_gantt(
        axes[0],
        bars,
        row_labels=labels,
        xlabel="seconds",
        title=f"{problem.model.name}: {plan.short()} — step {est.step_time:.3f} s{chunk}{note}",
    )
    return save_figure(fig, path)
