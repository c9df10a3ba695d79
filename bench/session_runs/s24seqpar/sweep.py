"""Sweep seqpar sizes between the benchmarked ones and the largest the CLI allows.

Every (mix, batch, gpus, seed) instance is solved by each method at each time limit through
``planner.solve`` (so every answer is certified), in one process after the family's warm-up.
One CSV row per run: objective, bound, wall and CPU time of the call, the load average.
``auto_vs_best_baseline`` in the summary compares ``auto`` with the best of the other
methods run on the same instance at the same limit.

Run from a checkout (``PYTHONPATH`` selects the code: the branch or a copy of main)::

    nice -n 10 .venv/bin/python bench/session_runs/s24seqpar/sweep.py \\
        --configs 1024x64,131072x65536 --mixes wikipedia,github -t 1,5 --out sweep.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import planner
from planner.core.family import get_family, warm_up
from planner.seqpar.generate import read_lengths, sample, synthetic
from planner.seqpar.instance import Instance

WIKIPEDIA = Path(__file__).resolve().parents[3] / "instances" / "seqpar" / "wikipedia_sample.txt"
FIELDS = [
    "code",
    "mix",
    "batch",
    "gpus",
    "seed",
    "method",
    "limit_s",
    "status",
    "objective_s",
    "bound_s",
    "wall_s",
    "cpu_s",
    "over_limit_s",
    "microbatches",
    "adaptive_s",
    "static_s",
    "baselines_skipped",
    "load1",
]


def make(mix: str, batch: int, gpus: int, seed: int, max_len: int) -> Instance:
    """One batch of ``mix`` (``wikipedia``: the bundled sample of document lengths)."""
    if mix == "wikipedia":
        pool = read_lengths(WIKIPEDIA)
        (inst,) = sample(
            pool, batch=batch, max_len=max_len, gpus=gpus, seed=seed, prefix="wikipedia"
        )
        return inst
    (inst,) = synthetic(mix, batch=batch, max_len=max_len, gpus=gpus, seed=seed)
    return inst


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and write the CSV (rows appended as they finish)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", required=True, help="BATCHxGPUS,... e.g. 1024x64,131072x65536")
    ap.add_argument("--mixes", default="wikipedia,commoncrawl,github")
    ap.add_argument("--methods", default="auto,static,adaptive,greedy,ls")
    ap.add_argument("-t", "--limits", default="1,5")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--max-len", type=int, default=196_608)
    ap.add_argument("--code", default="branch", help="label of the code under test")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    warm_up(get_family("seqpar"))
    out = Path(args.out)
    new = not out.exists()
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        for config in args.configs.split(","):
            batch, gpus = (int(x) for x in config.split("x"))
            for mix in args.mixes.split(","):
                for seed in range(args.seeds):
                    inst = make(mix, batch, gpus, seed, args.max_len)
                    for limit in (float(x) for x in args.limits.split(",")):
                        for method in args.methods.split(","):
                            wall0, cpu0 = time.perf_counter(), time.process_time()
                            res = planner.solve(inst, method, time_limit=limit, threads=1)
                            wall = time.perf_counter() - wall0
                            cpu = time.process_time() - cpu0
                            st = res.stats
                            row = {
                                "code": args.code,
                                "mix": mix,
                                "batch": batch,
                                "gpus": gpus,
                                "seed": seed,
                                "method": method,
                                "limit_s": limit,
                                "status": res.status.value,
                                "objective_s": res.objective,
                                "bound_s": res.bound,
                                "wall_s": round(wall, 3),
                                "cpu_s": round(cpu, 3),
                                "over_limit_s": round(wall - limit, 3),
                                "microbatches": st.get("microbatches"),
                                "adaptive_s": st.get("adaptive_s"),
                                "static_s": st.get("static_s"),
                                "baselines_skipped": st.get("baselines_skipped"),
                                "load1": round(os.getloadavg()[0], 2),
                            }
                            writer.writerow(row)
                            fh.flush()
                            print(
                                f"{args.code} {mix} {batch}x{gpus} s{seed} -t {limit:g} "
                                f"{method}: {row['status']} {row['objective_s']} "
                                f"wall {row['wall_s']} cpu {row['cpu_s']} load {row['load1']}",
                                flush=True,
                            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
