"""Operating point of the modelled MLPerf Server engine at the run's scheduled rate (s18mlperf).

For each Server row's system (TPOT rows only), at each assumed mean prompt: the modelled
decode batch at the scheduled rate per engine, the batch limit (KV, prefill), the KV-cache
capacity and need, the mean and p99 iteration time, and the same with TensorRT-LLM's KV held
on demand instead of reserved (the NVIDIA harness runs kMAX_UTILIZATION).

Usage::

    python bench/session_runs/s18mlperf/server_point.py
"""

from __future__ import annotations

import sys

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.perfmodel.engines import parse_engine
from planner.serve import calibration as cal
from planner.serve.slo import SLO
from planner.serve.traffic import parse_lengths

MEANS = (100, 200, 300, 500, 800)


def role_for(row, input_mean, admission=None):
    prompt = parse_lengths(f"lognormal:{input_mean:g},{input_mean:g}", what="input_mean")
    out = row.output_mean
    output = parse_lengths(f"lognormal:{out:g},{out:g}", what="output_mean")
    engine = parse_engine(row.engine)
    slo = SLO(ttft_s=row.ttft_limit_s, tpot_s=row.tpot_limit_s, percentile=0.99)
    role = cal._role(
        row.model,
        row.gpu,
        row.tp,
        row.precision,
        row.kv_precision,
        prompt,
        output,
        engine,
        qps=row.rate / row.engines,
        percentile=0.99,
        slo=slo,
    )
    if admission is None:
        return role
    from planner.serve.capacity import RoleModel

    return RoleModel(
        role.engine,
        "both",
        role.traffic,
        role.slo,
        chunk=role.chunk,
        online=True,
        kv_admission=admission,
    )


def main() -> None:
    rows = [r for r in MLPERF_ROWS if r.scenario == "Server" and r.metric == "tpot_s"]
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    print(
        "| row | in | lam/eng | B_lim | B | kv need/cap | mean it ms | p99 TPOT ms | rate@B_lim |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if only and only not in row.id:
            continue
        name = "/".join(row.id.split("/")[1:4])
        lam = row.rate / row.engines
        for mean in MEANS:
            for adm in (None, "on-demand"):
                role = role_for(row, mean, adm)
                lim = role.batch_limit()
                top = role.at_batch(lim)
                pt = role.at_rate(lam)
                tag = "" if adm is None else " (on-demand KV)"
                print(
                    f"| {name}{tag} | {mean} | {lam:.2f} | {lim:.0f} | {pt.batch:.0f} | "
                    f"{pt.kv_tokens:.3g}/{pt.kv_capacity:.3g} | {1e3 * pt.tpot_mean_s:.1f} | "
                    f"{1e3 * pt.tpot_s:.1f} | {top.rate:.2f} |"
                )


if __name__ == "__main__":
    main()
