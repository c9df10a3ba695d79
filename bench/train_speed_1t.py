"""Search speed of the issue-18 target: GPT-1T (Narayanan Table 1) on 3,072 A100, proven optimal.

Each repeat runs the full plan search (``method auto``: rule-of-thumb incumbent, then the
exact search) in a fresh process and records wall and CPU seconds of the solve (imports and
model loading excluded) with the load average. Writes ``speed_1t.csv`` and ``speed_1t.md``
into ``--out`` (default ``bench/results/train``).

    .venv/bin/python bench/train_speed_1t.py [--repeat 3] [--out DIR] [--expert-tp]

(``--expert-tp``: the search also chooses expert TP sizes; a dense model has none.)
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

from planner.bench.machine import machine_description

OUT = Path(__file__).resolve().parent / "results" / "train"

CHILD = """
import json, os, sys, time
from planner.train.api import make_problem, solve
problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048,
                       search_expert_tp=sys.argv[1:] == ["--expert-tp"])
load = os.getloadavg()[0]
wall, cpu = time.perf_counter(), time.process_time()
result = solve(problem, "auto", time_limit=60)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"status": result.status.value, "plan": result.solution.short(),
                  "step_s": result.objective, "wall_s": wall, "cpu_s": cpu,
                  "load_before": load, "load_after": os.getloadavg()[0]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--expert-tp", action="store_true", help="also search expert TP sizes")
    args = ap.parse_args()
    flag = ["--expert-tp"] if args.expert_tp else []
    rows = []
    for i in range(args.repeat):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, *flag], capture_output=True, text=True, check=True
        ).stdout
        row = {"run": i + 1, **json.loads(out.strip().splitlines()[-1])}
        rows.append(row)
        print(row, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    keys = list(rows[0])
    with open(args.out / "speed_1t.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    lines = [
        "# GPT-1T on 3,072 A100: full plan search, proven optimal",
        "",
        "Reproduce with:",
        "",
        "```",
        f".venv/bin/python bench/train_speed_1t.py --repeat {args.repeat} {' '.join(flag)}".strip(),
        "```",
        "",
        # the host's CPU: CPU seconds differ between hosts (docs/train.md, s23speed)
        f"Machine: {machine_description()}. Solve time only (fresh process per run).",
        "",
        "| " + " | ".join(keys) + " |",
        "|" + "---|" * len(keys),
    ]
    for r in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in r.values()]
        lines.append("| " + " | ".join(cells) + " |")
    (args.out / "speed_1t.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
