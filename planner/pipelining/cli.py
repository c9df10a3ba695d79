"""``planner plan pipelining`` and ``planner gen pipelining``.

``planner solve pipelining KERNEL.json`` works like every family's ``solve``;
``plan pipelining`` adds the family's own options (``--warps``, ``--max-ii``,
``--explain``) and prints the schedule itself: ``ii`` in time units and GPU
cycles, the length, the warp groups and the per-``ii`` proofs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from planner.core import console
from planner.core.errors import InputError
from planner.core.io import dump_json, dump_jsonl, emit_instances, ensure_not_input
from planner.core.result import Result
from planner.pipelining.instance import MAX_WARP_GROUPS, Instance

plan_app = typer.Typer(help="Plan pipelined, warp-specialized GPU kernels.", no_args_is_help=True)


@plan_app.command("pipelining")
def plan_pipelining(
    kernels: Annotated[
        list[str],
        typer.Argument(
            metavar="KERNEL...", help="Kernel files (or bundled names such as fa3_fwd_hopper.json)."
        ),
    ],
    warps: Annotated[
        int | None,
        typer.Option(
            "--warps", help="Fix the number of warp groups (is it feasible with fewer?).", min=1
        ),
    ] = None,
    max_ii: Annotated[
        int | None,
        typer.Option(
            "--max-ii", help="Consider initiation intervals up to this (time units).", min=1
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Name the resource or recurrence that binds ii.")
    ] = False,
    method: Annotated[str, typer.Option("--method", "-m", help="auto, exact or ims.")] = "auto",
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="Seconds per kernel (> 0).")
    ] = 10.0,
    threads: Annotated[int, typer.Option("--threads", help="Solver threads.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    json_out: Annotated[
        bool, typer.Option("--json", help="JSON Lines on stdout, nothing else.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write results (JSON; JSON Lines for several)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Draw the reservation table and warp lanes (PNG).")
    ] = None,
) -> None:
    """Software-pipeline and warp-specialize GPU loops (Twill's problem), with proofs."""
    from planner.core.family import get_family
    from planner.core.specs import load_instances
    from planner.pipelining.schedule import schedule

    family = get_family("pipelining")
    family.method(method)
    if warps is not None and warps > MAX_WARP_GROUPS:  # no SM holds more, whatever the loop
        raise InputError(f"--warps {warps}: at most {MAX_WARP_GROUPS} (resident warps per SM)")
    loaded = load_instances(family, kernels)
    for target, flag in ((out, "--out"), (plot, "--plot")):
        if target is not None:
            ensure_not_input(target, [item.path for item in loaded], flag)
    results = []
    with console.clean_stdout() as stdout:
        for item in loaded:
            fixed = _warps_for(item.instance, warps)
            result = schedule(
                item.instance,
                time_limit=time_limit,
                method=method,
                warps=fixed,
                max_ii=max_ii,
                threads=threads,
                seed=seed,
                explain=explain,
            )
            if warps is not None and fixed != warps:
                result.stats["warps_clamped"] = {"asked": warps, "machine": fixed}
            results.append(result)
            if json_out:
                console.write_json_line(stdout, result.to_dict())
            if plot is not None:
                family.draw(item.instance, result, plot, len(loaded) > 1)
    if out is not None:
        dicts = [r.to_dict() for r in results]
        dump_json(out, dicts[0]) if len(dicts) == 1 else dump_jsonl(out, dicts)
    if not json_out:
        for item, result in zip(loaded, results, strict=True):
            _print(item.instance, result)


def _warps_for(instance: Instance, warps: int | None) -> int | None:
    """``--warps`` for one loop: at most its machine's warp groups, said on stderr when cut.

    ``--warps N`` asks whether the loop fits in N groups. A machine with fewer already
    answers for them (its SM holds no more, and more groups only grew the model past
    ``-t``), so a file mixing machines runs every loop rather than refusing all of them.
    """
    most = instance.machine.warp_groups
    if warps is None or warps <= most:
        return warps
    print(
        f"planner: note: --warps {warps}: {instance.name}'s machine has {most} warp groups; "
        f"scheduled with {most}",
        file=sys.stderr,
    )
    return most


def _print(instance: Instance, result: Result) -> None:
    from planner.pipelining.explain import explain_lines

    out = console.out_console()
    cpu = instance.cycles_per_unit
    s = result.stats
    head = f"{result.instance} · {result.method} · {result.status} · {result.runtime_s:.2f} s"
    out.print(head, markup=False, highlight=False)
    if result.solution is not None:
        sol = result.solution
        out.print(
            f"  ii {sol.ii} ({sol.ii * cpu} cycles)   length {sol.length} ({(sol.length or 0) * cpu} "
            f"cycles)   warp groups used {len(set(sol.warp.values()))} of {instance.machine.warp_groups}",
            markup=False,
            highlight=False,
        )
        by_group: dict[int, list[str]] = {}
        for op in instance.ops:
            by_group.setdefault(sol.warp[op.id], []).append(f"{op.id}@{sol.start[op.id]}")
        for g in sorted(by_group):
            out.print(f"  WG{g}: {' '.join(by_group[g])}", markup=False, highlight=False)
    out.print(
        f"  bounds: ResMII {s.get('res_mii')}, RecMII {s.get('rec_mii')}, WarpMII {s.get('warp_mii')}"
        f" (time units of {cpu} cycle{'' if cpu == 1 else 's'})",
        markup=False,
        highlight=False,
    )
    tried = s.get("ii_tried") or []
    if tried:
        proofs = ", ".join(f"{t['ii']}:{t['status']}" for t in tried)
        out.print(f"  ii tried: {proofs}", markup=False, highlight=False)
    if result.reason:
        out.print(f"  {result.reason}", markup=False, highlight=False)
    if "explain" in s:
        for line in explain_lines(s["explain"]):
            if line.startswith("bounds: "):  # printed above, with the time unit
                continue
            out.print(f"  {line}", markup=False, highlight=False)


def gen(
    ops: Annotated[
        str, typer.Option("--ops", help="Ops per loop: N or MIN..MAX (at most 100).")
    ] = "10..60",
    units: Annotated[
        str, typer.Option("--units", help="Functional units: N or MIN..MAX (2..8).")
    ] = "3..5",
    recurrences: Annotated[
        str,
        typer.Option("--recurrences", help="Loop-carried cycles: N or MIN..MAX (at most 10)."),
    ] = "2",
    count: Annotated[int, typer.Option("--count", help="Number of loops.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here (JSON; JSON Lines when --count > 1)."),
    ] = None,
) -> None:
    """Random loops: units with capacities, TMA-like loads, a DAG plus recurrences.

    Largest settings: --ops up to 100, --units up to 8, --recurrences up to 10
    (the exact model proves most loops of up to 60 ops within seconds).
    """
    from planner.pipelining.generate import generate, parse_range

    emit_instances(
        generate(
            parse_range(ops, "ops"),
            parse_range(units, "units"),
            parse_range(recurrences, "recurrences"),
            count=count,
            seed=seed,
        ),
        out,
    )
