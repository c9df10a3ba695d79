"""The local executor survives a worker process killed mid-task: the task runs again."""

from __future__ import annotations

from planner.bench.runner import family_tasks, run_bench
from planner.core import get_family
from planner.core.specs import load_instances

from .conftest import INSTANCES

KILLER = """
import os, signal
from pathlib import Path

MARKS = Path({marks!r})

def once(view):
    mark = MARKS / view.name
    if not mark.exists():
        mark.write_text("killed")
        os.kill(os.getppid(), signal.SIGKILL)  # the benchmark's worker process, mid-task
    return list(range(view.n))

def always(view):
    os.kill(os.getppid(), signal.SIGKILL)
"""


def test_a_killed_worker_is_replaced_and_its_task_run_again(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    plug = tmp_path / "killer.py"
    plug.write_text(KILLER.format(marks=str(marks)))
    family = get_family("smtt")
    loaded = load_instances(family, [str(INSTANCES / "smtt" / "tkindt_n100_sample.jsonl")])
    instances = [x.instance for x in loaded[:2]]
    tasks = family_tasks(
        "smtt", instances, ["edd", f"{plug}:once"], time_limit=5, threads=1, seed=0
    )
    tasks += family_tasks(
        "smtt", instances[:1], [f"{plug}:always"], time_limit=5, threads=1, seed=0
    )
    out = tmp_path / "r.csv"
    rows = run_bench(tasks, csv_path=out, jobs=2, retries=1)
    by = {(r["instance"], r["method"].rpartition(":")[2]): r for r in rows}
    assert len(rows) == 5 and len(by) == 5  # every run once, none twice
    for inst in instances:
        assert (marks / inst.name).exists()  # the first attempt did kill its worker
        assert by[inst.name, "once"]["verified"] and by[inst.name, "once"]["status"] == "FEASIBLE"
        assert by[inst.name, "edd"]["verified"]
    lost = by[instances[0].name, "always"]
    assert lost["status"] == "ERROR" and lost["failure"] == "lost" and "died" in lost["reason"]
