"""``planner gen rcpsp``: R-ConstraintBench-style instances and ramps."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from planner.core.errors import InputError
from planner.core.io import emit_instances
from planner.core.validate import MAX_COUNT
from planner.core.validate import count as check_count
from planner.rcpsp.generate import (
    DEFAULT_LAYERS,
    MAX_JOBS,
    MAX_RESOURCES,
    SCENARIOS,
    generate,
    ramp,
)
from planner.rcpsp.instance import Instance


def gen_command(
    scenario: Annotated[
        str, typer.Option("--scenario", help=f"One of: {', '.join(SCENARIOS)}.")
    ] = "synthetic",
    tasks: Annotated[
        int | None,
        typer.Option("--tasks", "-n", help=f"Number of tasks (1 to {MAX_JOBS}; default 30)."),
    ] = None,
    # `--jobs` was this option's name; on every other command --jobs / -j counts parallel
    # workers (bench), so it became --tasks. The old name stays, hidden, for scripts.
    jobs: Annotated[int | None, typer.Option("--jobs", hidden=True)] = None,
    layers: Annotated[
        int | None,
        typer.Option(
            "--layers",
            help=f"Layers of the DAG, at most --tasks (default {DEFAULT_LAYERS}, or --tasks "
            "when fewer; datacenter-migration: at most its 10 phases).",
            min=1,
        ),
    ] = None,
    level: Annotated[
        int | None,
        typer.Option(
            "--level",
            help="Non-redundant precedence edges (default 1.5 n; fewer where the layered DAG "
            "has no room, said on stderr).",
        ),
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

    Largest setting: --tasks 300 (every method's time limit holds up to it). A --level the
    layered DAG has no room for gives fewer edges, said on stderr (meta: level_requested).

    Example: ``planner gen rcpsp --scenario datacenter-migration --tasks 40 --p-downtime 0.75
    --p-window 0.3 --p-disjunctive 0.2 --any --ramp 20 -o ramp.jsonl``.
    """
    if tasks is not None and jobs is not None:
        raise InputError("--jobs is the former name of --tasks: give one of them")
    if jobs is not None:  # checked under the name the user typed
        check_count(jobs, "--jobs", high=MAX_JOBS)
    n_tasks = next((v for v in (tasks, jobs) if v is not None), 30)
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
        instances = ramp(n_tasks, levels=levels, seed=seed, **common)
    else:
        instances = [generate(n_tasks, level=level, seed=seed + k, **common) for k in range(count)]
    emit_instances(instances, out)
    _note_short_levels(instances, "--ramp" if ramp_steps is not None else "--level")
    if not feasible and p_window == 0:  # --any was ignored without a word
        print(
            "planner: note: --any: only deadlines (--p-window) can make an instance "
            "infeasible; with --p-window 0 every instance is feasible",
            file=sys.stderr,
        )


def _note_short_levels(instances: list[Instance], flag: str) -> None:
    """One stderr line when an asked precedence level did not fit the layered DAG.

    The generator places at most the non-redundant edges the DAG has room for; those
    instances were written with fewer edges and nothing said so.
    """
    short = [i for i in instances if "level_requested" in i.meta]
    if not short:
        return
    first = short[0].meta
    more = f" ({len(short)} of {len(instances)} instances short)" if len(instances) > 1 else ""
    print(
        f"planner: note: {flag}: the layered DAG had room for {first['level']} non-redundant "
        f"precedence edges of the {first['level_requested']} asked in {short[0].name}{more}; "
        "more --tasks or --layers make room",
        file=sys.stderr,
    )
