"""Start-up benchmark: wall time of `planner --help`, `planner families` and a small solve per family.

Each command runs as a fresh process (what a user types), ``--runs`` times after
``planner warmup``; the median, min and max wall times are reported, and for
solves the time the method itself took (``runtime_s`` of the JSON result), so
the rest is start-up: interpreter, imports, loading compiled kernels.

Writes ``startup.csv`` and ``startup.md`` into ``--out`` (default
``bench/results/startup``); the Markdown starts with the command that
reproduces it and the machine's load average, since timings on a shared
machine move with its load.

    python bench/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import measurement_row
from planner.core.provenance import provenance

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "instances"


def commands(scratch: Path) -> list[tuple[str, list[str]]]:
    """(label, planner arguments) of every measured command."""
    smtt500 = scratch / "smtt_n500.json"
    return [
        ("planner --help", ["--help"]),
        ("planner solve --help", ["solve", "--help"]),
        ("planner families", ["families"]),
        (
            "solve smtt n=500 (exact)",
            ["solve", "smtt", str(smtt500), "-m", "exact", "-t", "10", "--json"],
        ),
        (
            "solve smtt example n=20 (auto)",
            ["solve", "smtt", str(INSTANCES / "smtt" / "example.json"), "-t", "10", "--json"],
        ),
        (
            "solve rcpsp j301_1 (auto)",
            ["solve", "rcpsp", str(INSTANCES / "rcpsp" / "j301_1.sm"), "-t", "10", "--json"],
        ),
        (
            "solve serve offline-8b (auto)",
            ["solve", "serve", str(INSTANCES / "serve" / "offline-8b.json"), "-t", "10", "--json"],
        ),
        (
            "solve train toy-8xa100 (auto)",
            [
                "solve",
                "train",
                str(INSTANCES / "train" / "toy-8xa100.json"),
                "-t",
                "10",
                "--json",
            ],
        ),
    ]


def planner(args: list[str]) -> tuple[float, str]:
    """Run ``planner ARGS`` in a new process; return wall seconds and stdout."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from planner.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"planner {shlex.join(args)} failed ({done.returncode}): {done.stderr}")
    return wall, done.stdout


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Runs per command (median reported).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "startup")
    opts = parser.parse_args()
    if opts.runs < 1:
        parser.error("--runs must be >= 1")

    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        planner(["warmup"])  # compile / load kernels once, as the README's quickstart does
        smtt = ["gen", "smtt", "--n", "500", "--tf", "0.2", "--rdd", "0.6", "--seed", "1"]
        planner([*smtt, "--out", str(scratch / "smtt_n500.json")])
        rows = []
        for label, args in commands(scratch):
            walls, methods = [], []
            for _ in range(opts.runs):
                wall, out = planner(args)
                walls.append(wall)
                if "--json" in args:
                    methods.append(json.loads(out.splitlines()[0])["runtime_s"])
            method = statistics.median(methods) if methods else None
            rows.append(
                {
                    "command": label,
                    "args": shlex.join(args)
                    .replace(str(scratch), "$TMP")
                    .replace(str(ROOT) + "/", ""),
                    "runs": opts.runs,
                    "median_wall_s": round(statistics.median(walls), 3),
                    "min_wall_s": round(min(walls), 3),
                    "max_wall_s": round(max(walls), 3),
                    "median_method_s": None if method is None else round(method, 3),
                    "median_startup_s": None
                    if method is None
                    else round(statistics.median(walls) - method, 3),
                }
            )
    load_after = load_average()
    origin = provenance()
    bench_rows = [
        measurement_row(
            "planner",
            row["command"],
            "fresh process",
            objective=None,
            runtime_s=row["median_wall_s"],
            stats={**row, "load_before": load_before, "load_after": load_after},
        )
        for row in rows
    ]
    write_rows(opts.out / "startup.csv", bench_rows)
    command = f"python bench/startup.py --runs {opts.runs}"
    note = (
        f"{opts.runs} runs per command after `planner warmup`, each a fresh process; "
        f"load average (1, 5, 15 min) {load_before} before and {load_after} after, "
        f"{os.cpu_count()} CPUs; commit {origin['git_commit'] or 'n/a'}. The rows' *time* is "
        "the median wall time. *method*: the method's own `runtime_s`; *start-up*: median wall "
        "minus method (interpreter, imports, compiled kernels, writing the answer)."
    )
    columns = [
        "command",
        "median_wall_s",
        "min_wall_s",
        "max_wall_s",
        "median_method_s",
        "median_startup_s",
    ]
    write_report(
        opts.out / "startup.md",
        bench_rows,
        title="planner start-up times",
        command=command,
        notes=[note],
        sections=[("Commands", markdown_rows(rows, columns))],
        plots=False,
    )
    sys.stdout.write(markdown_rows(rows, columns))


if __name__ == "__main__":
    main()
