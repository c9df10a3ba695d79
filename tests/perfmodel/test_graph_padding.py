"""CUDA-graph batch padding (engine option ``pad=N``, :mod:`planner.perfmodel.graph_padding`)."""

from __future__ import annotations

import numpy as np
import pytest

import planner.serve.calibration as calibration
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.graph_padding import captured_sizes, padded_batch
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig


@pytest.mark.parametrize(
    ("spec", "batch", "padded"),
    [
        ("trtllm,pad=300", 129, 256),  # the next listed size
        ("trtllm,pad=300", 256, 256),  # a captured size runs as it is
        ("trtllm,pad=300", 257, 300),  # the cap itself is captured
        ("trtllm,pad=300", 301, 301),  # above the largest graph: eager, unpadded
        ("trtllm,pad=300", 3, 4),
        ("vllm:0.6.3,pad=256", 9, 16),  # V0: 1, 2, 4, then multiples of 8 to 256
        ("vllm:0.6.3,pad=512", 300, 300),  # V0 lists nothing above 256: eager
        ("vllm:0.9.0,pad=512", 300, 304),  # V1: multiples of 8 to 512
        ("sglang:0.4.3,pad=160", 9, 16),
        ("sglang:0.4.3,pad=160", 161, 161),
    ],
)
def test_padding_pads_to_the_engines_next_captured_size(spec, batch, padded):
    engine = parse_engine(spec)
    assert padded_batch(engine, float(batch)) == padded
    assert padded_batch(engine, np.array([float(batch)]))[0] == padded


def test_the_captured_sizes_are_the_list_up_to_the_cap_plus_the_cap():
    assert captured_sizes(parse_engine("trtllm,pad=300")) == (
        1, 2, 4, 8, 16, 32, 64, 128, 256, 300
    )  # fmt: skip
    assert captured_sizes(parse_engine("trtllm,pad=8192"))[-1] == 8192


@pytest.mark.parametrize("spec", ["trtllm", "trtllm,eager,pad=256", "vllm:0.6.3"])
def test_an_engine_that_does_not_pad_is_unchanged(spec):
    engine = parse_engine(spec)
    assert captured_sizes(engine) == ()
    assert padded_batch(engine, 129.0) == 129.0


def _engines(spec: str) -> tuple[EngineModel, EngineModel]:
    model, config = load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1)
    plain = EngineModel(model, config, "fp8", engine=parse_engine("trtllm"))
    return plain, EngineModel(model, config, "fp8", engine=parse_engine(spec))


def test_a_decode_only_iteration_runs_its_layers_at_the_padded_batch():
    plain, padded = _engines("trtllm,pad=512")
    ctx = 1000.0
    t = padded.base_time(np.array([129.0]), 129.0, ctx)[0]
    assert t > plain.base_time(np.array([129.0]), 129.0, ctx)[0]
    # the layers of 256 rows, the attention of the 129 real sequences
    assert t < plain.base_time(np.array([256.0]), 256.0, ctx)[0]
    assert padded.layer_tokens(np.array([129.0]), 129.0)[0] == 256.0
    # a captured batch and a mixed (eager) iteration are not padded
    assert padded.base_time(np.array([256.0]), 256.0, ctx)[0] == pytest.approx(
        plain.base_time(np.array([256.0]), 256.0, ctx)[0]
    )
    mixed = np.array([129.0 + 2048.0])
    assert padded.base_time(mixed, 129.0, ctx)[0] == plain.base_time(mixed, 129.0, ctx)[0]


def test_vllm_v0_pads_no_decode_it_runs_eagerly_past_its_captured_length():
    """vLLM V0 pads a decode batch only when it replays the captured graph
    (``_use_captured_graph``: ``max_decode_seq_len <= max_seq_len_to_capture``, 8192); a
    longer sequence's decode runs eagerly, unpadded (was padded, s24small)."""
    model, config = load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1)
    plain = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.6.3"))
    padded = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.6.3,pad=256"))
    batch = np.array([129.0])
    short, long = 1000.0, 10000.0  # the longest context within / past 8192
    assert padded.layer_tokens(batch, 129.0, short)[0] == 136.0  # V0: multiples of 8
    assert padded.base_time(batch, 129.0, short)[0] > plain.base_time(batch, 129.0, short)[0]
    assert padded.layer_tokens(batch, 129.0, long)[0] == 129.0
    assert padded.base_time(batch, 129.0, long)[0] == plain.base_time(batch, 129.0, long)[0]
    # the mean context within 8192 but the longest past it: eager, as base_time's launch cost
    t = padded.base_time(batch, 129.0, short, longest=long)[0]
    assert t == plain.base_time(batch, 129.0, short, longest=long)[0]
    # V1 (0.8.0 on) keeps its graphs at any length
    v1 = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.9.0,pad=512"))
    assert v1.layer_tokens(batch, 129.0, long)[0] == 136.0


def test_only_pytorch_flow_rows_take_the_flow_options():
    pytorch = next(r for r in SERVING_ROWS if r.gpu == "H100")
    build = next(r for r in INFERENCE_GPU_ROWS if r.bench_flow == "build")
    engine = calibration.row_role(pytorch).engine.engine
    limits = calibration.row_bench_settings(pytorch)
    assert engine.fp8_gemm_law
    assert engine.graph_pad == min(limits.max_batch_size, limits.max_num_tokens)
    assert not calibration.row_role(build).engine.engine.graph_pad
    saved = calibration.PYTORCH_FLOW_OPTIONS
    try:
        with_options = calibration.predict(pytorch), calibration.predict(build)
        calibration.PYTORCH_FLOW_OPTIONS = ()
        without = calibration.predict(pytorch), calibration.predict(build)
    finally:
        calibration.PYTORCH_FLOW_OPTIONS = saved
    assert with_options[0] != without[0]
    assert with_options[1] == without[1]  # the C++ engines of the build flow do not pad
