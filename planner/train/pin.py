"""``plan train --against tp=8,pp=16,...``: the best plan compared with a pinned one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.train.compare import compare, render
from planner.train.instance import TrainingProblem


def pinned_problem(problem: TrainingProblem, fixed: dict[str, Any]) -> TrainingProblem:
    """``problem`` with the ``--fix``-style choices ``fixed`` pinned (they replace the
    problem's own fixed values) and no simplicity preference (the pinned plan's fastest
    completion)."""
    pinned = problem.with_constraints(**fixed)
    return replace(pinned, meta={**problem.meta, "prefer_simple": 0.0, "top_k": 1})


def compare_against(
    problem: TrainingProblem,
    summary: dict[str, Any],
    fixed: dict[str, Any],
    *,
    time_limit: float,
    threads: int = 1,
) -> dict[str, Any]:
    """Solve the pinned problem and compare ``summary`` (the plan) with its plan.

    Returns the :func:`planner.train.compare.compare` object with the pinned
    plan's status, or ``{"against_status", "reason"}`` when the pin has no plan.
    """
    from planner.train.api import solve

    res = solve(pinned_problem(problem, fixed), "auto", time_limit=time_limit, threads=threads)
    pinned = res.stats["summary"]
    if summary.get("plan") is None or pinned.get("plan") is None:
        return {
            "against": fixed_text(fixed),
            "against_status": pinned["status"],
            "reason": pinned["reason"] if pinned.get("plan") is None else summary.get("reason"),
        }
    out = compare(summary, pinned, names=("plan", "pinned"))
    out["against"] = fixed_text(fixed)
    out["against_status"] = pinned["status"]
    out["pinned_breakdown"] = pinned["breakdown"]
    return out


def fixed_text(fixed: dict[str, Any]) -> str:
    """``tp=8,pp=16,...`` of a parsed ``--fix`` mapping."""
    parts = []
    for k, v in fixed.items():
        if isinstance(v, tuple):
            v = ":".join(str(x) for x in v)
        parts.append(f"{k}={v}")
    return ",".join(parts)


def render_against(cmp: dict[str, Any]) -> None:
    """Print the comparison (or why the pinned plan has none)."""
    from rich.console import Console

    console = Console()
    if "components" not in cmp:
        console.print(
            f"--against {cmp['against']}: {cmp['against_status']}: {cmp['reason']}",
            highlight=False,
        )
        return
    console.print(f"compared with --against {cmp['against']} ({cmp['against_status']}):")
    render(cmp, console)


__all__ = ["compare_against", "fixed_text", "pinned_problem", "render_against"]
