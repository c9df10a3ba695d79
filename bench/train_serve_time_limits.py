"""Time-limit benchmark of ``planner plan train`` / ``planner plan serve`` on hard inputs.

Each case runs the CLI as a subprocess with ``-t T --json`` (a fresh process: imports and
start-up included) and records the wall time, the method's own runtime, the status and the
reason, with the machine's 1-minute load average. A run passes when its wall time stays within
``T + max(1 s, 10 % of T)`` plus the start-up of the same command with ``-t`` small (measured
just before, as in ``bench/time_limits.py``). The cases are the issue-14 ones: a global batch
with 1,440 divisors (every divisor enumeration must watch the deadline), a large training
cluster, and serving with disaggregation on a mixed inventory (the capacity model of every
candidate layout). Rows (the certificate of each run, wall time and verdict in ``stats``) and
the report are written through :mod:`planner.bench`::

    .venv/bin/python bench/train_serve_time_limits.py -t 1 -t 5 --out bench/results/time_limits/train_serve
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from planner.bench import certificate_row, markdown_rows, write_report
from planner.bench.rows import write_rows

#: (name, ``planner`` arguments without ``-t`` / ``--json``)
CASES: list[tuple[str, str]] = [
    (
        "train, global batch 1102701600 (1440 divisors)",
        "plan train --model gpt-1.7b --gpus 64xA100 --global-batch 1102701600 --seq 2048",
    ),
    (
        "train, GPT-1T on 3072 A100",
        "plan train --model gpt-1t --gpus 3072xA100 --global-batch 3072 --seq 2048",
    ),
    (
        "train, DeepSeek-V3 on 512 H100 + 512 A100",
        "plan train --model deepseek-v3 --gpus H100:512,A100:512 --global-batch 1536 --seq 2048",
    ),
    (
        "serve, Llama-3.1-70B, H100:16 + A100:32, disaggregation",
        "plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 --prompt-tokens "
        "exp:1024 --output-tokens exp:256 --ttft 1s --tpot 50ms --disaggregate",
    ),
    (
        "serve, Llama-3.1-8B, H100:64 + A100:128, disaggregation",
        "plan serve --model llama-3.1-8b --gpus H100:64,A100:128 --qps 300 --prompt-tokens "
        "exp:1024 --output-tokens exp:256 --ttft 500ms --tpot 30ms --disaggregate",
    ),
]


def load() -> float:
    """1-minute load average."""
    return round(os.getloadavg()[0], 2)


def run(args: str, limit: float) -> dict:
    """One CLI run: wall time, exit code, status, runtime and reason of the JSON answer."""
    cmd = [sys.executable, "-c", "from planner.cli import main; main()", *shlex.split(args)]
    cmd += ["-t", f"{limit:g}", "--json"]
    before = load()
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    row = {"wall_s": round(wall, 3), "exit": proc.returncode, "load": before, "result": {}}
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode == 0 and lines:
        res = json.loads(lines[-1])
        row.update(
            result=res,
            status=res.get("status", ""),
            runtime_s=res.get("runtime_s", ""),
            reason=(res.get("reason") or "")[:120],
        )
    else:
        row.update(status="", runtime_s="", reason=(proc.stderr.strip() or "no output")[-120:])
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-t", "--time-limit", type=float, action="append", dest="limits")
    ap.add_argument("--out", type=Path, default=Path("bench/results/time_limits/train_serve"))
    args = ap.parse_args()
    limits = args.limits or [1.0, 5.0]
    rows = []
    for name, cli in CASES:
        base = run(cli, 0.01)  # start-up: the process with (almost) no solving
        startup = max(0.0, base["wall_s"] - float(base["runtime_s"] or 0.0))
        for limit in limits:
            row = run(cli, limit)
            allowed = limit + max(1.0, 0.1 * limit) + startup
            row = {
                "case": name,
                "time_limit": limit,
                **row,
                "startup_s": round(startup, 3),
                "allowed_s": round(allowed, 3),
                "ok": row["exit"] == 0 and row["wall_s"] <= allowed,
            }
            rows.append(row)
            print(
                f"{name[:55]:55s} t={limit:g}: {row['wall_s']:6.2f} s (allowed "
                f"{allowed:.2f}) {row['status']:10s} load {row['load']}",
                flush=True,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    bench_rows = [
        certificate_row(
            r["result"],
            family=r["case"].split(",")[0],
            instance=r["case"],
            method=r["result"].get("method") or "auto",
            time_limit=r["time_limit"],
            stats={k: v for k, v in r.items() if k != "result"},
        )
        for r in rows
    ]
    write_rows(args.out.with_suffix(".csv"), bench_rows)
    cols = ["case", "time_limit", "wall_s", "runtime_s", "startup_s", "allowed_s", "ok"]
    cols += ["status", "load", "reason"]
    write_report(
        args.out.with_suffix(".md"),
        bench_rows,
        title="Time limits: plan train / plan serve",
        command=".venv/bin/python bench/train_serve_time_limits.py "
        + " ".join(f"-t {t:g}" for t in limits)
        + f" --out {args.out}",
        notes=[
            f"{sum(r['ok'] for r in rows)} / {len(rows)} runs within T + max(1 s, 10 %) + "
            "start-up (start-up = wall - runtime of the same command with -t 0.01; load = "
            "1-minute load average before the run)."
        ],
        sections=[("Runs", markdown_rows(rows, cols))],
        plots=False,
    )
    print(markdown_rows(rows, cols))


if __name__ == "__main__":
    main()
