"""Decode-step breakdown of the MLPerf llama2-70b engines at their measured Little batch.

For each MLPerf llama2-70b Server / Offline engine: the model's decode iteration at the
measured mean batch (Little's law on the run's summary log: completed samples/s per engine x
mean latency for Server; Offline has no latency, so the batch AMD's scheduler targets is
printed for reference), split into GPU time and host time, against the measured mean TPOT.

Usage: PYTHONPATH=. python bench/session_runs/s20mlperf/breakdown.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.engines import host_overhead_s, parse_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlperf_role import engine_model

# measured mean TPOT (ms) and Little batch per engine (s18mlperf/server_tpot.md)
MEASURED = {
    "mlperf_inf41/NVIDIA/DGX-H100_H100-SXM-80GBx8_TRT": (155.0, 836),
    "mlperf_inf41/NVIDIA/H200-SXM-141GBx8_TRT": (123.3, 450),
    "mlperf_inf41/AMD/8xMI300X_2xEPYC-9374F": (143.1, 384),
    "mlperf_inf51/AMD/8xMI300X_2xEPYC_9575F": (144.6, 445),
    "mlperf_inf51/AMD/8xMI325X_2xEPYC_9575F_1": (148.7, 597),
}


def main() -> None:
    data = DATASETS["llama-2-70b"]
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.metric != "tpot_s":
            continue
        key = r.id.rsplit("/llama-2-70b", 1)[0]
        tpot, batch = MEASURED[key]
        eng = parse_engine(r.engine)
        em = engine_model(r)
        ctx = data.input_mean + r.output_mean / 2
        step = float(em.base_time(np.array([float(batch)]), float(batch), ctx)[0])
        host = float(host_overhead_s(eng, batch))
        gpu = float(em.gpu_time(np.array([float(batch)]), float(batch), ctx)[0][0])
        print(
            f"{key:45s} {r.engine:45s} batch {batch:5d}: step {step * 1e3:6.1f} ms "
            f"(GPU {gpu * 1e3:6.1f}, host {host * 1e3:5.1f}) measured mean TPOT {tpot:6.1f} ms"
        )
    print("host_per_sequence_vllm_s", constants.FITTED["host_per_sequence_vllm_s"])


if __name__ == "__main__":
    main()
