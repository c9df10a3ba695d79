"""Why the modelled MLPerf Server p99 TPOT is far below the measured one (helper s18mlperf).

For every Server system of ``planner.perfmodel.calibration.mlperf`` this prints, from the
run's own ``mlperf_log_summary.txt`` (read from a clone of mlcommons/inference_results_v4.1
or _v5.1, as ``bench/session_runs/s17pub/mlperf_read.py`` does): the completed rate, the mean
sample latency, the mean / p50 / p99 time per output token, and the decode batch Little's law
gives (sequences in the system per engine = completed samples/s per engine x mean latency).
Beside them, for each assumed mean prompt of s17pub's grid (fixed before any prediction): the
modelled decode batch, mean iteration and p99 TPOT at the scheduled rate, and the rate per
engine at which the modelled p99 TPOT reaches the measured p99 (the model's rate at the
measured latency: a TPOT error restated as a rate error).

Usage::

    python bench/session_runs/s18mlperf/server_tpot.py V41_CLONE V51_CLONE
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.perfmodel.engines import parse_engine
from planner.serve import calibration as cal
from planner.serve.slo import SLO
from planner.serve.traffic import parse_lengths

MEANS = (100, 200, 300, 500, 800)
BENCH = {"llama-2-70b": "llama2-70b-99", "mixtral-8x7b": "mixtral-8x7b"}
KEYS = {
    "completed": r"Completed samples per second\s*:\s*([\d.]+)",
    "mean_latency_ns": r"Mean latency \(ns\)\s*:\s*(\d+)",
    "mean_tpot_ns": r"Mean Time to Output Token \(ns\)\s*:\s*(\d+)",
    "p50_tpot_ns": r"50.00 percentile time to output token \(ns\)\s*:\s*(\d+)",
    "p99_tpot_ns": r"99.00 percentile time to output token \(ns\)\s*:\s*(\d+)",
    "mean_ttft_ns": r"Mean First Token latency \(ns\)\s*:\s*(\d+)",
}


def measured(repo: str, row) -> dict[str, float]:
    path = (
        f"closed/{row.submitter}/results/{row.system}/{BENCH[row.model]}/Server/"
        "performance/run_1/mlperf_log_summary.txt"
    )
    text = subprocess.run(
        ["git", "-C", repo, "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
    ).stdout
    return {k: float(re.search(p, text).group(1)) for k, p in KEYS.items()}


def role_for(row, input_mean, input_std=None, kv_admission=None):
    """The modelled engine of ``row`` (prompt std = mean unless given; KV admission the
    engine's default unless given: this table's run used TensorRT-LLM's reservation)."""
    std = input_std or input_mean
    prompt = parse_lengths(f"lognormal:{input_mean:g},{std:g}", what="input_mean")
    out = row.output_mean
    output = parse_lengths(f"lognormal:{out:g},{out:g}", what="output_mean")
    slo = SLO(ttft_s=row.ttft_limit_s, tpot_s=row.tpot_limit_s, percentile=0.99)
    return cal._role(
        row.model,
        row.gpu,
        row.tp,
        row.precision,
        row.kv_precision,
        prompt,
        output,
        parse_engine(row.engine),
        qps=row.rate / row.engines,
        percentile=0.99,
        slo=slo,
        kv_admission=kv_admission,
    )


def rate_at_tpot(role, target_s: float, hi: float) -> float:
    """Largest per-engine rate whose modelled p99 TPOT is at most ``target_s`` (bisection)."""
    lo = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if role.at_rate(mid).tpot_s <= target_s:
            lo = mid
        else:
            hi = mid
    return lo


def main() -> None:
    repos = {"mlperf_inf41": sys.argv[1], "mlperf_inf51": sys.argv[2]}
    t0, c0 = time.time(), time.process_time()
    rows = [r for r in MLPERF_ROWS if r.scenario == "Server" and r.metric == "tpot_s"]
    print("## Measured (the runs' summary logs)\n")
    print(
        "| system | engines | sched. rate / engine | completed / engine | mean latency s | "
        "mean TTFT ms | TPOT mean / p50 / p99 ms | Little batch / engine |"
    )
    print("|---|---|---|---|---|---|---|---|")
    meas = {}
    for row in rows:
        m = measured(repos[row.source], row)
        meas[row.id] = m
        per = m["completed"] / row.engines
        batch = per * m["mean_latency_ns"] / 1e9
        name = "/".join(row.id.split("/")[:4])
        print(
            f"| {name} | {row.engines} | {row.rate / row.engines:.3f} | {per:.3f} | "
            f"{m['mean_latency_ns'] / 1e9:.2f} | {m['mean_ttft_ns'] / 1e6:.0f} | "
            f"{m['mean_tpot_ns'] / 1e6:.1f} / {m['p50_tpot_ns'] / 1e6:.1f} / "
            f"{m['p99_tpot_ns'] / 1e6:.1f} | {batch:.0f} |"
        )
    print("\n## Modelled at the scheduled rate, by assumed mean prompt\n")
    print(
        "| system | prompt | batch | mean iteration ms | p99 TPOT ms | rate / engine at the "
        "measured p99 TPOT | vs scheduled |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        lam = row.rate / row.engines
        target = meas[row.id]["p99_tpot_ns"] / 1e9
        name = "/".join(row.id.split("/")[:4])
        for mean in MEANS:
            role = role_for(row, mean)
            pt = role.at_rate(lam)
            top = role.at_batch(role.batch_limit()).rate
            r = rate_at_tpot(role, target, top)
            sat = "" if math.isfinite(pt.tpot_s) else " (saturated)"
            print(
                f"| {name} | {mean} | {pt.batch:.0f} | {1e3 * pt.tpot_mean_s:.1f}{sat} | "
                f"{1e3 * pt.tpot_s:.1f} | {r:.3f} | {100 * (r / lam - 1):+.1f} % |"
            )
    print(
        f"\n{time.time() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
