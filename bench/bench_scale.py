"""``planner bench`` at scale: 2,000 SMTT instances × 5 methods, local vs Ray, killed and resumed.

The instances: 100 per class of T'Kindt's generator (TF in {0.2, 0.4, 0.6, 0.8} × RDD
in {0.2, ..., 1.0}), n = 100, due dates clipped at 0, seeded (``gen``). The methods:
the built-in rules ``edd, mdd, eddc, mddc`` and ``aug_mddc`` as a plugin file
(``examples/plugins/smtt_paper_rules.py``): all deterministic, with a 60 s limit they
never reach.

``executors`` runs the ``planner bench`` command twice, ``--executor local --jobs 2`` and
``--executor ray --jobs 2`` (a local Ray instance), and checks that the two CSVs agree
row for row (every column but the measured ``runtime_s``)::

    .venv/bin/python bench/bench_scale.py executors --out bench/results/bench

``kill`` runs the same benchmark and stops it 5 times at random moments (SIGINT or
SIGKILL of the driver, SIGKILL of a worker process), resuming it with ``--resume`` each
time, then checks the final CSV against the uninterrupted one (``scale_local.csv``): the
same runs, none missing, none twice, equal rows::

    .venv/bin/python bench/bench_scale.py kill --kills 5 --seed 1
    .venv/bin/python bench/bench_scale.py kill --kills 5 --seed 3 --name scale_killed_seed3

Everything is written through :mod:`planner.bench` (CSV rows, reports, plots).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from planner.bench import markdown_rows, read_rows, write_report
from planner.bench.rows import row_key
from planner.core.io import dump_jsonl
from planner.smtt.generate import generate

ROOT = Path(__file__).resolve().parents[1]
METHODS = "edd,mdd,eddc,mddc"
PLUGIN = "examples/plugins/smtt_paper_rules.py:aug_mddc"
TF = (0.2, 0.4, 0.6, 0.8)
RDD = (0.2, 0.4, 0.6, 0.8, 1.0)
#: Columns that may differ between two runs of a deterministic method.
MEASURED = ("runtime_s",)


def make_instances(folder: Path, per_class: int = 100) -> Path:
    """Write the 2,000 instances (one JSON Lines file per class) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, tf in enumerate(TF):
        for j, rdd in enumerate(RDD):
            path = folder / f"smtt100_tf{tf}_rdd{rdd}.jsonl"
            if not path.exists():
                insts = generate(100, tf, rdd, clip=True, count=per_class, seed=1000 + 10 * i + j)
                dump_jsonl(path, [x.to_dict() for x in insts])
    return folder


def bench_command(folder: Path, csv_path: Path, *extra: str) -> list[str]:
    return [
        str(Path(sys.executable).with_name("planner")),
        "bench",
        "smtt",
        str(folder),
        "--methods",
        METHODS,
        "--heuristic",
        PLUGIN,
        "-t",
        "60",
        "--csv",
        str(csv_path),
        "--json",
        *extra,
    ]


def shown(cmd: list[str]) -> str:
    return shlex.join(["planner", *cmd[1:]]).replace(str(ROOT) + "/", "")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any]:
    """How two CSVs of the same benchmark agree (keys, duplicates, every column but times)."""
    count_a, count_b = Counter(map(row_key, a)), Counter(map(row_key, b))
    by_a = {row_key(r): r for r in a}
    by_b = {row_key(r): r for r in b}
    common = [k for k in by_a if k in by_b]
    differ = [
        k
        for k in common
        if {c: v for c, v in by_a[k].items() if c not in MEASURED}
        != {c: v for c, v in by_b[k].items() if c not in MEASURED}
    ]
    return {
        "rows A": len(a),
        "rows B": len(b),
        "duplicated keys A": sum(n > 1 for n in count_a.values()),
        "duplicated keys B": sum(n > 1 for n in count_b.values()),
        "only in A": len(set(by_a) - set(by_b)),
        "only in B": len(set(by_b) - set(by_a)),
        "rows that differ (all columns but runtime_s)": len(differ),
        "ERROR rows A": sum(r["status"] == "ERROR" for r in a),
        "ERROR rows B": sum(r["status"] == "ERROR" for r in b),
        "first difference": " ".join(map(str, differ[0])) if differ else "",
    }


def run_timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def executors(args: argparse.Namespace) -> None:
    folder = make_instances(args.instances)
    runs = []
    for name, extra in (("local", ["--jobs", "2"]), ("ray", ["--executor", "ray", "--jobs", "2"])):
        csv_path = args.out / f"scale_{name}.csv"
        if csv_path.exists() and not args.rerun:
            runs.append({"executor": name, "command": "(existing CSV)", "wall s": None})
            continue
        csv_path.unlink(missing_ok=True)
        cmd = bench_command(folder, csv_path, *extra)
        before = load()
        wall = run_timed(cmd)
        runs.append(
            {
                "executor": name,
                "command": shown(cmd),
                "wall s": round(wall, 1),
                "load before": before,
                "load after": load(),
            }
        )
        print(f"{name}: {wall:.0f} s", flush=True)
    local = read_rows(args.out / "scale_local.csv")
    ray = read_rows(args.out / "scale_ray.csv")
    check = agreement(local, ray)
    write_report(
        args.out / "scale_executors.md",
        local,
        title="2,000 SMTT instances × 5 methods: local processes vs Ray",
        command="python bench/bench_scale.py " + shlex.join(sys.argv[1:]),
        notes=[
            "Instances: `bench_scale.make_instances` (100 per TF × RDD class, n = 100, seeded). "
            "The summary below is the local run's; A = local, B = Ray in the agreement table. "
            f"{os.cpu_count()} CPUs shared with other jobs (load averages recorded)."
        ],
        sections=[
            (
                "Runs",
                markdown_rows(runs, ["executor", "wall s", "load before", "load after", "command"]),
            ),
            ("Agreement of the two CSVs", markdown_rows([check], list(check))),
        ],
        size_label="jobs",
    )
    print(check)


def workers(pid: int) -> list[int]:
    """The pool's worker processes among the children of ``pid`` (Linux /proc).

    Spawned workers run ``multiprocessing.spawn``'s ``spawn_main``; the resource
    tracker, also a child of the driver, is left alone.
    """
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            try:
                cmdline = Path(f"/proc/{kid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in cmdline:
                out.append(kid)
    return out


def kill(args: argparse.Namespace) -> None:
    folder = make_instances(args.instances)
    reference = args.out / "scale_local.csv"
    if not reference.exists():
        raise SystemExit(
            f"{reference}: run `bench_scale.py executors` first (the uninterrupted run)"
        )
    csv_path = args.out / f"{args.name}.csv"
    csv_path.unlink(missing_ok=True)
    rng = random.Random(args.seed)
    events = []
    first = True
    kills_left = args.kills
    before = load()
    while True:
        cmd = bench_command(folder, csv_path, "--jobs", "2", *([] if first else ["--resume"]))
        first = False
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
        stopped = False  # the driver was stopped by this script (not by a failure of its own)
        while proc.poll() is None and kills_left:
            time.sleep(rng.uniform(args.min_s, args.max_s))
            if proc.poll() is not None:
                break
            kind = rng.choice(("SIGINT driver", "SIGKILL driver", "SIGKILL worker"))
            rows_before = len(read_rows(csv_path)) if csv_path.exists() else 0
            if kind == "SIGKILL worker":
                pool = workers(proc.pid)
                if not pool:
                    continue
                os.kill(rng.choice(pool), signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGINT if kind == "SIGINT driver" else signal.SIGKILL)
                proc.wait()
                stopped = True
            kills_left -= 1
            events.append({"event": len(events) + 1, "kill": kind, "rows on disk": rows_before})
            print(events[-1], flush=True)
            if kind != "SIGKILL worker":
                break
        proc.wait()
        with contextlib.suppress(ProcessLookupError):  # what the kill left in the run's group
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode == 0:  # finished (after the last kill, or before all of them)
            break
        if not stopped:  # the run failed by itself: recorded, then resumed like a kill
            rows_now = len(read_rows(csv_path)) if csv_path.exists() else 0
            events.append(
                {
                    "event": len(events) + 1,
                    "kill": f"none: the driver exited with code {proc.returncode} by itself",
                    "rows on disk": rows_now,
                }
            )
            print(events[-1], flush=True)
    check = agreement(read_rows(reference), read_rows(csv_path))
    write_report(
        args.out / f"{args.name}.md",
        read_rows(csv_path),
        title=f"2,000 SMTT instances × 5 methods, killed {args.kills} times and resumed",
        command="python bench/bench_scale.py " + shlex.join(sys.argv[1:]),
        notes=[
            f"Each run: `{shown(bench_command(folder, csv_path, '--jobs', '2'))}` (then with "
            f"`--resume`), stopped after a random {args.min_s:g}–{args.max_s:g} s. A = the "
            f"uninterrupted run (`scale_local.csv`), B = the killed and resumed one. Load "
            f"average {before} before, {load()} after."
        ],
        sections=[
            ("Kills", markdown_rows(events, ["event", "kill", "rows on disk"])),
            ("Agreement with the uninterrupted run", markdown_rows([check], list(check))),
        ],
        size_label="jobs",
    )
    print(check)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    ex = sub.add_parser("executors", help="local vs Ray on the same 2,000 x 5 runs")
    ex.add_argument("--rerun", action="store_true", help="run again even if the CSVs exist")
    kl = sub.add_parser("kill", help="kill and resume, compare with the uninterrupted run")
    kl.add_argument("--kills", type=int, default=5)
    kl.add_argument("--seed", type=int, default=1)
    kl.add_argument("--min-s", type=float, default=5.0)
    kl.add_argument("--max-s", type=float, default=40.0)
    kl.add_argument("--name", default="scale_killed", help="stem of the CSV and report")
    for p in (ex, kl):
        p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench")
        p.add_argument("--instances", type=Path, default=Path("/tmp/planner_scale_instances"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    executors(args) if args.what == "executors" else kill(args)


if __name__ == "__main__":
    main()
