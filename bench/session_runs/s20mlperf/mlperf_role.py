"""The engine model and role of one MLPerf llama2-70b row, as ``predict_mlperf`` builds them
(shared by this directory's diagnostics)."""

from __future__ import annotations

from planner.perfmodel.calibration.mlperf import DATASETS, MLPerfRow
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_CHUNK_TOKENS
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths


def engine_model(r: MLPerfRow) -> EngineModel:
    """One engine of ``r``'s system."""
    return EngineModel(
        load_model(r.model),
        ReplicaConfig(get_gpu(r.gpu), r.tp),
        r.precision,
        r.kv_precision,
        engine=parse_engine(r.engine),
    )


def role(r: MLPerfRow) -> RoleModel:
    """One engine of ``r``'s system under its scenario: offline, or the scheduled rate split
    evenly over the engines with MLPerf's p99 limits."""
    data = DATASETS[r.model]
    prompt = parse_lengths(f"lognormal:{data.input_mean:g},{data.input_std:g}", what="in")
    out = parse_lengths(f"lognormal:{r.output_mean:g},{r.output_mean:g}", what="out")
    em = engine_model(r)
    online = r.scenario == "Server"
    slo = (
        SLO(ttft_s=r.ttft_limit_s, tpot_s=r.tpot_limit_s, percentile=0.99)
        if online
        else SLO(percentile=0.99)
    )
    return RoleModel(
        em,
        "both",
        Traffic(r.rate / r.engines if online else None, prompt, out),
        slo,
        chunk=em.engine.batched_tokens or ENGINE_CHUNK_TOKENS[em.engine.name],
        online=online,
        kv_admission=r.kv_admission,
    )
