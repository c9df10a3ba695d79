"""Saturation predictions of a trtllm-bench row honour its pipeline stages and KV precision."""

from dataclasses import replace

import pytest

from planner.perfmodel.calibration.published import HELD_OUT, ServingRow
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import offline_tokens_per_s, predict, row_bench_settings

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
    limits = row_bench_settings(two)  # trtllm-bench's own batch cap and token budget
    expected = offline_tokens_per_s(
        "llama-3.1-70b",
        "RTX-PRO-6000",
        1,
        128,
        2048,
        "fp4",
        pp=2,
        kv_precision="fp8",
        # the PyTorch flow's options (calibration.PYTORCH_FLOW_OPTIONS): the FP8 law (no
        # effect on FP4 Blackwell GEMMs) and CUDA-graph padding up to min(batch, tokens)
        engine=f"trtllm,tokens={limits.max_num_tokens},fp8-law,"
        f"pad={min(limits.max_batch_size, limits.max_num_tokens)}",
        max_batch=limits.max_batch_size,
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


def test_rows_run_with_trtllm_bench_settings():
    # the role of a row carries trtllm-bench's own batch cap and token budget (the old model
    # ran every row with 8192 tokens and no cap)
    from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
    from planner.perfmodel.calibration.published import SERVING_ROWS
    from planner.serve.calibration import row_role

    h100 = next(r for r in SERVING_ROWS if r.id == "trtllm_overview/llama-3.1-8b/H100/128-4096")
    role = row_role(h100)
    # at the page's KV fraction 0.95 the heuristic's 265.9 requests round up to 384 (the band
    # above 256 steps by 128); at the 0.90 default, 251.9 rounded to 256
    assert (role.max_batch, role.chunk, role.engine.engine.batched_tokens) == (384, 2048, 2048)
    l40s = next(
        r for r in INFERENCE_GPU_ROWS if r.id == "trtllm_l40s/llama-3.1-8b/L40S/tp1/2048-128"
    )
    assert l40s.bench_flow == "build"
    s = row_bench_settings(l40s)
    assert (s.max_batch_size, s.max_num_tokens) == (384, 4608)
    assert row_role(l40s).chunk == 4608


def test_overview_rows_run_with_the_kv_fraction_the_page_says_it_used():
    """The perf-overview page ran "in many cases" with ``--kv_cache_free_gpu_mem_fraction
    0.95``: its rows' engine carries it, the PyTorch flow hands it to trtllm-bench's heuristic
    (more requests fit than at 0.90), and the replica's KV pool is 95 % of the free memory."""
    from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
    from planner.perfmodel.calibration.published import SERVING_ROWS
    from planner.perfmodel.trtllm_bench import bench_settings
    from planner.serve.calibration import row_role

    rows = [r for r in SERVING_ROWS + INFERENCE_GPU_ROWS if r.source.startswith("trtllm_")]
    assert {r.source for r in rows} == {"trtllm_overview", "trtllm_l40s", "trtllm_rtxpro"}
    for row in rows:
        assert row_role(row).engine.engine.kv_free_fraction == 0.95, row.id
    row = next(r for r in rows if r.id == "trtllm_overview/llama-3.1-70b/H100/2048-2048")
    args = (load_model(row.model), get_gpu(row.gpu), row.tp, row.pp, "fp8", "fp8", 2048, 2048)
    at_095 = row_bench_settings(row)
    assert at_095.kv_requests == pytest.approx(bench_settings(*args, kv_fraction=0.95).kv_requests)
    assert at_095.kv_requests > bench_settings(*args).kv_requests  # the flow's default, 0.90
