"""Predictions of the published serving rows (for the calibration fit in :mod:`planner.perfmodel`).

A row is one replica's output tokens/s at saturation (trtllm-bench's offline
mode: fixed input/output lengths, in-flight batching with chunked prefill,
the KV cache reserved at admission); importing :mod:`planner.serve` registers
:func:`predict` with :func:`planner.perfmodel.calibration.fit.register_predictor`.
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import ServingRow
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic

#: trtllm-bench's default ``max_num_tokens``: the token budget of one mixed iteration.
TRTLLM_CHUNK_TOKENS = 8192


def offline_tokens_per_s(
    model: str, gpu: str, tp: int, input_tokens: int, output_tokens: int, precision: str = "fp8"
) -> float:
    """Output tokens/s of one replica at saturation (the planner's offline mode)."""
    eng = EngineModel(load_model(model), ReplicaConfig(get_gpu(gpu), tp), precision, precision)
    traffic = Traffic(None, LengthDist.fixed(input_tokens), LengthDist.fixed(output_tokens))
    role = RoleModel(
        eng,
        "both",
        traffic,
        SLO(),
        chunk=TRTLLM_CHUNK_TOKENS,
        online=False,
        kv_admission="reserve",
    )
    return role.capacity()[0] * eng.config.engines * output_tokens


def predict(row: ServingRow) -> float:
    """The row's output tokens/s as the model predicts it."""
    return offline_tokens_per_s(
        row.model, row.gpu, row.tp, row.input_tokens, row.output_tokens, row.precision
    )
