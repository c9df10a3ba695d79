"""Time the exact training-plan search on heterogeneous clusters (and the homogeneous 1T row).

Each case is solved with ``planner solve``'s ``exact`` method under a time
limit, in a fresh process (cold caches); the table reports the status (OPTIMAL = proven), the best plan, step
time, bound, gap, wall time, leaf evaluations (exact layer splits) and the
machine's 1-minute load average before and after (timings on a shared
machine are only comparable at similar load).

Writes ``hetero_search.csv`` and ``hetero_search.md`` into ``--out`` (default
``bench/results/train``).

Usage::

    .venv/bin/python bench/train_hetero.py [--time-limit 10] [--repeat 1] [--only NAME] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.machine import machine_description
from planner.bench.rows import write_rows
from planner.bench.runner import certificate_row
from planner.core.family import families
from planner.core.solve import solve
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train.instance import Constraints, TrainingProblem, Workload

OUT = Path(__file__).resolve().parent / "results" / "train"
ROOT = Path(__file__).resolve().parents[1]
TWO_NICS = ROOT / "instances" / "train" / "clusters" / "h100-two-nics.toml"

#: (name, model, cluster, global batch, sequence length, label)
CASES = [
    ("gpt-175b", "gpt-175b", "H100:512,A100:512", 1536, 2048, "512 H100 + 512 A100"),
    ("llama-70b", "llama-3.1-70b", "H100:512,A100:512", 1024, 2048, "512 H100 + 512 A100"),
    ("llama-405b", "llama-3.1-405b", "H100:512,A100:512", 1536, 2048, "512 H100 + 512 A100"),
    ("mixtral", "mixtral-8x7b", "H100:512,A100:512", 1024, 2048, "512 H100 + 512 A100"),
    (
        "gpt-175b-nics",
        "gpt-175b",
        str(TWO_NICS),
        1536,
        2048,
        "1024 H100: 512 with 400 Gb/s + 512 with 100 Gb/s NICs",
    ),
    ("gpt-1t-homog", "gpt-1008b", "3072xA100", 3072, 2048, "3072 A100 (homogeneous 1T row)"),
]


def load() -> float:
    """1-minute load average."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def run(case: tuple, time_limit: float) -> dict:
    """Solve one case and return its row."""
    name, model, gpus, batch, seq, label = case
    prob = TrainingProblem(
        name,
        load_model(model),
        parse_cluster(gpus),
        Workload(batch, seq),
        Constraints(),
        meta={"top_k": 5},
    )
    families()  # import every family first: imports are not search time (model caches stay cold)
    before = load()
    start, cpu = time.perf_counter(), time.process_time()
    res = solve(prob, "exact", time_limit=time_limit)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    plan = res.solution
    pools = ""
    if plan is not None and plan.stage_pools:
        counts: dict[str, int] = {}
        for label_ in plan.stage_pools:
            counts[label_] = counts.get(label_, 0) + 1
        pools = " + ".join(f"{n}x{k}" for k, n in counts.items())
    return {
        "case": name,
        "model": model,
        "cluster": label,
        "global_batch": batch,
        "seq_len": seq,
        "status": res.status.value,
        "verified": res.verified,
        "best_plan": plan.short() if plan is not None else "",
        "stages": pools,
        "stage_layers": " ".join(map(str, plan.stage_layers)) if plan is not None else "",
        "step_s": round(res.objective, 4) if res.objective is not None else "",
        "bound": round(res.bound, 4) if res.bound is not None else "",
        "gap_pct": round(100 * res.gap, 3) if res.gap is not None else "",
        "seconds": round(elapsed, 2),
        "cpu_s": round(cpu, 2),
        "time_limit": time_limit,
        "leaves": res.stats.get("evaluated", ""),
        "load_before": before,
        "load_after": load(),
        "result": {k: res.to_dict(with_solution=False)[k] for k in CERTIFICATE},
    }


#: Fields of the certificate carried from the case's process to the benchmark row.
CERTIFICATE = ("status", "objective", "bound", "gap", "verified", "reason", "time_limit")


def bench_row(r: dict) -> dict:
    """A case as a benchmark CSV row (its certificate; the timings and plan in ``stats``)."""
    return certificate_row(
        r["result"],
        family="train",
        instance=r["case"],
        method="exact",
        runtime_s=r["seconds"],
        stats={k: v for k, v in r.items() if k != "result"},
    )


def report(rows: list[dict], args: argparse.Namespace) -> None:
    """Write ``hetero_search.csv`` and ``hetero_search.md`` through :mod:`planner.bench`."""
    cols = [
        "case",
        "cluster",
        "global_batch",
        "status",
        "best_plan",
        "stages",
        "step_s",
        "gap_pct",
        "seconds",
        "cpu_s",
        "runs_s",
        "leaves",
        "load_before",
        "load_after",
    ]
    note = (
        "Method `exact`, 1 thread, top 5 plans; seq 2048. "
        f"Machine: {machine_description()} ({platform.machine()}), shared with other jobs; "
        "load = 1-minute load average. Every run is a fresh process (cold model caches; "
        "package imports done before timing); with `--repeat` > 1 the fastest is shown and "
        "`runs_s` lists all. `seconds` is wall time, `cpu_s` the process's CPU time (what an "
        "idle core would take)."
    )
    layers = "\n".join(
        f"* {r['case']}: {r['stages'] or 'one pool'} — layers {r['stage_layers']}" for r in rows
    )
    bench_rows = [bench_row(r) for r in rows]
    write_rows(args.out / "hetero_search.csv", bench_rows)
    write_report(
        args.out / "hetero_search.md",
        bench_rows,
        title="Exact training-plan search on heterogeneous clusters",
        command=f".venv/bin/python bench/train_hetero.py --time-limit {args.time_limit} "
        f"--repeat {args.repeat}",
        notes=[note],
        sections=[("Cases", markdown_rows(rows, cols)), ("Stage layers of the best plans", layers)],
        plots=False,
    )


def run_fresh(name: str, time_limit: float) -> dict:
    """Run one case in a new Python process (cold caches, as a single ``planner`` call)."""
    out = subprocess.run(
        [sys.executable, __file__, "--only", name, "--json", "--time-limit", str(time_limit)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", default=None, help="run only the case with this name")
    ap.add_argument("--json", action="store_true", help="with --only: print the row as JSON")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for hetero_search.csv / .md")
    args = ap.parse_args()
    if args.only and args.json:
        case = next(c for c in CASES if c[0] == args.only)
        print(json.dumps(run(case, args.time_limit)))
        return
    rows = []
    for case in CASES:
        if args.only and case[0] != args.only:
            continue
        runs = [run_fresh(case[0], args.time_limit) for _ in range(max(1, args.repeat))]
        best = min(runs, key=lambda r: (r["status"] != "OPTIMAL", r["seconds"]))
        best["runs_s"] = " ".join(str(r["seconds"]) for r in runs)
        print(
            f"{best['case']:16s} {best['status']:9s} {best['seconds']:6.2f} s  "
            f"{best['best_plan']}  ({best['stages']})  load {best['load_before']}",
            flush=True,
        )
        rows.append(best)
    if args.only:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    report(rows, args)


if __name__ == "__main__":
    main()
