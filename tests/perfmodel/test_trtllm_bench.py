"""trtllm-bench's batch settings (planner.perfmodel.trtllm_bench) against values computed by
hand from ``tensorrt_llm/bench/build/tuning.py`` and its callers."""

import pytest

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.trtllm_bench import (
    EARLY_ENGINE_UNIT,
    bench_settings,
    checkpoint_elements,
    finetune,
)

GIB = 1024**3


@pytest.mark.parametrize(
    ("requests", "isl", "osl", "pp", "expected"),
    [
        # raw_bs 2000 -> 256 * ceil(7.81) = 2048; raw_tok 4000 -> 256 * ceil(15.6) = 4096
        (2000.0, 1000, 1000, 1, (2048, 4096)),
        # 4096 cap over two stages: 2048; raw_tok 4096 is not < 4096 -> 512 * 8
        (5000.0, 128, 128, 2, (2048, 4096)),
        # floors: at least 64 requests and 2048 tokens
        (10.0, 20000, 2000, 1, (64, 2048)),
        # token cap 32768 -> 1024 * 32
        (100000.0, 5000, 500, 1, (4096, 32768)),
        # 300 requests: 128 * ceil(2.34) = 384; 300 * 1.5 = 450 -> 2048
        (300.0, 500, 1000, 1, (384, 2048)),
    ],
)
def test_finetune_rounds_up_as_tuning_py(requests, isl, osl, pp, expected):
    assert finetune(requests, isl, osl, pp) == expected


def test_h100_llama8b_fp8_pytorch_flow():
    # engine 8,030,261,248 B / 2^30 = 7.4788 GiB of NVML's 79.6475; KV 2*32*8*128 B per token
    settings = bench_settings(
        load_model("llama-3.1-8b"), get_gpu("H100"), 1, 1, "fp8", "", 128, 4096
    )
    available = 79.6474609375 - 8030261248 / GIB
    requests = available * 0.90 / (2 * 32 * 8 * 128 / GIB * 4224)
    assert settings.kv_requests == pytest.approx(requests, rel=1e-9)
    assert requests == pytest.approx(251.93, abs=0.01)
    # 251.9 -> 32 * ceil(7.87) = 256; 259.8 tokens -> 2048; max(2048, 128 + 256) = 2048
    assert (settings.max_batch_size, settings.max_num_tokens) == (256, 2048)


def test_pytorch_flow_fits_a_whole_prompt_beside_the_batch():
    # 20000-token prompts: finetune gives 2048 tokens, the PyTorch path raises it to ISL + bs
    s = bench_settings(load_model("llama-3.1-8b"), get_gpu("H100"), 1, 1, "fp8", "", 20000, 2000)
    assert s.max_num_tokens == 20000 + s.max_batch_size
    b = bench_settings(
        load_model("llama-3.1-8b"), get_gpu("H100"), 1, 1, "fp8", "", 20000, 2000, flow="build"
    )
    assert b.max_num_tokens == 2048


def test_l40s_build_flow_uses_the_095_default():
    # trtllm-bench build (0.17) calls the heuristic without a KV fraction: 0.95
    s = bench_settings(
        load_model("llama-3.1-8b"), get_gpu("L40S"), 1, 1, "fp8", "", 2048, 128, flow="build"
    )
    # NVML's total on an L40S: 46068 MiB
    requests = (46068 / 1024 - 8030261248 / GIB) * 0.95 / (2 * 32 * 8 * 128 / GIB * 2176)
    assert s.kv_requests == pytest.approx(requests, rel=1e-9)
    # 268.3 -> 128 * ceil(2.10) = 384; 268.3 * 17 = 4561 -> 512 * ceil(8.91) = 4608
    assert (s.max_batch_size, s.max_num_tokens) == (384, 4608)


def test_nvfp4_checkpoint_counts_packed_elements():
    m = load_model("llama-3.1-70b")
    # 80 layers x (8192 x 10240 + 8192^2 + 3 x 8192 x 28672) projection weights
    linear = 80 * (8192 * 10240 + 8192 * 8192 + 3 * 8192 * 28672)
    assert checkpoint_elements(m, "fp8") == m.params_total
    assert checkpoint_elements(m, "fp4") == pytest.approx(
        m.params_total - linear + linear * (0.5 + 1 / 16)
    )
    s = bench_settings(m, get_gpu("RTX-PRO-6000"), 1, 1, "fp4", "fp8", 128, 4096)
    engine = (70553706496 - linear * (1 - 0.5625)) * 0.5 / GIB
    requests = (97887 / 1024 - engine) * 0.90 / (2 * 80 * 8 * 128 / GIB * 4224)  # NVML total
    assert s.kv_requests == pytest.approx(requests, rel=1e-9)
    assert (s.max_batch_size, s.max_num_tokens) == (128, 2048)


def test_pipeline_stages_divide_the_batch_and_early_unit_is_smaller_engine():
    m, gpu = load_model("llama-3.1-70b"), get_gpu("RTX-PRO-6000")
    one = bench_settings(m, gpu, 1, 8, "fp4", "fp8", 128, 2048)
    assert one.max_batch_size == 256  # 1887 requests / 8 stages = 236 -> 256
    early = bench_settings(m, gpu, 1, 8, "fp4", "fp8", 128, 2048, engine_unit=EARLY_ENGINE_UNIT)
    assert early.kv_requests < one.kv_requests  # 1000^3 < 2^30: a larger engine in GiB


def test_bad_flow_and_oversized_model_raise():
    m = load_model("llama-3.1-405b")
    with pytest.raises(ValueError, match="flow"):
        bench_settings(m, get_gpu("H100"), 8, 1, "fp8", "", 128, 128, flow="cpp")
    with pytest.raises(ValueError, match="does not fit"):
        bench_settings(m, get_gpu("L40S"), 1, 1, "bf16", "", 128, 128)
