"""Start-up side by side: the same commands alternately from two checkouts, wall and CPU.

Each command runs as a fresh process from each tree in turn (main, branch, main, ...), so both
see the same load; CPU is the child's user + system time (``resource.RUSAGE_CHILDREN``).

    python bench/session_runs/s28start/startup_side_by_side.py MAIN_TREE BRANCH_TREE --runs 5 \
        --n500 SMTT_N500.json

s26small's tool with the serve and train small solves of ``bench/startup.py`` added, and the
rcpsp JSON's stages (which stages ran decides whether its GA kernels load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {
    "smtt n=500 exact": ["solve", "smtt", "{n500}", "-m", "exact", "-t", "10", "--json"],
    "smtt example auto": ["solve", "smtt", "instances/smtt/example.json", "-t", "10", "--json"],
    "rcpsp j301_1 auto": ["solve", "rcpsp", "instances/rcpsp/j301_1.sm", "-t", "10", "--json"],
    "serve offline-8b auto": [
        "solve",
        "serve",
        "instances/serve/offline-8b.json",
        "-t",
        "10",
        "--json",
    ],
    "train toy-8xa100 auto": [
        "solve",
        "train",
        "instances/train/toy-8xa100.json",
        "-t",
        "10",
        "--json",
    ],
    "families": ["families"],
}


def run(tree: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``planner ARGS`` run from ``tree`` (rcpsp: prints its stages)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from planner.launcher import main; main()", *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: planner {args} failed: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if "rcpsp" in args:
        stages = [s["stage"] for s in json.loads(done.stdout)["stats"]["stages"]]
        print(f"  {tree.name}: rcpsp stages {stages}", file=sys.stderr, flush=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("main_tree", type=Path)
    parser.add_argument("branch_tree", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--n500", type=Path, required=True, help="smtt n=500 instance file")
    opts = parser.parse_args()
    trees = {"main": opts.main_tree.resolve(), "branch": opts.branch_tree.resolve()}
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| command | tree | wall median (s) | wall min | CPU median (s) | CPU min |")
    print("|---|---|---|---|---|---|")
    for label, template in COMMANDS.items():
        args = [a.replace("{n500}", str(opts.n500.resolve())) for a in template]
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for _ in range(opts.runs):
            for name, tree in trees.items():
                samples[name].append(run(tree, args))
        for name, rows in samples.items():
            walls, cpus = [w for w, _ in rows], [c for _, c in rows]
            print(
                f"| {label} | {name} | {statistics.median(walls):.2f} | {min(walls):.2f} "
                f"| {statistics.median(cpus):.2f} | {min(cpus):.2f} |",
                flush=True,
            )
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
