"""``server_tpot.py`` at the published llama2-70b prompt lengths (mean 219.74, std 171.14:
:data:`planner.perfmodel.calibration.mlperf.DATASETS`), with the rows' KV admission, plus the
modelled mean iteration at the measured Little's-law batch (helper s18mlperf).

Usage::

    python bench/session_runs/s18mlperf/server_tpot_published.py V41_CLONE V51_CLONE
"""

from __future__ import annotations

import math
import sys
import time

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import server_tpot as tpot
from server_tpot import measured, rate_at_tpot


def role_for(row):
    d = DATASETS[row.model]
    return tpot.role_for(row, d.input_mean, d.input_std, row.kv_admission)


def main() -> None:
    repos = {"mlperf_inf41": sys.argv[1], "mlperf_inf51": sys.argv[2]}
    t0, c0 = time.time(), time.process_time()
    rows = [
        r
        for r in MLPERF_ROWS
        if r.scenario == "Server" and r.metric == "tpot_s" and DATASETS[r.model].input_mean
    ]
    print(
        "| system | measured batch (Little) | measured TPOT mean / p99 ms | modelled batch | "
        "modelled mean iteration / p99 TPOT ms | modelled batch limit | modelled mean "
        "iteration at the measured batch ms | rate / engine at the measured p99 TPOT | "
        "vs scheduled |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        m = measured(repos[row.source], row)
        lam = row.rate / row.engines
        little = m["completed"] / row.engines * m["mean_latency_ns"] / 1e9
        role = role_for(row)
        pt = role.at_rate(lam)
        lim = role.batch_limit()
        at_little = role.at_batch(min(little, lim)) if lim > 0 else None
        it = f"{1e3 * at_little.tpot_mean_s:.1f}" if at_little else "-"
        if little > lim:
            it += f" (at the limit {lim:.0f})"
        r = rate_at_tpot(role, m["p99_tpot_ns"] / 1e9, role.at_batch(lim).rate)
        sat = "" if math.isfinite(pt.tpot_s) else " (saturated)"
        name = "/".join(row.id.split("/")[:4])
        print(
            f"| {name} | {little:.0f} | {m['mean_tpot_ns'] / 1e6:.1f} / "
            f"{m['p99_tpot_ns'] / 1e6:.1f} | {pt.batch:.0f} | {1e3 * pt.tpot_mean_s:.1f} / "
            f"{1e3 * pt.tpot_s:.1f}{sat} | {lim:.0f} | {it} | {r:.3f} | "
            f"{100 * (r / lam - 1):+.1f} % |"
        )
    print(f"\n{time.time() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU", file=sys.stderr)


if __name__ == "__main__":
    main()
