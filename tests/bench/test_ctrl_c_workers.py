"""Worker processes do not answer Ctrl-C: the driver does, and stops them.

A terminal's Ctrl-C reaches every process of the group. A worker hit while starting printed a
traceback, and a benchmark worker hit while its exit finalizer joined a plugin worker printed
"Exception ignored in atexit callback" (s27walk). Workers now start with SIGINT blocked: here
a plugin sends SIGINT to its own worker and to the benchmark worker above it, and the run
finishes as if nothing happened (on main the plugin's worker reported ``raised
KeyboardInterrupt``: a failure row written for a run the user never stopped).

The benchmark runs in its own process and session: the plugin sends real signals, and one that
went astray must not reach the test runner's worker.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import INSTANCES

PLUGIN = """
import os, signal, time

def self_only(view):
    os.kill(os.getpid(), signal.SIGINT)  # the plugin's own worker process
    time.sleep(0.2)
    return list(range(view.n))

def and_parent(view):
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getppid(), signal.SIGINT)  # the benchmark's worker process (--jobs 2)
    time.sleep(0.2)
    return list(range(view.n))
"""

BENCH = """
import json, sys
from pathlib import Path
from planner.bench.runner import family_tasks, run_bench
from planner.core import get_family
from planner.core.specs import load_instances

instances_file, methods, jobs, csv = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
loaded = load_instances(get_family("smtt"), [instances_file])
tasks = family_tasks(
    "smtt", [x.instance for x in loaded[:2]], methods, time_limit=5, threads=1, seed=0
)
rows = run_bench(tasks, csv_path=Path(csv), jobs=jobs)
print(json.dumps([[bool(r["verified"]), r["failure"] or "", r["reason"] or ""] for r in rows]))
"""


def _bench(tmp_path, methods: list[str], jobs: int) -> list[list]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            BENCH,
            str(INSTANCES / "smtt" / "tkindt_n100_sample.jsonl"),
            ",".join(methods),
            str(jobs),
            str(tmp_path / "r.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_plugin_worker_ignores_ctrl_c(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(PLUGIN)
    rows = _bench(tmp_path, [f"{plug}:self_only"], jobs=1)
    assert len(rows) == 2 and all(verified and not failure for verified, failure, _ in rows), rows


def test_benchmark_workers_ignore_ctrl_c(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(PLUGIN)
    rows = _bench(tmp_path, [f"{plug}:and_parent", "edd"], jobs=2)
    assert len(rows) == 4 and all(verified for verified, _, _ in rows), rows
