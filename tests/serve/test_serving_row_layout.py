"""Saturation predictions of a trtllm-bench row honour its pipeline stages and KV precision."""

from dataclasses import replace

import pytest

from planner.perfmodel.calibration.published import HELD_OUT, ServingRow
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import offline_tokens_per_s, predict

ROW = ServingRow(
    "test/llama-3.1-70b/RTX-PRO-6000/128-2048",
    "test",
    "RTX-PRO-6000",
    "llama-3.1-70b",
    1,
    "fp4",
    128,
    2048,
    1.0,
    HELD_OUT,
    kv_precision="fp8",
)


def test_row_prediction_is_the_offline_capacity_of_its_layout():
    two = replace(ROW, pp=2)
    expected = offline_tokens_per_s(
        "llama-3.1-70b", "RTX-PRO-6000", 1, 128, 2048, "fp4", pp=2, kv_precision="fp8"
    )
    assert predict(two) == pytest.approx(expected)
    # two stages hold two micro-batches and half the weights each: more tokens/s than one GPU
    assert predict(two) > predict(ROW)


def test_kv_precision_defaults_to_the_weights_and_sets_the_cache():
    # an FP8 cache holds half the tokens of an FP4 one: a 1-GPU 70B FP4 replica at long
    # outputs is KV-bound, so the two predictions differ (the old rows cached in the weights'
    # precision, FP4 here)
    fp4_cache = replace(ROW, kv_precision="")
    assert predict(fp4_cache) != pytest.approx(predict(ROW))
    gpu = get_gpu("RTX-PRO-6000")
    m = load_model("llama-3.1-70b")
    kv8 = EngineModel(m, ReplicaConfig(gpu, 1), "fp4", "fp8").kv_tokens
    kv4 = EngineModel(m, ReplicaConfig(gpu, 1), "fp4", "fp4").kv_tokens
    assert kv8 == pytest.approx(kv4 / 2, rel=0.01)
