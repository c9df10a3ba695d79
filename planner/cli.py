"""The ``planner`` command (Typer + Rich).

Exit codes: 0 when the run completed (whatever the status, INFEASIBLE
included), 2 for bad input or usage (one line on stderr, no traceback), 1 for
an internal error (set ``PLANNER_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import os
import shlex
import sys
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from planner.core import console
from planner.core.errors import InputError
from planner.core.family import Family, Reference, families, get_family, warm_up
from planner.core.io import dump_json, dump_jsonl, ensure_not_input
from planner.core.result import Result
from planner.core.solve import solve as solve_instance
from planner.core.specs import Loaded, load_instances

app = typer.Typer(
    name="planner",
    help="Constraint-solver planning toolkit for AI infrastructure.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
gen_app = typer.Typer(
    help="Generate instances with the literature's generators.", no_args_is_help=True
)
app.add_typer(gen_app, name="gen")

TimeLimit = Annotated[
    float, typer.Option("--time-limit", "-t", help="Seconds per instance and method.", min=0)
]
Threads = Annotated[int, typer.Option("--threads", help="Solver threads per run.", min=1)]
Seed = Annotated[int, typer.Option("--seed", help="Random seed.")]
Json = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, nothing else.")]


@app.command("families")
def families_cmd(json_out: Json = False) -> None:
    """List families and their methods."""
    rows = [
        {
            "family": f.name,
            "title": f.title,
            "methods": {m.name: {"kind": m.kind, "summary": m.summary} for m in f.methods.values()},
            "suites": list(f.suites),
        }
        for f in families().values()
    ]
    if json_out:
        with console.clean_stdout() as out:
            for row in rows:
                console.write_json_line(out, row)
        return
    table = Table(title="planner families")
    for col in ("family", "method", "kind", "summary"):
        table.add_column(col)
    for f in families().values():
        for i, m in enumerate(f.methods.values()):
            table.add_row(f.name if i == 0 else "", m.name, m.kind, m.summary)
        table.add_section()
    console.out_console().print(table)


@app.command("warmup")
def warmup_cmd(
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[FAMILY...]", help="Families (default: all).")
    ] = None,
) -> None:
    """Load or compile the families' JIT kernels now (once per installation takes a minute)."""
    chosen = [get_family(n) for n in names] if names else list(families().values())
    for family in chosen:
        start = time.perf_counter()
        warm_up(family)
        console.err.print(f"{family.name}: ready in {time.perf_counter() - start:.1f} s")


@app.command("solve")
def solve_cmd(
    family_name: Annotated[
        str, typer.Argument(metavar="FAMILY", help="Problem family (see `planner families`).")
    ],
    instances: Annotated[
        list[str],
        typer.Argument(metavar="INSTANCE...", help="Files, FILE#NAME, FILE#INDEX, dirs, globs."),
    ],
    method: Annotated[
        str, typer.Option("--method", "-m", help="Method name (see `planner families`).")
    ] = "auto",
    time_limit: TimeLimit = 10.0,
    threads: Threads = 1,
    seed: Seed = 0,
    json_out: Json = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write results (JSON; JSON Lines for several)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Draw the solution to this PNG.")
    ] = None,
) -> None:
    """Solve instances of a family and print the certificate of each."""
    family = get_family(family_name)
    family.method(method)
    loaded = load_instances(family, instances)
    inputs = [item.path for item in loaded]
    for target in (out, plot):
        if target is not None:
            ensure_not_input(target, inputs)
    if plot is not None and family.plot is None:
        raise InputError(f"--plot: family {family.name} has no plot")
    results: list[Result] = []
    with console.clean_stdout() as stdout:
        for item in loaded:
            result = solve_instance(
                item.instance, method, time_limit=time_limit, threads=threads, seed=seed
            )
            results.append(result)
            if json_out:
                console.write_json_line(stdout, result.to_dict())
            if plot is not None and result.solution is not None:
                target = (
                    plot
                    if len(loaded) == 1
                    else plot.with_name(f"{plot.stem}_{_safe(result.instance)}{plot.suffix}")
                )
                family.plot(item.instance, result, target)
    if out is not None:
        dicts = [r.to_dict() for r in results]
        dump_json(out, dicts[0]) if len(dicts) == 1 else dump_jsonl(out, dicts)
    if not json_out:
        _print_results(results)


@app.command("bench")
def bench_cmd(
    family_name: Annotated[str, typer.Argument(metavar="FAMILY")],
    suites: Annotated[
        list[str],
        typer.Argument(metavar="SUITE|PATH...", help="Suite names, files, FILE#SEL, dirs, globs."),
    ],
    methods: Annotated[
        str, typer.Option("--methods", help="Comma-separated method names.")
    ] = "auto",
    time_limit: TimeLimit = 10.0,
    threads: Threads = 1,
    seed: Seed = 0,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Parallel worker processes.", min=1)
    ] = 1,
    executor: Annotated[str, typer.Option("--executor", help="local or ray.")] = "local",
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Append one row per finished run here.")
    ] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Markdown summary table.")] = None,
    reference: Annotated[
        str | None,
        typer.Option(
            "--reference", help="Field of the instances (e.g. optimum) or a reference file."
        ),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Skip runs already in --csv.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N instances.", min=1)
    ] = None,
    json_out: Json = False,
) -> None:
    """Run methods over a suite in parallel and summarize against references."""
    from planner.bench.report import markdown_table, summarize, write_markdown
    from planner.bench.runner import family_tasks, run_bench

    family = get_family(family_name)
    method_names = [m.strip() for m in methods.split(",") if m.strip()]
    if not method_names:
        raise InputError("--methods: no method given")
    loaded = load_instances(family, suites)
    if limit is not None:
        loaded = loaded[:limit]
    inputs = [item.path for item in loaded]
    for target in (csv_path, report):
        if target is not None:
            ensure_not_input(target, inputs)
    instances = [item.instance for item in loaded]
    _check_unique_names(loaded)
    refs = _references(family, reference, instances) if reference else None
    tasks = family_tasks(
        family.name,
        instances,
        method_names,
        time_limit=time_limit,
        threads=threads,
        seed=seed,
        references=refs,
    )
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console.err,
        disable=not console.err.is_terminal,
    )
    with console.clean_stdout() as stdout, progress:
        bar = progress.add_task(f"{family.name} bench", total=len(tasks), last="")

        def on_row(row: dict) -> None:
            progress.update(
                bar, advance=1, last=f"{row['instance']} {row['method']} {row['status']}"
            )
            if json_out:
                console.write_json_line(stdout, row)

        rows = run_bench(
            tasks, csv_path=csv_path, jobs=jobs, executor=executor, resume=resume, on_row=on_row
        )
    summaries = summarize(rows)
    command = "planner " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if report is not None:
        write_markdown(
            report,
            summaries,
            title=f"planner bench {family.name}",
            command=command,
            with_reference=refs is not None,
        )
    if json_out:
        return
    sys.stderr.write(markdown_table(summaries, with_reference=refs is not None))
    errors = sum(s.errors for s in summaries)
    if errors:
        console.err.print(
            f"[red]{errors} run(s) failed with an internal error; see the reason column[/red]"
        )
        raise typer.Exit(1)


@app.command("calibrate")
def calibrate_cmd(
    check: Annotated[
        bool, typer.Option("--check", help="Refit and fail if the shipped constants differ.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the accuracy report (Markdown).")
    ] = None,
    json_out: Json = False,
) -> None:
    """Fit the performance model's constants to the published rows marked fit."""
    import planner.serve
    import planner.train  # noqa: F401
    from planner.perfmodel.calibration import fit as calibration

    result = calibration.fit()
    rows = calibration.summary_rows(result)
    diffs = calibration.compare(result, calibration.shipped()) if check else []
    if not check:
        calibration.write_constants(result)
    if report is not None:
        command = "planner " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        calibration.report(result, report, command=command)
    if json_out:
        with console.clean_stdout() as out:
            for row in rows:
                console.write_json_line(out, {**row, "check": not diffs} if check else row)
    else:
        table = Table(title="fitted constants")
        for col in ("constant", "value", "fitted on"):
            table.add_column(col)
        for row in rows:
            sources = sorted({r.split("/")[0] for r in row["rows"]})
            table.add_row(
                row["constant"],
                f"{row['value']:.6g}",
                f"{len(row['rows'])} rows: {', '.join(sources)}",
            )
        console.out_console().print(table)
    for line in diffs:
        console.err.print(f"calibrate --check: {line}", highlight=False)
    if diffs:
        raise typer.Exit(1)


def _references(family: Family, spec: str, instances: list) -> dict[str, Reference]:
    if family.reference is not None:
        return family.reference(spec, instances)
    return field_reference(spec, instances)


def field_reference(field: str, instances: list) -> dict[str, Reference]:
    """References read from a field of each instance's ``meta`` (e.g. ``optimum``)."""
    refs = {}
    for inst in instances:
        value = getattr(inst, "meta", {}).get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            refs[inst.name] = Reference(value=float(value))
    if not refs:
        raise InputError(f"--reference: no instance has a numeric field {field!r}")
    return refs


def _check_unique_names(loaded: list[Loaded]) -> None:
    seen: dict[str, Path] = {}
    for item in loaded:
        name = item.instance.name
        if name in seen:
            raise InputError(
                f"{item.path}: instance name {name!r} also appears in {seen[name]}; names must be unique"
            )
        seen[name] = item.path


def _print_results(results: list[Result]) -> None:
    table = Table()
    name_width = min(40, max(len(r.instance) for r in results))
    table.add_column("instance", min_width=name_width, overflow="fold")
    for col in ("method", "status", "objective", "bound", "gap", "time s", "verified"):
        right = col in ("objective", "bound", "gap", "time s")
        table.add_column(col, justify="right" if right else "left")
    for r in results:
        gap = r.gap
        table.add_row(
            r.instance,
            r.method,
            r.status.value,
            _fmt(r.objective),
            _fmt(r.bound),
            "–" if gap is None else f"{100 * gap:.2f}%",
            f"{r.runtime_s:.3f}",
            "yes" if r.verified else "no",
        )
    out = console.out_console()
    out.print(table)
    for r in results:
        if r.reason:
            out.print(f"{r.instance}: {r.reason}", markup=False, highlight=False)


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


_ATTACHED = False


def _attach_family_commands() -> None:
    """Add each family's ``gen`` command and extra top-level commands (once).

    Families that name the same group (``plan``) share it: each contributes its
    sub-commands (``plan train``, ``plan serve``) to one Typer group.
    """
    global _ATTACHED
    if _ATTACHED:
        return
    _ATTACHED = True
    groups: dict[str, typer.Typer] = {}
    for family in families().values():
        if family.gen_command is not None:
            gen_app.command(family.name, help=family.title)(family.gen_command)
        for name, sub in family.commands.items():
            group = groups.get(name)
            if group is None:
                group = groups[name] = typer.Typer(help=sub.info.help, no_args_is_help=True)
                app.add_typer(group, name=name)
            group.registered_commands.extend(sub.registered_commands)
            group.registered_groups.extend(sub.registered_groups)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``planner`` console script."""
    args = sys.argv[1:] if argv is None else argv
    try:
        _attach_family_commands()
        app(args=args, prog_name="planner")  # standalone: usage errors exit 2 by themselves
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except InputError as exc:
        print(f"planner: error: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("planner: interrupted", file=sys.stderr)
        code = 130
    except Exception as exc:
        if os.environ.get("PLANNER_DEBUG"):
            traceback.print_exc()
        print(
            f"planner: internal error: {type(exc).__name__}: {exc} (set PLANNER_DEBUG=1 for details)",
            file=sys.stderr,
        )
        code = 1
    sys.exit(code)
