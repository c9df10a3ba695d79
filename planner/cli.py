"""The ``planner`` command (Typer + Rich).

Exit codes: 0 when the run completed (whatever the status, INFEASIBLE
included), 2 for bad input or usage (one line on stderr, no traceback), 1 for
an internal error (set ``PLANNER_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import errno
import functools
import inspect
import math
import os
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from planner.core import console, validate
from planner.core.errors import InputError
from planner.core.family import (
    KNOWN_FAMILIES,
    Family,
    Reference,
    families,
    get_family,
    plugged_families,
    warm_up,
)
from planner.core.io import dump_json, dump_jsonl
from planner.core.paths import checked_data_env, given_or_bundled
from planner.core.result import Result, plain_number
from planner.core.solve import solve as solve_instance
from planner.core.specs import Loaded, load_instances

#: Top-level commands that families add (``Family.commands``), with their one-line
#: help, so ``planner --help`` lists them without importing any family (a test
#: checks that every family command is declared here).
FAMILY_COMMANDS: dict[str, str] = {
    "plan": (
        "Plan deployments: training layouts (plan train, plan compare), serving replicas "
        "(plan serve), sequence-parallel runs (plan seqpar), pipelined GPU loops "
        "(plan pipelining)."
    ),
}

#: Sub-commands that need no family command attached to run (the family named on
#: the command line is imported by the command itself).
CORE_ONLY = ("families", "warmup", "solve", "bench", "calibrate")

TimeLimit = Annotated[
    float, typer.Option("--time-limit", "-t", help="Seconds per instance and method (> 0).")
]
Threads = Annotated[int, typer.Option("--threads", help="Solver threads per run (>= 1).")]
Seed = Annotated[int, typer.Option("--seed", help=f"Random seed (0..{validate.MAX_SEED}).")]
Json = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, nothing else.")]


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
    from rich.table import Table

    table = Table(title="planner families")
    for col in ("family", "method", "kind", "summary"):
        table.add_column(col)
    for f in families().values():
        for i, m in enumerate(f.methods.values()):
            table.add_row(f.name if i == 0 else "", m.name, m.kind, m.summary)
        table.add_section()
    console.out_console().print(table)


def print_version(value: bool) -> None:
    """``--version``: planner's version, the checkout's commit and the solvers' versions (what
    every JSON result records), then exit."""
    if not value:
        return
    from planner.core.provenance import provenance

    info = provenance()
    solvers = ", ".join(f"{name} {ver or 'not installed'}" for name, ver in info["solvers"].items())
    commit = f"commit {info['git_commit'][:12]}, " if info["git_commit"] else ""
    print(f"planner {info['planner_version']} ({commit}{solvers})")
    raise typer.Exit()


def root_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print planner's version, commit and solver versions, then exit.",
            is_eager=True,
            callback=print_version,
        ),
    ] = False,
) -> None:
    """Constraint-solver planning toolkit for AI infrastructure."""


def warmup_cmd(
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[FAMILY...]", help="Families (default: all).")
    ] = None,
) -> None:
    """Load or compile the families' JIT kernels now (compiled once per installation)."""
    chosen = [get_family(n) for n in names] if names else list(families().values())
    for family in chosen:
        start = time.perf_counter()
        warm_up(family)
        console.err.print(f"{family.name}: ready in {time.perf_counter() - start:.1f} s")


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
        Path | None,
        typer.Option("--plot", help="Draw the solution to this image (.png, .svg, .pdf)."),
    ] = None,
) -> None:
    """Solve instances of a family and print the certificate of each."""
    family = get_family(family_name)
    if plot is not None and family.plot is None:
        raise InputError(f"--plot: family {family.name} has no plot")
    family.method(method)
    read_start = time.perf_counter()
    loaded = load_instances(family, instances)
    read_s = (time.perf_counter() - read_start) / len(loaded)  # shared equally
    inputs = family.input_files([item.path for item in loaded])
    if out is not None:
        validate.output_file(out, "--out", inputs=inputs)
    if plot is not None:
        validate.output_file(plot, "--plot", inputs=inputs, suffixes=validate.IMAGE_SUFFIXES)
    results: list[Result] = []
    with console.clean_stdout() as stdout:
        for item in loaded:
            result = solve_instance(
                item.instance, method, time_limit=time_limit, threads=threads, seed=seed
            )
            note_reading(result, read_s)
            results.append(result)
            _warn_instance(item)
            if json_out:
                console.write_json_line(stdout, result.to_dict())
            if plot is not None:
                family.draw(item.instance, result, plot, len(loaded) > 1)
    if out is not None:
        dicts = [r.to_dict() for r in results]
        dump_json(out, dicts[0]) if len(dicts) == 1 else dump_jsonl(out, dicts)
    if not json_out:
        _print_results(results)


#: Reading an instance faster than this is not recorded (seconds): everyday files.
READ_NOTE_S = 0.1


def note_reading(result: Result, read_s: float) -> None:
    """Record in ``result.stats['read_s']`` the seconds its instance took to read, when at least
    :data:`READ_NOTE_S`, and warn when reading and solving together ran over the time limit by
    more than the solve's own tolerance: the limit bounds the solve, not the file's reading
    (s30polish: a million-job smtt JSON reads in 0.4-0.7 CPU s, so ``-t 1`` cannot hold)."""
    if read_s < READ_NOTE_S:
        return
    result.stats["read_s"] = round(read_s, 3)
    limit = result.time_limit
    if limit is None or not math.isfinite(limit):
        return
    total = read_s + result.runtime_s
    if total > limit + max(1.0, 0.1 * limit):
        print(
            f"planner: warning: {result.instance}: reading it took {read_s:.2f} s beside the "
            f"solve's {result.runtime_s:.2f} s, {total - limit:.2f} s over the {limit:.2f} s "
            "limit, which bounds the solve only",
            file=sys.stderr,
        )


def _warn_instance(item: Loaded) -> None:
    """The instance's warnings (e.g. a serving pool its named engine cannot run on, left out
    of the search) on stderr, one line each: ``plan`` commands print them, ``solve`` did not."""
    meta = getattr(item.instance, "meta", None)
    for text in meta.get("warnings", []) if isinstance(meta, dict) else []:
        print(f"planner: warning: {text}", file=sys.stderr)


def bench_cmd(
    family_name: Annotated[
        str | None, typer.Argument(metavar="FAMILY", help="Problem family (not with --compare).")
    ] = None,
    suites: Annotated[
        list[str] | None,
        typer.Argument(metavar="SUITE|PATH...", help="Suite names, files, FILE#SEL, dirs, globs."),
    ] = None,
    methods: Annotated[
        str,
        typer.Option(
            "--methods", help="Comma-separated method names, FILE.py:FUNC or module:func plugins."
        ),
    ] = "auto",
    heuristic: Annotated[
        list[str] | None,
        typer.Option(
            "--heuristic",
            help="A plugin heuristic FILE.py:FUNC or module:func (repeatable): the same as "
            "adding it to --methods. It gets the family's plain-data view of each instance and "
            "returns a native answer (README: Contributing).",
        ),
    ] = None,
    time_limit: TimeLimit = 10.0,
    threads: Threads = 1,
    seed: Seed = 0,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Parallel worker processes (local; default 1) or tasks in flight (ray; "
            "default: the cluster's CPUs / --threads).",
            min=1,
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor", help="local (process pool) or ray (pip install 'planner[ray]')."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address", help="Ray cluster address (--executor ray; default: a local Ray instance)."
        ),
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Append one row per finished run here.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Markdown summary (a .md file), with PNG plots next to it (refuses to replace "
            "a file without --force).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing --report (--resume may always).")
    ] = False,
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
    compare_csv: Annotated[
        tuple[Path, Path] | None,
        typer.Option(
            "--compare",
            metavar="A.csv B.csv",
            help="Compare two benchmark CSVs (per method and per instance) instead of running.",
        ),
    ] = None,
    json_out: Json = False,
) -> None:
    """Run methods and plugin heuristics over a suite and summarize against references.

    Prints a Markdown summary per method on stdout (``--json``: one JSON object
    per run instead); a progress bar on stderr when it is a terminal.
    """
    command_line = "planner " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if compare_csv is not None:
        _compare(compare_csv, family_name, suites, report, force, json_out)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from planner.bench.report import summarize, terminal_tables, write_report
    from planner.bench.rows import ERROR, json_row
    from planner.bench.runner import EXECUTORS, family_tasks, run_bench

    if family_name is None or not suites:
        raise InputError("bench: give FAMILY and SUITE|PATH... (or --compare A.csv B.csv)")
    if executor not in EXECUTORS:
        raise InputError(f"--executor: unknown executor {executor!r} (local or ray)")
    if address is not None and executor != "ray":
        raise InputError("--address: only with --executor ray")
    if executor == "ray":
        from planner.bench.ray_executor import check_ray_installed

        check_ray_installed()
    family = get_family(family_name)
    method_names = [m.strip() for m in methods.split(",") if m.strip()]
    method_names += [h.strip() for h in heuristic or [] if h.strip()]
    method_names = list(dict.fromkeys(method_names))
    if not method_names:
        raise InputError("--methods: no method given")
    for name in heuristic or []:
        if ":" not in name:
            raise InputError(f"--heuristic {name}: expected FILE.py:FUNCTION or MODULE:FUNCTION")
        # loaded here so a bad plugin is named by the flag that gave it (it said --methods)
        family.method(name.strip(), flag="--heuristic")
    if resume and csv_path is None:  # was ignored: every run started again
        raise InputError("--resume skips the runs already in --csv FILE: give --csv")
    loaded = load_instances(family, suites)
    if limit is not None:
        loaded = loaded[:limit]
    inputs = family.input_files([item.path for item in loaded])
    if csv_path is not None:
        validate.output_file(csv_path, "--csv", inputs=inputs)
    if report is not None:
        # a Markdown summary: `--report x.csv` wrote Markdown under a CSV name (the rows are --csv)
        validate.output_file(
            report, "--report", inputs=inputs, force=force or resume, suffixes=(".md",)
        )
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
                console.write_json_line(stdout, json_row(row))

        try:
            rows = run_bench(
                tasks,
                csv_path=csv_path,
                jobs=jobs or (1 if executor == "local" else 1_000_000),
                executor=executor,
                address=address,
                resume=resume,
                on_row=on_row,
            )
        except KeyboardInterrupt:
            # Ctrl-C ended the run without a word (Typer turns it into exit 130): say where
            # the finished runs are and how to go on (s27walk)
            kept = (
                f"the finished runs are in {csv_path}; add --resume to run the rest"
                if csv_path is not None
                else "no --csv was given, so the finished runs were not kept"
            )
            print(f"planner: bench interrupted: {kept}", file=sys.stderr)
            raise
    if report is not None:
        write_report(
            report,
            rows,
            title=f"planner bench {family.name}",
            command=command_line,
            size_label=family.size_label,
        )
    if json_out:
        return
    summaries = summarize(rows)
    sys.stdout.write(
        terminal_tables(summaries, with_reference=any(r.get("reference") for r in rows))
    )
    sys.stdout.flush()
    errors = sum(r["status"] == ERROR for r in rows)
    if errors:
        console.err.print(
            f"[red]{errors} run(s) did not finish (status ERROR: an internal error or a lost "
            "worker); see the reason column, --resume runs them again[/red]"
        )
        raise typer.Exit(1)


def _compare(
    paths: tuple[Path, Path],
    family_name: str | None,
    suites: list[str] | None,
    report: Path | None,
    force: bool,
    json_out: bool,
) -> None:
    """``planner bench --compare A.csv B.csv``: print (and with --report write) the diff."""
    from dataclasses import asdict

    from planner.bench.compare import check_same_family, compare, markdown
    from planner.bench.rows import read_rows
    from planner.core.io import write_atomic

    if family_name is not None or suites:
        raise InputError("--compare takes two CSV files and no FAMILY or SUITE")
    for path in paths:
        if path.is_dir():  # was "no such file" (s30bad)
            raise InputError(f"--compare {path}: is a directory, expected a CSV file")
        if not path.is_file():
            raise InputError(f"--compare: no such file {path}")
    if report is not None:
        validate.output_file(report, "--report", inputs=list(paths), force=force, suffixes=(".md",))
    rows_a, rows_b = read_rows(paths[0]), read_rows(paths[1])
    check_same_family(rows_a, rows_b, str(paths[0]), str(paths[1]))
    result = compare(rows_a, rows_b)
    if json_out:
        with console.clean_stdout() as stdout:
            for diff in result.methods:
                console.write_json_line(stdout, {**asdict(diff), "note": diff.note})
        return
    text = markdown(result, str(paths[0]), str(paths[1]))
    if report is not None:
        write_atomic(report, text)
    sys.stdout.write(text)
    sys.stdout.flush()


def calibrate_cmd(
    check: Annotated[
        bool, typer.Option("--check", help="Refit and fail if the shipped constants differ.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Write the accuracy report (Markdown; refuses to replace a file without --force).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --report.")] = False,
    rows_file: Annotated[
        Path | None,
        typer.Option("--rows", help="Your own step-time rows (CSV): refit into --profile NAME."),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Profile saved from --rows (constants.json is not changed)."
        ),
    ] = None,
    json_out: Json = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Processes that evaluate the rows (the fitted constants do not depend on it).",
            min=1,
        ),
    ] = 2,
) -> None:
    """Fit the performance model's constants to the published rows marked fit.

    Prints each fitted constant with the rows it came from and writes them to
    the constants file the model reads; ``--check`` writes nothing and exits 1
    when the shipped constants differ from the fit (relative tolerance 1e-3).
    """
    if rows_file is not None or profile is not None:
        from planner.train.cli import calibrate_profile

        calibrate_profile(rows_file, profile, check=check, report=report, json_out=json_out)
        return
    if report is not None:
        validate.output_file(report, "--report", force=force, suffixes=(".md",))
    import planner.serve
    import planner.train  # noqa: F401
    from planner.perfmodel.calibration import fit as calibration

    started = time.perf_counter()

    def phase(line: str) -> None:
        """One line per phase on stderr (the fit takes minutes; stdout stays the table)."""
        elapsed = time.perf_counter() - started
        console.err.print(f"calibrate: {line} ({elapsed:.0f} s)", highlight=False, soft_wrap=True)

    from planner.perfmodel import kernels
    from planner.perfmodel.calibration import deepgemm

    # the Hopper FP8 GEMM law first: the serving rows of its engines are priced with it
    law = deepgemm.fit()
    phase(
        f"Hopper FP8 GEMM law fitted to DeepGEMM's table (RMS log error "
        f"{deepgemm.rms_log_error(law):.3f})"
    )
    law_diffs = deepgemm.check(law) if check else []
    if not check:
        deepgemm.write(law)
        kernels.fp8_law_constants.cache_clear()
    result = calibration.fit(on_stage=phase, jobs=jobs)
    rows = calibration.summary_rows(result)
    phase("fit done" + ("; comparing with the shipped constants" if check else ""))
    diffs = law_diffs + (calibration.compare(result, calibration.shipped()) if check else [])
    if not check:
        calibration.write_constants(result)
    if report is not None:
        phase(f"writing the accuracy report {report} (predicts every row)")
        command = "planner " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        calibration.report(result, report, command=command)
    if json_out:
        with console.clean_stdout() as out:
            for row in rows:
                console.write_json_line(out, {**row, "check": not diffs} if check else row)
    else:
        from rich.table import Table

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
    if check:  # the verdict, not only the exit code: a passing check printed just the table
        console.err.print(
            f"calibrate --check: passed, the shipped constants are the fit's ({len(rows)} "
            "constants, relative tolerance 1e-3)",
            highlight=False,
            soft_wrap=True,
        )


def _references(family: Family, spec: str, instances: list) -> dict[str, Reference]:
    """``--reference SPEC``: a field of the instances or a reference file of the family.

    A bare file name missing from the working directory is looked up in the bundled
    ``instances/<family>/`` as instance names are: ``--reference wtopt40_first3.txt`` beside
    the bundled ``wt40_first3.txt`` was "no such file" outside the checkout (s27walk).
    """
    found = given_or_bundled(spec, family.name)
    if found.is_file():
        spec = str(found)
    if family.reference is not None:
        return family.reference(spec, instances)
    return field_reference(spec, instances)


def field_reference(field: str, instances: list) -> dict[str, Reference]:
    """References read from a field of each instance's ``meta`` (e.g. ``optimum``)."""
    refs = {}
    for inst in instances:
        value = getattr(inst, "meta", {}).get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            refs[inst.name] = Reference(value=value)
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
    """The certificates as a table that stays readable at 80 columns (names fold, numbers never)."""
    from rich import box
    from rich.table import Table

    rows = [
        [
            r.instance,
            r.method,
            r.status.value,
            _fmt(r.objective),
            _fmt(r.bound),
            "–" if r.gap is None else f"{100 * r.gap:.2f}%",
            f"{r.runtime_s:.3f}",
            "yes" if r.verified else "no",
        ]
        for r in results
    ]
    heads = ("instance", "method", "status", "objective", "bound", "gap", "time s", "verified")
    # no padding: the box's one-space divider separates columns, so all eight fit in 80
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
    for k, head in enumerate(heads):
        foldable = head in ("instance", "method")  # names fold; numbers and words never do
        table.add_column(
            head,
            justify="right" if head in ("objective", "bound", "gap", "time s") else "left",
            overflow="fold",
            min_width=None if foldable else max(len(head), *(len(row[k]) for row in rows)),
            no_wrap=not foldable,
        )
    for row in rows:
        table.add_row(*row)
    out = console.out_console()
    out.print(table)
    for r in results:
        if r.reason:
            out.print(f"{r.instance}: {r.reason}", markup=False, highlight=False, soft_wrap=False)


def _fmt(value: int | float | None) -> str:
    """Integers in full (exact, however large); other numbers to 6 significant digits."""
    value = plain_number(value)
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.6g}"


def build_app(family_names: list[str] | None = None) -> typer.Typer:
    """The Typer app: the core commands plus the named families' commands.

    Parameters
    ----------
    family_names
        Families whose ``gen`` and extra commands are attached; ``None`` means
        every registered family. Commands of :data:`FAMILY_COMMANDS` that are not
        attached appear as placeholders, so help lists them without importing
        a family.
    """
    root = typer.Typer(
        name="planner",
        help="Constraint-solver planning toolkit for AI infrastructure.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,  # plain help: reads at 80 columns, starts ~0.1 s faster
    )
    root.callback()(root_options)
    root.command("families")(families_cmd)
    root.command("warmup")(warmup_cmd)
    root.command("solve")(solve_cmd)
    root.command("bench")(bench_cmd)
    root.command("calibrate")(calibrate_cmd)
    gen_app = typer.Typer(
        help="Generate instances with the literature's generators.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    root.add_typer(gen_app, name="gen")
    chosen = (
        list(families().values())
        if family_names is None
        else [get_family(name) for name in family_names]
    )
    # Families that name the same group (``plan``) share it: each contributes its
    # sub-commands (``plan train``, ``plan serve``) to one Typer group.
    groups: dict[str, typer.Typer] = {}
    for family in chosen:
        if family.gen_command is not None:
            gen_app.command(family.name, help=family.title)(refuse_overwrite(family.gen_command))
        for name, sub in family.commands.items():
            group = groups.get(name)
            if group is None:
                help_text = FAMILY_COMMANDS.get(name, sub.info.help)
                group = groups[name] = typer.Typer(
                    help=help_text, no_args_is_help=True, rich_markup_mode=None
                )
                root.add_typer(group, name=name)
            group.registered_commands.extend(sub.registered_commands)
            group.registered_groups.extend(sub.registered_groups)
    for name, summary in FAMILY_COMMANDS.items():
        if name not in groups and family_names is not None:
            root.add_typer(typer.Typer(help=summary, rich_markup_mode=None), name=name)
    return root


def families_needed(args: list[str]) -> list[str] | None:
    """Which families' commands ``args`` needs (``None``: all of them).

    ``planner --help``, ``solve``, ``bench``, ``warmup`` and ``families`` need none
    (so they start without importing any family); ``gen FAMILY`` and ``plan FAMILY`` need
    that one.
    """
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return [] if not args or set(args) <= {"--help", "--version"} else None
    if words[0] in CORE_ONLY:
        return []
    if words[0] == "gen" and len(words) > 1 and words[1] in KNOWN_FAMILIES:
        return [words[1]]
    if words[0] in FAMILY_COMMANDS and len(words) > 1 and words[1] in KNOWN_FAMILIES:
        # `plan pipelining`, `plan seqpar`: a sub-command named after a family is that
        # family's (tests/cli/test_startup.py checks it); importing every family for it cost
        # ~0.9 s of CPU (train, serve, HiGHS) on each call, `--help` included
        return [words[1]]
    return None


def refuse_overwrite(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a ``gen`` command a ``--force`` flag: without it, an existing ``--out`` is kept.

    The check runs before anything is generated. Commands without an ``out``
    parameter are returned unchanged.
    """
    signature = inspect.signature(func, eval_str=True)
    if "out" not in signature.parameters or "force" in signature.parameters:
        return func

    @functools.wraps(func)
    def guarded(**kwargs: Any) -> Any:
        force = kwargs.pop("force")
        if kwargs.get("out") is not None:
            validate.output_file(kwargs["out"], "--out", force=force)
        return func(**kwargs)

    force = inspect.Parameter(
        "force",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")],
    )
    params = [*signature.parameters.values(), force]
    guarded.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    guarded.__annotations__ = {p.name: p.annotation for p in params}
    return guarded


#: Checks applied to these options on every command (core and family ones alike),
#: while the command line is parsed, so nothing runs with a bad value.
OPTION_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "--time-limit": validate.time_limit,
    "--threads": lambda value, name: _threads_within_cores(validate.threads(value, name), name),
    "--seed": validate.seed,
    "--out": validate.output_file,
    "--report": validate.output_file,
    "--csv": validate.output_file,
    "--plot": lambda value, name: validate.output_file(
        value, name, suffixes=validate.IMAGE_SUFFIXES
    ),
    "--plot-breakdown": lambda value, name: validate.output_file(
        value, name, suffixes=validate.IMAGE_SUFFIXES
    ),
}


def _threads_within_cores(threads: int, flag: str) -> int:
    """``threads``, with one warning line on stderr when it is more than this machine's cores.

    Accepted all the same (a solver may run more workers than cores), but silently it cost
    hours: ``solve pipelining gemm_hopper.json -t 1e9 --threads 64`` on 2 cores ran past 10
    minutes, 65 threads taking turns (s25scale).
    """
    cores = os.cpu_count()
    if cores is not None and threads > cores:
        print(
            f"planner: warning: {flag} {threads} is more than the {cores} CPU cores of this "
            "machine; the threads will take turns on them",
            file=sys.stderr,
        )
    return threads


def command(args: list[str] | None = None) -> Any:
    """The ``planner`` Click command for ``args``, options checked (see ``OPTION_CHECKS``).

    Only the families ``args`` needs are imported (:func:`families_needed`);
    without ``args`` every family's commands are attached.
    """
    root = typer.main.get_command(build_app(None if args is None else families_needed(args)))
    for cmd in walk_commands(root):
        for param in cmd.params:
            flag = next((o for o in param.opts if o in OPTION_CHECKS), None)
            if flag is not None:
                param.callback = _checked(param.callback, OPTION_CHECKS[flag], flag)
            if _ranged_float(param):
                param.process_value = _finite_first(param.process_value, param)
            if _names_a_file(param):
                param.process_value = _non_empty(param.process_value, param)
    return root


#: String options that name a file or a catalog entry (an empty one read as the folder '.').
NAMING_OPTIONS = ("--model", "--gpus")


def _names_a_file(param: Any) -> bool:
    """Whether ``param`` is an option whose value is a path (``--trace``, ``--from FMT FILE``)
    or a name of :data:`NAMING_OPTIONS`."""
    if getattr(param, "param_type_name", "") != "option":
        return False
    desc = getattr(param, "type_descriptor", None)
    return "Path" in str(getattr(desc, "annotation", "")) or bool(
        set(param.opts) & set(NAMING_OPTIONS)
    )


def _non_empty(original: Callable, param: Any) -> Callable:
    """``param.process_value`` refusing an empty value: ``Path('')`` is the current folder, so
    ``--trace ''`` said ".: is a directory" and ``--model ''`` ": a folder without a
    config.json", naming neither the flag nor the mistake (s19polish's sweep)."""
    flag = max(param.opts, key=len)
    what = "a file or catalog name" if set(param.opts) & set(NAMING_OPTIONS) else "a file name"

    def process_value(ctx: Any, value: Any) -> Any:
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, str) and not v.strip() for v in values):
            raise InputError(f"{flag}: empty value, expected {what}")
        return original(ctx, value)

    return process_value


def _ranged_float(param: Any) -> bool:
    """Whether ``param`` is a float option with a ``min`` or ``max`` (``--qps``, ``--tf``)."""
    desc = getattr(param, "type_descriptor", None)
    return desc is not None and desc.annotation is float and desc.is_ranged


def _finite_first(original: Callable, param: Any) -> Callable:
    """``param.process_value`` refusing NaN and infinities before Typer's range check, which
    told ``--qps nan`` 'Input should be greater than or equal to 0' (NaN compares false)."""
    flag = param.opts[0]
    bounds = [f">= {param.min:g}" if param.min is not None else ""]
    bounds.append(f"<= {param.max:g}" if param.max is not None else "")
    limits = " and ".join(b for b in bounds if b)

    def process_value(ctx: Any, value: Any) -> Any:
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = 0.0  # not a number at all: Typer's own message says so
            if not math.isfinite(number):
                raise InputError(f"{flag} {value}: must be a finite number {limits}")
        return original(ctx, value)

    return process_value


def walk_commands(cmd: Any) -> list[Any]:
    """``cmd`` and all its sub-commands, depth first."""
    out = [cmd]
    for sub in getattr(cmd, "commands", {}).values():
        out += walk_commands(sub)
    return out


#: Options naming an output file: two of them on one path would overwrite each other.
OUTPUT_FLAGS = ("--out", "--report", "--csv", "--plot", "--plot-breakdown")


def _checked(original: Callable | None, check: Callable[[Any, str], Any], flag: str) -> Callable:
    def callback(ctx: Any, param: Any, value: Any) -> Any:
        if value is not None:
            checked = check(value, flag)
            if flag in OUTPUT_FLAGS:
                _one_output_per_path(ctx, Path(value), flag)
            if not isinstance(value, Path):  # paths stay as the command declared them
                value = checked
        return original(ctx, param, value) if original is not None else value

    return callback


def _one_output_per_path(ctx: Any, path: Path, flag: str) -> None:
    """``InputError`` when another output option of this command names the same file."""
    seen = ctx.meta.setdefault("planner.outputs", {})
    key = path.resolve()
    if key in seen:
        raise InputError(f"{flag} {path}: {seen[key]} writes the same file")
    seen[key] = flag


def check_environment() -> None:
    """Reject a misconfigured environment before any command runs (exit 2)."""
    checked_data_env()
    plugged_families()


def _is_click_error(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` is Click's exception ``name`` (Typer may ship its own copy of Click)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _one_line(text: str) -> str:
    return " ".join(text.split())


#: Exit code of an interrupted command (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``planner`` console script."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if "--help" not in args:
            check_environment()
        cli = command(args)
        # messages shared with the library name flags here, keywords there (validate.arg)
        with console.live_progress(wants_live_line(args)), validate.flag_names():
            result = cli.main(args=args, prog_name="planner", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == INTERRUPTED:  # Typer's answer to Ctrl-C in a command: Exit(130), silent
            print("planner: interrupted", file=sys.stderr)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except InputError as exc:
        print(f"planner: error: {_one_line(str(exc))}", file=sys.stderr)
        code = 2
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            code = _internal_error(exc)
        else:
            # a name given for a file or a catalog entry, too long for the file system:
            # Path.is_file() raises on it (--model, --gpus files, instance paths)
            name = str(exc.filename or "")
            shown = name if len(name) <= 60 else f"{name[:60]}... ({len(name):,} characters)"
            print(f"planner: error: {shown}: file name too long", file=sys.stderr)
            code = 2
    except KeyboardInterrupt:  # outside a command's callback (Typer handles those)
        print("planner: interrupted", file=sys.stderr)
        code = INTERRUPTED
    except typer.Abort:
        print("planner: aborted", file=sys.stderr)
        code = 1
    except Exception as exc:
        if _is_click_error(exc, "NoArgsIsHelpError"):
            code = main_help(args)
        elif _is_click_error(exc, "ClickException"):  # usage errors: one line, no box
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            print(f"planner: error: {_one_line(exc.format_message())}{hint}", file=sys.stderr)
            code = getattr(exc, "exit_code", 2)
        else:
            code = _internal_error(exc)
    sys.exit(code)


def _internal_error(exc: BaseException) -> int:
    """Report an unexpected exception on one line (its traceback with ``PLANNER_DEBUG``)."""
    if os.environ.get("PLANNER_DEBUG"):
        traceback.print_exc()
    print(
        f"planner: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
        "(set PLANNER_DEBUG=1 for details)",
        file=sys.stderr,
    )
    return 1


def wants_live_line(args: list[str]) -> bool:
    """``solve`` and ``plan`` show a live line on a terminal's stderr, never with ``--json``."""
    words = [a for a in args if not a.startswith("-")]
    return (
        bool(words)
        and words[0] in ("solve", "plan")
        and "--json" not in args
        and "--help" not in args
        and console.err.is_terminal
    )


def main_help(args: list[str]) -> int:
    """Show the help of a group called without a sub-command (``planner``, ``planner gen``)."""
    result = command(args).main(args=[*args, "--help"], prog_name="planner", standalone_mode=False)
    return result if isinstance(result, int) else 0
