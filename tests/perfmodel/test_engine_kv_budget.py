"""What each serving engine leaves for its KV cache: SGLang's default ``mem_fraction_static`` by
release, and the 16-bit embedding and LM head of quantized checkpoints."""

from __future__ import annotations

import pytest

from planner.perfmodel.engine_memory import sglang_mem_fraction_static
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import GIB, end_weight_bytes, weight_bytes_per_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

H100_MIB = 81559.0  # nvidia-smi memory.total of an H100 SXM 80GB
H200_MIB = 143771.0


@pytest.mark.parametrize(
    "engine, tp, mib, expected",
    [
        ("sglang:0.3.0", 1, H100_MIB, 0.88),
        ("sglang:0.3.0", 4, H100_MIB, 0.85),
        ("sglang:0.3.0", 8, H100_MIB, 0.83),
        ("sglang:0.3.6", 8, H100_MIB, 0.82),
        ("sglang:0.4.1", 8, H100_MIB, 0.81),
        ("sglang:0.4.3", 8, H200_MIB, 0.81),  # no GPU-size rule before 0.4.6
        ("sglang:0.4.3", 2, H100_MIB, 0.87),
        ("sglang:0.4.3", 3, H100_MIB, 0.87),
        ("sglang:0.4.5", 16, H100_MIB, 0.79),
        ("sglang:0.4.6", 8, H100_MIB, 0.81),  # 81,559 MiB is under 81,920: the table
        ("sglang:0.4.6", 8, H200_MIB, (H200_MIB - 13312) / H200_MIB),
        ("sglang:0.4.6", 1, H200_MIB, (H200_MIB - 13312) / H200_MIB),
    ],
)
def test_sglang_default_fraction_by_release(engine, tp, mib, expected):
    assert sglang_mem_fraction_static(parse_engine(engine), tp, mib) == pytest.approx(expected)


@pytest.mark.parametrize("engine", ["sglang", "sglang:0.2.15", "sglang:0.4.7", "vllm", "trtllm"])
def test_no_sglang_fraction_outside_the_read_releases(engine):
    # the current release, releases not read and other engines keep the model's reserve
    assert sglang_mem_fraction_static(parse_engine(engine), 8, H200_MIB) is None
    assert sglang_mem_fraction_static(parse_engine(engine), 8, H100_MIB) is None


def _em(model, gpu, tp, precision, engine, ep=1):
    return EngineModel(
        load_model(model),
        ReplicaConfig(get_gpu(gpu), tp, 1, ep),
        precision,
        precision,
        engine=parse_engine(engine),
    )


def test_sglang_kv_pool_is_the_static_share_less_the_weights():
    # 0.4.6 at tp8 on H100: 0.81 of the runtime's memory holds weights and KV, nothing else
    em = _em("llama-3.1-70b", "H100", 8, "bf16", "sglang:0.4.6")
    runtime = em.config.gpu.runtime_bytes
    assert em.free_bytes == pytest.approx(0.81 * runtime - em.weight_bytes)
    # 15 GiB of the 79.2 are left for activations, graphs and the runtime: more than the
    # 4 GiB + workspace the current release's rule keeps
    current = _em("llama-3.1-70b", "H100", 8, "bf16", "sglang")
    assert (current.free_bytes - em.free_bytes) / GIB == pytest.approx(10.6, abs=0.3)


def test_sglang_dp_attention_server_counts_every_gpu():
    # --tp 8 --enable-dp-attention (tp 1 x ep 8): the server's tp_size is 8, so 0.81 in 0.4.3
    em = _em("deepseek-v3", "H200", 1, "fp8", "sglang:0.4.3", ep=8)
    assert em.free_bytes == pytest.approx(0.81 * em.config.gpu.runtime_bytes - em.weight_bytes)


def test_end_weight_bytes_are_sixteen_bit():
    assert end_weight_bytes(1.0) == 2.0
    assert end_weight_bytes(0.5) == 2.0
    assert end_weight_bytes(2.0) == 2.0


def test_fp8_checkpoint_weights_against_vllm_log():
    # vLLM PR #12569's log: Llama-3.1-70B W8A8 at tp1 "took 67.72 GiB" of weights; pricing the
    # embedding and LM head at one byte gave 65.71 GiB
    em = _em("llama-3.1-70b", "H100", 1, "fp8", "vllm")
    assert em.weight_bytes / GIB == pytest.approx(67.72, rel=0.005)
    m = em.model
    one_byte = weight_bytes_per_gpu(m, weight_bytes=1.0)
    extra = (m.embedding_params() + m.head_params()) * 1.0
    assert em.weight_bytes == pytest.approx(one_byte + extra)


def test_bf16_weights_unchanged():
    em = _em("llama-3.1-70b", "H100", 8, "bf16", "vllm")
    assert em.weight_bytes == pytest.approx(weight_bytes_per_gpu(em.model, tp=8))
