"""MLPerf Server p99s at the model's own MLPerf operating point (its SLO capacity) against the
measured run's, beside the scored prediction (at the run's scheduled rate).

MLPerf's Server search reports the largest rate whose p99 TTFT and p99 TPOT meet 2 s / 200 ms,
so the measured run sits at (or just under) the system's capacity. The scored rows ask for the
model's p99s at the measured rate, which is infinite when the model's capacity is below it
and tends to the zero-load value when it is far above: a test of the throughput as much as of
the latency law. Here each Server row is also evaluated at the model's own capacity (the rate
whose p99s meet the same limits): where those p99s agree with the measured ones, the scored
latency error is the throughput error.

Usage: PYTHONPATH=. python bench/session_runs/s20mlperf/capacity_point_latency.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.serve.calibration import predict_mlperf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlperf_role import role


def main() -> None:
    print(
        "| system | metric | measured | at the scheduled rate | model capacity / scheduled "
        "| at the model's capacity |"
    )
    print("|---|---|---|---|---|---|")
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.scenario != "Server" or r.statistic != "p99":
            continue
        per_engine = r.rate / r.engines
        lam, point, _ = role(r).capacity()
        at_cap = point.ttft_s if r.metric == "ttft_s" else point.tpot_s
        scored = predict_mlperf(r)
        name = r.id.split("/llama-2-70b")[0]
        print(
            f"| {name} | p99 {r.metric} | {r.value:.3f} | {scored:.3f} ({scored / r.value - 1:+.1%}) "
            f"| {lam / per_engine:.3f} | {at_cap:.3f} ({at_cap / r.value - 1:+.1%}) |"
        )


if __name__ == "__main__":
    main()
