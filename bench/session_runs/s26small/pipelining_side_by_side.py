"""pipelining auto / ims / exact on one loop, main and branch alternately, --threads 1.

Each run is a fresh ``planner solve`` from its tree; prints the load before it, the decoded
(ii, length), the status and the child's CPU seconds, one line per run.

    python bench/session_runs/s26small/pipelining_side_by_side.py MAIN BRANCH LOOP.json \
        --limit 10 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from planner.pipelining.evaluate import decode
from planner.pipelining.readers import read

RUNS = (("main", "auto"), ("branch", "auto"), ("main", "ims"), ("branch", "ims"), ("main", "exact"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("main_tree", type=Path)
    parser.add_argument("branch_tree", type=Path)
    parser.add_argument("loop", type=Path)
    parser.add_argument("--limit", default="10")
    parser.add_argument("--rounds", type=int, default=2)
    opts = parser.parse_args()
    instance = read(opts.loop)[0]
    trees = {"main": opts.main_tree.resolve(), "branch": opts.branch_tree.resolve()}
    for round_ in range(opts.rounds):
        for tree, method in RUNS:
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            args = ["solve", "pipelining", str(opts.loop.resolve()), "-m", method]
            args += ["-t", opts.limit, "--threads", "1", "--json"]
            done = subprocess.run(
                [sys.executable, "-c", "from planner.launcher import main; main()", *args],
                cwd=trees[tree],
                env={**os.environ, "PYTHONPATH": str(trees[tree])},
                capture_output=True,
                text=True,
                check=True,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            r = json.loads(done.stdout.splitlines()[0])
            obj = r.get("objective")
            found = decode(instance, obj) if obj is not None else None
            print(
                f"round {round_} {tree:6} {method:5} -t {opts.limit} load {load} "
                f"{r['status']:9} (ii, length) {found} objective {obj} runtime "
                f"{r['runtime_s']:.2f} cpu {cpu:.2f} ims_ii {r['stats'].get('ims_ii')}",
                flush=True,
            )


if __name__ == "__main__":
    main()
