"""The model's operating point of each MLPerf llama2-70b AMD engine: batch, mean iteration,
host share, KV capacity, with and without a cap on the batch (max_num_seqs).

Usage: PYTHONPATH=. python bench/session_runs/s20mlperf/operating_points.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.engines import host_overhead_s, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_CHUNK_TOKENS
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths


def main() -> None:
    data = DATASETS["llama-2-70b"]
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.metric not in ("output_tokens_per_s",):
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
        online = r.scenario == "Server"
        rate = r.rate / r.engines if online else None
        slo = (
            SLO(ttft_s=r.ttft_limit_s, tpot_s=r.tpot_limit_s, percentile=0.99)
            if online
            else SLO(percentile=0.99)
        )
        role = RoleModel(
            em,
            "both",
            Traffic(rate, prompt, out),
            slo,
            chunk=eng.batched_tokens or ENGINE_CHUNK_TOKENS[eng.name],
            online=online,
            kv_admission=r.kv_admission,
        )
        lam, point, _ = role.capacity()
        b = point.batch
        host = float(host_overhead_s(eng, b))
        ctx = data.input_mean + r.output_mean / 2
        dec = float(em.base_time(np.array([b]), b, ctx)[0])
        print(
            f"{r.id.split('/llama-2-70b')[0]:45s} {r.scenario:8s} rate/engine {lam:6.2f} "
            f"(measured {r.value / r.output_mean / r.engines:6.2f}) batch {b:7.1f} "
            f"mean iter {point.tpot_mean_s * 1e3:6.1f} ms decode step {dec * 1e3:6.1f} ms "
            f"host {host * 1e3:6.1f} ms kv {point.kv_tokens:8.0f}/{point.kv_capacity:8.0f} "
            f"viol {point.violations}"
        )


if __name__ == "__main__":
    main()
