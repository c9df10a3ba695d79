"""``bench/serve_public.py``'s rows in parallel shards (the machine's load left one process
a fifth of a core; dstack_r1's closed-loop rows alone took 450 s of main's run).

Rows are dealt to ``--of`` shards by main's committed runtime (longest first, to the least
loaded shard); shard ``--shard`` predicts its rows with ``serve_public.collect`` and writes
them as JSON lines. ``compare_public.py`` reads the shards' files.

Usage::

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s26budget/public_shard.py \\
        --shard 0 --of 4 --out bench/session_runs/s26budget/public/shard0.jsonl
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MAIN_ROWS = ROOT / "bench" / "results" / "serve" / "public_rows.csv"


def shards(of: int) -> list[set[str]]:
    """Row ids per shard, balanced on main's per-row runtime."""
    with open(MAIN_ROWS, newline="") as f:
        cost = {r["instance"]: float(r["runtime_s"] or 0.0) for r in csv.DictReader(f)}
    out: list[set[str]] = [set() for _ in range(of)]
    load = [0.0] * of
    for rid in sorted(cost, key=lambda k: -cost[k]):
        i = load.index(min(load))
        out[i].add(rid)
        load[i] += cost[rid] + 0.05
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shard", type=int, required=True)
    ap.add_argument("--of", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("serve_public", ROOT / "bench/serve_public.py")
    sp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sp)
    mine = shards(args.of)[args.shard]
    # keep this shard's rows only (collect iterates these module-level tuples)
    for name in ("SERVING_ROWS", "INFERENCE_GPU_ROWS", "PUBLIC_SERVING_ROWS", "MLPERF_ROWS"):
        setattr(sp, name, tuple(r for r in getattr(sp, name) if r.id in mine))
    load0, c0 = os.getloadavg()[0], time.process_time()
    rows = sp.collect([])
    lines = [json.dumps(r) for r in rows]
    lines.append(
        json.dumps(
            {
                "shard": args.shard,
                "cpu_s": time.process_time() - c0,
                "load": [load0, os.getloadavg()[0]],
            }
        )
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
