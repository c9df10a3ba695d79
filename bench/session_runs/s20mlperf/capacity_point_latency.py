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

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_CHUNK_TOKENS, predict_mlperf
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths


def main() -> None:
    data = DATASETS["llama-2-70b"]
    print(
        "| system | metric | measured | at the scheduled rate | model capacity / scheduled "
        "| at the model's capacity |"
    )
    print("|---|---|---|---|---|---|")
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.scenario != "Server" or r.statistic != "p99":
            continue
        prompt = parse_lengths(f"lognormal:{data.input_mean:g},{data.input_std:g}", what="in")
        out = parse_lengths(f"lognormal:{r.output_mean:g},{r.output_mean:g}", what="out")
        eng = parse_engine(r.engine)
        em = EngineModel(
            load_model(r.model),
            ReplicaConfig(get_gpu(r.gpu), r.tp),
            r.precision,
            r.kv_precision,
            engine=eng,
        )
        per_engine = r.rate / r.engines
        role = RoleModel(
            em,
            "both",
            Traffic(per_engine, prompt, out),
            SLO(ttft_s=r.ttft_limit_s, tpot_s=r.tpot_limit_s, percentile=0.99),
            chunk=eng.batched_tokens or ENGINE_CHUNK_TOKENS[eng.name],
            online=True,
            kv_admission=r.kv_admission,
        )
        lam, point, _ = role.capacity()
        at_cap = point.ttft_s if r.metric == "ttft_s" else point.tpot_s
        scored = predict_mlperf(r)
        name = r.id.split("/llama-2-70b")[0]
        print(
            f"| {name} | p99 {r.metric} | {r.value:.3f} | {scored:.3f} ({scored / r.value - 1:+.1%}) "
            f"| {lam / per_engine:.3f} | {at_cap:.3f} ({at_cap / r.value - 1:+.1%}) |"
        )


if __name__ == "__main__":
    main()
