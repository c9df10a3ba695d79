"""seqpar on Wikipedia batches: modeled speedup over static and batch-adaptive SP, gap, solve time.

Samples global batches from the 1M Wikipedia lengths (documents above the
maximum context length dropped, as FlexSP's loader does), solves each with
the given methods under a time limit (wall time of the whole ``planner.solve``
call: bucketing and model building included) and writes, through :mod:`planner.bench`, a
benchmark row per run (``<out>.csv``) and the report (``<out>.md``: the command that
reproduces it, the summary, and the tables by cluster and batch and per instance).
``--gpus`` and ``--batch`` take comma-separated lists for a scaling table;
``--max-len fit`` uses the largest power of two up to 196,608 that one group
of the cluster holds::

    .venv/bin/python bench/seqpar_wikipedia.py --seeds 20 -t 1 \\
        --out bench/results/seqpar/wikipedia_7b_g64_b512
    .venv/bin/python bench/seqpar_wikipedia.py --gpus 16,32,64,128,512,1024 \\
        --batch 128,512,1024,4096 --max-len fit --seeds 3 --methods auto,ls -t 1 \\
        --out bench/results/seqpar/scaling
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import planner
from planner.bench import certificate_row, markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.core.family import get_family, warm_up
from planner.seqpar.generate import make_cluster_cost, read_lengths, sample

#: Largest context length used with ``--max-len fit`` (FlexSP's 192K).
FIT_CAP = 196_608


def fit_max_len(gpus: int, model: str, gpu: str | None) -> int:
    """Largest power of two (at most 192K) one group of ``gpus`` GPUs holds."""
    cluster, cost, _ = make_cluster_cost(gpus, model, gpu=gpu)
    most = cluster.max_degree * cost.tokens_per_gpu(cluster)
    if most >= FIT_CAP:
        return FIT_CAP
    return 1 << (most.bit_length() - 1)


def ints(text: str) -> list[int]:
    """``"16,32"`` -> ``[16, 32]``."""
    return [int(x) for x in text.split(",") if x.strip()]


def run(args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """Solve every (gpus, batch, seed, method): the script's row and the benchmark row of each."""
    pool = read_lengths(args.lengths)
    warm_up(get_family("seqpar"))
    rows, bench_rows = [], []
    for gpus in ints(args.gpus):
        max_len = (
            fit_max_len(gpus, args.model, args.gpu) if args.max_len == "fit" else int(args.max_len)
        )
        for batch in ints(args.batch):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                (inst,) = sample(
                    pool,
                    batch=batch,
                    max_len=max_len,
                    gpus=gpus,
                    model=args.model,
                    seed=seed,
                    prefix="wikipedia",
                    gpu=args.gpu,
                )
                for method in args.methods.split(","):
                    start = time.perf_counter()
                    res = planner.solve(
                        inst, method, time_limit=args.time_limit, threads=args.threads
                    )
                    wall = time.perf_counter() - start
                    st = res.stats
                    rows.append(
                        {
                            "instance": inst.name,
                            "gpus": gpus,
                            "batch": batch,
                            "max_len": max_len,
                            "method": method,
                            "status": res.status.value,
                            "objective_s": res.objective,
                            "bound_s": res.bound,
                            "gap": res.gap,
                            "static_s": st.get("static_s"),
                            "adaptive_s": st.get("adaptive_s"),
                            "speedup_static": st.get("speedup_static"),
                            "speedup_adaptive": st.get("speedup_adaptive"),
                            "runtime_s": round(wall, 4),
                            "microbatches": st.get("microbatches"),
                            "max_len_in_batch": max(inst.lengths),
                            "tokens": sum(inst.lengths),
                            "load1": round(os.getloadavg()[0], 2),
                        }
                    )
                    r = rows[-1]
                    if args.ulysses_gain and res.objective is not None:
                        narrow = dataclasses.replace(inst, cost=inst.cost.restricted(["ulysses"]))
                        only = planner.solve(
                            narrow, method, time_limit=args.time_limit, threads=args.threads
                        )
                        r["ulysses_only_s"] = only.objective
                        r["static_ulysses_s"] = only.stats.get("static_s")
                        if only.objective:
                            r["gain_over_ulysses"] = only.objective / res.objective
                    bench_rows.append(certificate_row(res, runtime_s=wall, stats=r))
                    print(
                        f"{inst.name} {method}: {r['status']} {fmt(r['objective_s'], '.4f')} s, "
                        f"gap {fmt(None if r['gap'] is None else 100 * r['gap'], '.2f')} %, "
                        f"x{fmt(r['speedup_static'], '.3f')} static, "
                        f"x{fmt(r['speedup_adaptive'], '.3f')} adaptive, {wall:.3f} s wall",
                        file=sys.stderr,
                    )
    return rows, bench_rows


def fmt(x: float | None, spec: str) -> str:
    """Format or dash."""
    return "–" if x is None else format(x, spec)


def summary_row(label: str, rs: list[dict], ulysses_gain: bool) -> dict[str, str]:
    """The summary of runs (plus the gain over Ulysses-only plans when measured)."""
    ok = [r for r in rs if r["objective_s"] is not None]
    gains = [r["gain_over_ulysses"] for r in ok if r.get("gain_over_ulysses")]
    ss = [r["speedup_static"] for r in ok if r["speedup_static"]]
    sa = [r["speedup_adaptive"] for r in ok if r["speedup_adaptive"]]
    gaps = [100 * (r["gap"] or 0.0) for r in ok]
    walls = [r["runtime_s"] for r in rs]
    out = {
        "gpus × batch, method": label,
        "runs": f"{len(ok)}/{len(rs)}",
        "mean speedup vs static": fmt(statistics.mean(ss), ".3f") if ss else "–",
        "min vs static": fmt(min(ss), ".3f") if ss else "–",
        "mean speedup vs adaptive": fmt(statistics.mean(sa), ".3f") if sa else "–",
        "min vs adaptive": fmt(min(sa), ".3f") if sa else "–",
        "mean gap %": fmt(statistics.mean(gaps), ".2f") if gaps else "–",
        "max gap %": fmt(max(gaps), ".2f") if gaps else "–",
        "mean wall s": f"{statistics.mean(walls):.3f}",
        "max wall s": f"{max(walls):.3f}",
    }
    if ulysses_gain:
        out["mean gain over Ulysses-only"] = f"{statistics.mean(gains):.3f}" if gains else "–"
        out["max gain over Ulysses-only"] = f"{max(gains):.3f}" if gains else "–"
    return out


def instance_row(r: dict) -> dict[str, str]:
    """One run of the per-instance table."""
    gap = None if r["gap"] is None else 100 * r["gap"]
    return {
        "instance": r["instance"],
        "method": r["method"],
        "step s": fmt(r["objective_s"], ".4f"),
        "bound s": fmt(r["bound_s"], ".4f"),
        "gap %": fmt(gap, ".2f"),
        "static s": fmt(r["static_s"], ".4f"),
        "adaptive s": fmt(r["adaptive_s"], ".4f"),
        "x static": fmt(r["speedup_static"], ".3f"),
        "x adaptive": fmt(r["speedup_adaptive"], ".3f"),
        "wall s": f"{r['runtime_s']:.3f}",
        "max len": str(r["max_len_in_batch"]),
        "load": str(r["load1"]),
    }


def tables(rows: list[dict], ulysses_gain: bool) -> list[tuple[str, str]]:
    """The report's sections: by cluster, batch and method, then per instance."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["gpus"], r["batch"], r["method"]), []).append(r)
    summary = [summary_row(f"{g} × {b}, {m}", rs, ulysses_gain) for (g, b, m), rs in groups.items()]
    per_instance = [instance_row(r) for r in rows]
    return [
        (
            "By cluster, batch and method",
            markdown_rows(summary, list(summary[0]) if summary else []),
        ),
        (
            "Per instance",
            markdown_rows(per_instance, list(per_instance[0]) if per_instance else []),
        ),
    ]


def report(args: argparse.Namespace, rows: list[dict], bench_rows, load_start, load_end) -> None:
    """Write the benchmark rows and the report with the tables by cluster and per instance."""
    command = "python " + shlex.join(sys.argv)
    write_rows(args.out.with_suffix(".csv"), bench_rows)
    note = (
        f"Load average (1/5/15 min) at start {load_start[0]:.2f}/{load_start[1]:.2f}/"
        f"{load_start[2]:.2f}, at end {load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f} "
        "(2-core machine shared with other jobs; the load column is the 1-minute average "
        "after each run). Speedups are ratios of modeled step times (the cost model of the "
        "instance); the bound is the certificate over every micro-batch split; wall time is the "
        "whole `planner.solve` call."
    )
    write_report(
        args.out.with_suffix(".md"),
        bench_rows,
        title=f"seqpar: Wikipedia batches ({args.model}{' on ' + args.gpu if args.gpu else ''})",
        command=command,
        notes=[note],
        sections=tables(rows, args.ulysses_gain),
        size_label="sequences",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", default="../shared/data/seqpar/wikipedia_lengths.txt")
    ap.add_argument("--out", type=Path, required=True, help="prefix of the .csv/.md outputs")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--batch", default="512", help="batch size(s), comma-separated")
    ap.add_argument("--gpus", default="64", help="GPU count(s), comma-separated")
    ap.add_argument("--model", default="flexsp-7b", help="FlexSP preset or a perfmodel model")
    ap.add_argument("--gpu", default=None, help="GPU of a perfmodel model (default H100)")
    ap.add_argument(
        "--ulysses-gain",
        action="store_true",
        help="also solve each batch with Ulysses groups only (derived models): the gain of ring/hybrid",
    )
    ap.add_argument("--max-len", default="196608", help="tokens, or 'fit'")
    ap.add_argument("--methods", default="auto")
    ap.add_argument("-t", "--time-limit", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.ulysses_gain:
        _, cost, _ = make_cluster_cost(ints(args.gpus)[0], args.model, gpu=args.gpu)
        if not hasattr(cost, "restricted"):
            ap.error(
                f"--ulysses-gain needs a model derived from perfmodel (e.g. llama-3.1-8b): "
                f"{args.model!r} is a FlexSP preset, whose groups are all-to-all (Ulysses) only"
            )
    load_start = os.getloadavg()
    rows, bench_rows = run(args)
    report(args, rows, bench_rows, load_start, os.getloadavg())


if __name__ == "__main__":
    main()
