"""Plugins in ``planner bench``: the paper's SMTT rules as plugin files, and a plugin that hangs.

``reproduce``: each suite is run with the built-in rules ``edd, mdd, eddc, mddc,
aug-mddc`` and the same rules written as plain plugin code
(``examples/plugins/smtt_paper_rules.py``); the report adds, per rule, on how many
instances the plugin's objective differs from the built-in's (the target is none)::

    .venv/bin/python bench/bench_plugins.py reproduce llm-n20 tkindt-n100 tkindt-n200 \\
        tkindt-n500 -t 60 --jobs 2 --out bench/results/bench

``sleep``: ``examples/plugins/sleeper.py:forever`` (it never returns) on ``--count``
instances with ``-t T`` through the ``planner bench`` command; the report gives each
call's recorded time and the whole command's wall time against ``count × T``::

    .venv/bin/python bench/bench_plugins.py sleep --count 10 -t 1 --out bench/results/bench

Both write ``<out>/<name>.csv`` and ``.md`` through :mod:`planner.bench` (CSV rows,
report and plots are the library's); ``reproduce`` resumes an existing CSV.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from planner.bench import family_tasks, markdown_rows, read_rows, run_bench, write_report
from planner.core import get_family
from planner.core.isolation import grace_s
from planner.core.specs import load_instances

ROOT = Path(__file__).resolve().parents[1]
RULES = ("edd", "mdd", "eddc", "mddc", "aug-mddc")
PLUGIN_FILE = "examples/plugins/smtt_paper_rules.py"
SLEEPER = "examples/plugins/sleeper.py:forever"


def plugin_of(rule: str) -> str:
    return f"{PLUGIN_FILE}:{rule.replace('-', '_')}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def reproduce(args: argparse.Namespace) -> None:
    family = get_family("smtt")
    for suite in args.suites:
        loaded = load_instances(family, [suite])
        instances = [x.instance for x in loaded]
        refs = family.reference("optimum", instances)
        methods = [*RULES, *(plugin_of(r) for r in RULES)]
        tasks = family_tasks(
            "smtt",
            instances,
            methods,
            time_limit=args.time_limit,
            threads=1,
            seed=0,
            references=refs,
        )
        csv_path = args.out / f"plugins_{suite}.csv"
        before = load()
        started = time.perf_counter()
        rows = run_bench(tasks, csv_path=csv_path, jobs=args.jobs, resume=csv_path.exists())
        wall = time.perf_counter() - started
        table = []
        for rule in RULES:
            built = {r["instance"]: r for r in rows if r["method"] == rule}
            plug = {r["instance"]: r for r in rows if r["method"] == plugin_of(rule)}
            common = [n for n in built if n in plug]
            differ = [n for n in common if built[n]["objective"] != plug[n]["objective"]]
            table.append(
                {
                    "rule": rule,
                    "plugin": plugin_of(rule),
                    "instances": len(common),
                    "objective differs": len(differ),
                    "first difference": differ[0] if differ else "",
                    "built-in mean time s": _mean(built[n]["runtime_s"] for n in common),
                    "plugin mean time s": _mean(plug[n]["runtime_s"] for n in common),
                }
            )
        command = "python bench/bench_plugins.py " + shlex.join(sys.argv[1:])
        write_report(
            args.out / f"plugins_{suite}.md",
            read_rows(csv_path),
            title=f"SMTT rules as plugins vs built-in: {suite}",
            command=command,
            notes=[
                f"This run: {len(tasks)} tasks, wall {wall:.0f} s with {args.jobs} worker "
                f"processes; load average {before} before, {load()} after (2-core machine "
                "shared with other jobs). Plugin times include the round trip to the "
                "plugin's worker process."
            ],
            sections=[
                ("Plugins vs built-ins (same instances)", markdown_rows(table, list(table[0])))
            ],
            size_label=family.size_label,
        )
        print(f"{suite}: " + ", ".join(f"{t['rule']} {t['objective differs']}" for t in table))


def timed_bench(source: Path, method: str, csv_path: Path, args: argparse.Namespace):
    """Run ``planner bench`` with one method on the first ``--count`` instances: (command, wall s)."""
    csv_path.unlink(missing_ok=True)  # a fresh measurement
    cmd = [
        str(Path(sys.executable).with_name("planner")),
        "bench",
        "smtt",
        str(source),
        "--methods",
        method,
        "--limit",
        str(args.count),
        "-t",
        f"{args.time_limit:g}",
        "--csv",
        str(csv_path),
        "--json",
    ]
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return cmd, time.perf_counter() - started


def sleep(args: argparse.Namespace) -> None:
    family = get_family("smtt")
    source = ROOT.parent / "shared" / "data" / "smtt" / "tkindt_n100.jsonl"
    csv_path = args.out / "sleeper.csv"
    before = load()
    # the same command with a plugin that answers at once: start-up, loading, one plugin worker
    _, base_wall = timed_bench(source, plugin_of("edd"), args.out / "sleeper_baseline.csv", args)
    (args.out / "sleeper_baseline.csv").unlink()
    cmd, wall = timed_bench(source, SLEEPER, csv_path, args)
    rows = read_rows(csv_path)
    assert {r["method"] for r in rows} == {SLEEPER}, "only the sleeper runs"
    limit = args.time_limit
    kill_after = limit + grace_s(limit)
    per_call = [r["runtime_s"] for r in rows]
    summary = {
        "calls": len(rows),
        "time limit s": limit,
        "kill after s (limit + grace)": kill_after,
        "recorded time per call, mean s": _mean(per_call),
        "recorded time per call, max s": max(per_call),
        "timeouts": sum(r["failure"] == "timeout" for r in rows),
        "whole command wall s": round(wall, 2),
        "same command, instant plugin, wall s": round(base_wall, 2),
        "extra wall per call beyond limit + grace s": round(
            (wall - base_wall - len(rows) * kill_after) / max(1, len(rows)), 3
        ),
    }
    write_report(
        args.out / "sleeper.md",
        rows,
        title="A plugin that sleeps forever",
        command="python bench/bench_plugins.py " + shlex.join(sys.argv[1:]),
        notes=[
            f"The command run: `{shlex.join(['planner', *cmd[1:]])}` (from the repository "
            f"root), and the same with `--methods {plugin_of('edd')}` (a plugin that answers at "
            f"once) for the fixed costs: process start-up, loading the family, the first plugin "
            f"worker. Load average {before} before, {load()} after. The extra wall time per call "
            "is starting the plugin's worker process again after each kill."
        ],
        sections=[("Cost of the hanging plugin", markdown_rows([summary], list(summary)))],
        plots=False,
        size_label=family.size_label,
    )
    print(summary)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    rep = sub.add_parser("reproduce", help="the paper's rules as plugins vs the built-ins")
    rep.add_argument("suites", nargs="+")
    rep.add_argument("--jobs", type=int, default=2)
    slp = sub.add_parser("sleep", help="a plugin that never returns")
    slp.add_argument("--count", type=int, default=10)
    for p in (rep, slp):
        p.add_argument("-t", "--time-limit", type=float, default=60.0)
        p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reproduce(args) if args.what == "reproduce" else sleep(args)


if __name__ == "__main__":
    main()
