"""Operating point of the L40S TP and RTX PRO PP rows: engines, batch, iteration ms, the share
of the iteration the collectives / pipeline hand-offs take (diagnostic, s19pcie).

    PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s19pcie/operating_points.py
"""

from __future__ import annotations

import sys

import numpy as np

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_KV_ADMISSION, TRTLLM_CHUNK_TOKENS, predict
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic


def point(r):
    engine = EngineModel(
        load_model(r.model),
        ReplicaConfig(get_gpu(r.gpu), r.tp, r.pp),
        r.precision,
        r.kv_precision or r.precision,
        engine=parse_engine(r.engine or "trtllm"),
    )
    traffic = Traffic(None, LengthDist.fixed(r.input_tokens), LengthDist.fixed(r.output_tokens))
    role = RoleModel(
        engine,
        "both",
        traffic,
        SLO(percentile=0.99),
        chunk=TRTLLM_CHUNK_TOKENS,
        online=False,
        kv_admission=ENGINE_KV_ADMISSION["trtllm"],
    )
    _rate, pt, _ = role.capacity()
    b = pt.batch
    ctx = r.input_tokens + r.output_tokens / 2
    full = float(engine.base_time(np.array([b]), b, ctx)[0])
    bare = float(engine.without_communication().base_time(np.array([b]), b, ctx)[0])
    return engine, pt, full, bare


def main(filt: str) -> None:
    print("| row | pub | pred | err | batch | iter ms | decode-step comm share |")
    for r in INFERENCE_GPU_ROWS:
        if filt not in r.id:
            continue
        p = predict(r)
        _, pt, full, bare = point(r)
        print(
            f"| {r.id} | {r.value:g} | {p:.0f} | {p / r.value - 1:+.1%} | {pt.batch:.0f} | "
            f"{1e3 * pt.tpot_mean_s:.1f} | {1 - bare / full:.1%} |"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
