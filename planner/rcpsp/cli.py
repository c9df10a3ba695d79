"""``planner gen rcpsp``: R-ConstraintBench-style instances and ramps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.core.errors import InputError
from planner.core.io import emit_instances
from planner.core.validate import MAX_COUNT
from planner.core.validate import count as check_count
from planner.rcpsp.generate import MAX_JOBS, MAX_RESOURCES, SCENARIOS, generate, ramp


def gen_command(
    scenario: Annotated[
        str, typer.Option("--scenario", help=f"One of: {', '.join(SCENARIOS)}.")
    ] = "synthetic",
    jobs: Annotated[
        int, typer.Option("--jobs", "-n", help=f"Number of tasks (1 to {MAX_JOBS}).")
    ] = 30,
    layers: Annotated[int, typer.Option("--layers", help="Layers of the DAG.", min=1)] = 5,
    level: Annotated[
        int | None, typer.Option("--level", help="Non-redundant precedence edges (default 1.5 n).")
    ] = None,
    resources: Annotated[
        int | None,
        typer.Option(
            "--resources",
            help=f"Resources of the synthetic scenario (1 to {MAX_RESOURCES}; default 3).",
        ),
    ] = None,
    p_downtime: Annotated[
        float, typer.Option("--p-downtime", help="Probability of a downtime window per resource.")
    ] = 0.0,
    p_window: Annotated[
        float, typer.Option("--p-window", help="Probability of a release/deadline window per task.")
    ] = 0.0,
    p_disjunctive: Annotated[
        float, typer.Option("--p-disjunctive", help="Probability of a disjunctive pair per task.")
    ] = 0.0,
    feasible: Annotated[
        bool,
        typer.Option(
            "--feasible/--any",
            help="Keep a witness schedule feasible, or let windows cut (some instances infeasible).",
        ),
    ] = True,
    ramp_steps: Annotated[
        int | None,
        typer.Option(
            "--ramp",
            help="Emit a ramp of this many instances, precedence level 5, 10, ... (JSON Lines).",
            min=1,
        ),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", help="Instances (seeds seed, seed+1, ...).", min=1)
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (>= 0).")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (JSON, or JSON Lines for several)."),
    ] = None,
) -> None:
    """Generate RCPSP instances: layered DAG, precedence level k, downtime, windows, pairs.

    Largest setting: --jobs 300 (every method's time limit holds up to it).

    Example: ``planner gen rcpsp --scenario datacenter-migration --jobs 40 --p-downtime 0.75
    --p-window 0.3 --p-disjunctive 0.2 --any --ramp 20 -o ramp.jsonl``.
    """
    common = dict(
        layers=layers,
        resources=resources,
        p_downtime=p_downtime,
        p_window=p_window,
        p_disjunctive=p_disjunctive,
        feasible=True if feasible else None,
        scenario=scenario,
    )
    check_count(count, "--count", high=MAX_COUNT)
    if level is not None and level < 0:  # was read as 0 edges
        raise InputError(f"--level: need 0 or more precedence edges, got {level}")
    if ramp_steps is not None:
        if count != 1 or level is not None:  # the ramp sets both
            raise InputError(
                "--ramp is exclusive with --count and --level: a ramp is one instance per "
                "level 5, 10, ..."
            )
        check_count(ramp_steps, "--ramp", high=MAX_COUNT)
        levels = [5 * (k + 1) for k in range(ramp_steps)]
        instances = ramp(jobs, levels=levels, seed=seed, **common)
    else:
        instances = [generate(jobs, level=level, seed=seed + k, **common) for k in range(count)]
    emit_instances(instances, out)
