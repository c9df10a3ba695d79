"""``plan train --from FORMAT FILE``: the launch's plan evaluated, and the best change to it."""

from __future__ import annotations

from typing import Any

from planner.train.compare import compare, label
from planner.train.compare import render as render_compare
from planner.train.instance import TrainingProblem
from planner.train.launch import Launch


def propose(
    launch: Launch,
    launch_summary: dict[str, Any],
    open_problem: TrainingProblem,
    time_limit: float,
    threads: int = 1,
    export_format: str | None = None,
) -> dict[str, Any]:
    """The planner's best plan for the launch's job and its comparison with the launch.

    Parameters
    ----------
    launch
        The parsed launch (for ``from``: format, file, fixed choices, notes).
    launch_summary
        Summary of the launch's own plan (the pinned problem's result).
    open_problem
        The same job with the launch's choices left open.
    time_limit, threads
        Budget of the open search.
    export_format
        With ``--export``: the proposal's own launch in that format goes to
        ``proposal.export`` (the command's top-level ``export`` is the launch read, converted).

    Returns
    -------
    dict
        ``from`` (what was read) and ``proposal``: the best plan (``plan``,
        ``label``, ``step_time_s``, ``status``, ``gap``), ``speedup`` (launch step
        time over the best's) and ``compare`` (:func:`planner.train.compare.compare`,
        launch first), and ``outside_framework`` when the launch's framework cannot launch
        the best plan (why; the search was not kept to it by ``--framework``); when the
        launch has no plan, the best plan without ``speedup`` and
        ``compare`` and the launch's ``reason``; when the best has none, ``reason`` only.
    """
    from planner.train.api import solve

    read = {
        "format": launch.fmt,
        "file": launch.source,
        "fixed": {k: list(v) if isinstance(v, tuple) else v for k, v in launch.fixed.items()},
        "notes": list(launch.notes),
    }
    result = solve(open_problem, "auto", time_limit=time_limit, threads=threads)
    best = result.stats["summary"]
    if best.get("plan") is None:
        return {
            "from": read,
            "proposal": {"status": best["status"], "reason": f"best: {best['reason']}"},
        }
    proposal = {
        "status": best["status"],
        "plan": best["plan"],
        "label": label(best),
        "step_time_s": best["step_time_s"],
        "gap": best["gap"],
    }
    if export_format is not None:  # the plan the command recommends, ready to launch
        from planner.train.export import export

        proposal["export"] = export(open_problem, result.solution, export_format)
    outside = outside_framework(launch.fmt, open_problem, result.solution)
    if outside:
        proposal["outside_framework"] = outside
    if launch_summary.get("plan") is None:
        # the best plan is still the proposal: a mixed-pool launch with pp=1 has no plan in
        # the layout model, and its best change was dropped with it (s14bad)
        proposal["reason"] = f"launch: {launch_summary['reason']}"
        return {"from": read, "proposal": proposal}
    proposal["speedup"] = launch_summary["step_time_s"] / best["step_time_s"]
    proposal["compare"] = compare(launch_summary, best, names=("launch", "best"))
    return {"from": read, "proposal": proposal}


def outside_framework(fmt: str, problem: TrainingProblem, plan: Any) -> list[str]:
    """Why the launch's own framework cannot launch the proposed plan.

    Parameters
    ----------
    fmt
        The launch format read (``megatron``, ``nemo``, ``deepspeed``, ``torchtitan``).
    problem
        The problem the proposal was searched on.
    plan
        The proposed plan.

    Returns
    -------
    list of str
        One reason per rule of the framework's profile the plan breaks; empty when it can
        launch it, or when the proposal was already kept to a framework. On mixed pools, whose
        stage shapes the profiles do not describe, only the ZeRO stage is checked (a ZeRO-3
        proposal for a Megatron launch on H100 + A100 went unlabelled).
    """
    from planner.train.frameworks import profile, violations, zero_refusal

    fw = profile(fmt)
    if fw is None or problem.constraints.framework is not None:
        return []
    if len(problem.cluster.pools) > 1:
        return [zero_refusal(fw, plan.zero)] if plan.zero not in fw.zeros else []
    return violations(fw, problem, plan)


def render(out: dict[str, Any], console: Any = None) -> None:
    """Print what was read and the proposed change."""
    from rich.console import Console

    console = console or Console()
    read, prop = out["from"], out["proposal"]
    console.print(f"read {read['format']} launch {read['file']}", highlight=False)
    for note in read["notes"]:
        console.print(f"note: {note}", highlight=False)
    if "compare" not in prop:
        if "plan" not in prop:
            console.print(f"no proposal: {prop['reason']}", highlight=False)
            return
        console.print(
            f"proposed plan: {prop['label']} ({prop['status']}), {prop['step_time_s']:.4g} s "
            "per step; the launch has no plan to compare with (its reason above)",
            highlight=False,
        )
        _render_outside(read["format"], prop, console)
        return
    speed = prop["speedup"]
    if speed > 1 + 1e-9:
        head = (
            f"proposed change: {prop['label']} ({prop['status']}), "
            f"{prop['step_time_s']:.4g} s per step, {speed:.2f}x faster than the launch"
        )
    else:
        head = f"the launch is already as fast as the planner's best plan ({prop['label']})"
    console.print(head, highlight=False)
    _render_outside(read["format"], prop, console)
    render_compare(prop["compare"], console)


def _render_outside(fmt: str, prop: dict[str, Any], console: Any) -> None:
    """Say when the proposal is a plan the launch's framework cannot launch: the open search
    covers every framework's plans unless ``--framework`` keeps it to one, and a torchtitan
    launch was told "1.13x faster" by a ZeRO-1 plan without pipeline stages that torchtitan
    has no setting for (its best was 1.04x; s22walk)."""
    why = prop.get("outside_framework")
    if why:
        console.print(
            f"note: {fmt} cannot launch the proposal ({'; '.join(why)}); "
            f"--framework {fmt} keeps the proposal to the plans {fmt} launches",
            highlight=False,
        )


__all__ = ["propose", "render"]
