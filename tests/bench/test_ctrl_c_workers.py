"""Worker processes do not answer Ctrl-C: the driver does, and stops them.

A terminal's Ctrl-C reaches every process of the group. A worker hit while starting printed a
traceback, and a benchmark worker hit while its exit finalizer joined a plugin worker printed
"Exception ignored in atexit callback" (s27walk). Workers now start with SIGINT blocked: here
a plugin sends SIGINT to its own worker and to the benchmark worker above it, and the run
finishes as if nothing happened (on main the plugin's worker reported ``raised
KeyboardInterrupt``: a failure row written for a run the user never stopped).
"""

from __future__ import annotations

from planner.bench.runner import family_tasks, run_bench
from planner.core import get_family
from planner.core.specs import load_instances

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


def _instances():
    family = get_family("smtt")
    loaded = load_instances(family, [str(INSTANCES / "smtt" / "tkindt_n100_sample.jsonl")])
    return [x.instance for x in loaded[:2]]


def test_a_plugin_worker_ignores_ctrl_c(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(PLUGIN)
    tasks = family_tasks(
        "smtt", _instances(), [f"{plug}:self_only"], time_limit=5, threads=1, seed=0
    )
    rows = run_bench(tasks, csv_path=tmp_path / "r.csv", jobs=1)
    assert len(rows) == 2 and all(r["verified"] and not r["failure"] for r in rows), [
        r["reason"] for r in rows
    ]


def test_benchmark_workers_ignore_ctrl_c(tmp_path):
    plug = tmp_path / "plug.py"
    plug.write_text(PLUGIN)
    tasks = family_tasks(
        "smtt", _instances(), [f"{plug}:and_parent", "edd"], time_limit=5, threads=1, seed=0
    )
    rows = run_bench(tasks, csv_path=tmp_path / "r.csv", jobs=2)
    assert len(rows) == 4 and all(r["verified"] for r in rows), [r["reason"] for r in rows]
