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


def test_a_pool_found_broken_at_submit_loses_and_repeats_nothing(monkeypatch):
    # A worker can die between two waits: the pool then refuses the next submit
    # (BrokenProcessPool from submit, not from a future). The run must go on in a new
    # pool, with every task's result exactly once.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from planner.bench import executors

    refused = []

    class RefusesOnce(ProcessPoolExecutor):
        submits = 0

        def submit(self, fn, /, *args, **kwargs):
            RefusesOnce.submits += 1
            if RefusesOnce.submits == 6 and not refused:
                refused.append(args)
                raise BrokenProcessPool("A child process terminated abruptly (test)")
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", RefusesOnce)
    items = list(range(-12, 0))
    results = list(executors.local_map(abs, items, jobs=2, retries=0))
    assert refused  # the refusal happened mid-run
    assert sorted(results) == sorted(abs(x) for x in items)


SLEEPER = """
import os, sys, time
from pathlib import Path

PIDS = Path({pids!r})

def nap(k):
    (PIDS / str(os.getpid())).write_text(str(k))
    time.sleep(60)
    return k

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from planner.bench.executors import local_map
    from sleeper import nap as work  # by module name, so spawned workers can import it
    for _ in local_map(work, range(4), jobs=2):
        pass
"""


def test_sigterm_to_the_driver_kills_its_workers(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "sleeper.py"
    script.write_text(SLEEPER.format(pids=str(pids)))
    driver = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2, "the workers never started"
        driver.send_signal(signal.SIGTERM)
        driver.wait(timeout=30)
    finally:
        driver.kill()
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in workers if _alive(pid)]
        time.sleep(0.2)
    assert not alive, f"workers {alive} outlived their driver"


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (already dead, waiting for its parent) counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def test_rows_come_back_in_task_order_whatever_order_they_finish_in(tmp_path, monkeypatch):
    """The Ray executor yields rows as they finish, and the report listed methods in that
    order (the slowest method first when it finished first); the method list's order now."""
    import planner.bench.runner as runner
    from planner.bench.report import summarize

    family = get_family("smtt")
    loaded = load_instances(family, [str(INSTANCES / "smtt" / "tkindt_n100_sample.jsonl")])
    tasks = family_tasks(
        "smtt", [x.instance for x in loaded[:3]], ["edd", "spt"], time_limit=5, threads=1, seed=0
    )
    real = runner.execute

    def backwards(tasks, **kw):  # the last task finishes first, as on a cluster
        return reversed(list(real(tasks, **kw)))

    monkeypatch.setattr(runner, "execute", backwards)
    csv = tmp_path / "runs.csv"
    rows = run_bench(tasks[:4], csv_path=csv)
    assert [runner.row_key(r) for r in rows] == [t.key for t in tasks[:4]]
    assert [s.method for s in summarize(rows)] == ["edd", "spt"]
    # --resume: the earlier rows (in finishing order in the CSV) and the new ones, in task order
    rows = run_bench(tasks, csv_path=csv, resume=True)
    assert [runner.row_key(r) for r in rows] == [t.key for t in tasks]
