"""vLLM 0.7's MLA memory and absorbed decode: padded KV entries, materialized decode weights,
replicated down-projections, the fused-MoE profile workspace (engines notes)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import (
    fused_moe_workspace_tokens,
    kv_entry_elements,
    mla_absorbed_weights,
    parse_engine,
)
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import mla_absorbed_weight_bytes, weight_bytes_per_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

H200 = get_gpu("H200")
DSV3 = load_model("deepseek-v3")


def _engine(engine: str, precision: str = "fp8", gpu=H200, tp: int = 8) -> EngineModel:
    return EngineModel(DSV3, ReplicaConfig(gpu, tp), precision, "bf16", engine=parse_engine(engine))


@pytest.mark.parametrize(
    "engine, gpu, expected",
    [
        ("vllm:0.7.3", "H200", 640.0),  # 576 bf16 elements padded to 256 bytes (PR #12676)
        ("vllm:0.7.4", "H100", 640.0),
        ("vllm:0.7.1", "H200", 576.0),  # before the padding
        ("vllm:0.8.0", "H200", 576.0),  # PR #14842 removed it
        ("vllm", "H200", 576.0),  # the current release
        ("sglang:0.4.3", "H200", 576.0),
        ("vllm:0.7.3", "MI300X", 576.0),  # CUDA only
    ],
)
def test_kv_entry_padding_window(engine, gpu, expected):
    arch = get_gpu(gpu).architecture
    assert kv_entry_elements(parse_engine(engine), DSV3, arch) == expected
    assert kv_entry_elements(parse_engine(engine), load_model("llama-3.1-70b"), arch) == 0.0


def test_padded_entry_reproduces_vllms_block_sizes():
    # vLLM PR #14842: 4739 blocks padded and 5266 unpadded of 64 tokens from one KV budget
    padded = _engine("vllm:0.7.3").kv_bytes_per_token
    plain = _engine("vllm:0.8.0").kv_bytes_per_token
    assert padded == 61 * 640 * 2 and plain == 61 * 576 * 2
    assert 4739 * 64 * padded == pytest.approx(5266 * 64 * plain, rel=1e-3)


def test_absorbed_weights_of_deepseek_v3_at_tp8():
    # W_Q_UK 1536 x 16 x 512 and W_UV_O 16 x 512 x 7168 in FP8, W_QR 1536 x 16 x 64 and the
    # dequantized kv_b 512 x 16 x 256 in BF16, on each of 61 layers
    per_layer = (1536 * 16 * 512 + 16 * 512 * 7168) + 2 * 1536 * 16 * 64 + 2 * 512 * 16 * 256
    got = mla_absorbed_weight_bytes(DSV3, tp=8, weight_bytes=1.0, act_bytes=2.0)
    assert got == pytest.approx(61 * per_layer)
    # with 16-bit weights the kv_b views share the checkpoint's storage
    bf16 = mla_absorbed_weight_bytes(DSV3, tp=8, weight_bytes=2.0, act_bytes=2.0)
    assert bf16 == pytest.approx(61 * (2 * (1536 * 16 * 512 + 16 * 512 * 7168) + 2 * 1536 * 1024))
    assert mla_absorbed_weight_bytes(load_model("llama-3.1-70b"), tp=8) == 0.0
    v07, v08 = _engine("vllm:0.7.3"), _engine("vllm:0.8.0")
    assert v07.weight_bytes - v08.weight_bytes == pytest.approx(got)
    assert _engine("sglang:0.4.3").weight_bytes == v08.weight_bytes
    assert mla_absorbed_weights(parse_engine("vllm:0.7.1"), DSV3)
    assert not mla_absorbed_weights(parse_engine("vllm:0.7.3"), load_model("llama-3.1-70b"))


def test_mla_down_projections_are_replicated():
    one = weight_bytes_per_gpu(DSV3, tp=1, weight_bytes=1.0)
    eight = weight_bytes_per_gpu(DSV3, tp=8, weight_bytes=1.0)
    down = 61 * 7168 * (1536 + 512 + 64)  # q_a_proj and kv_a_proj_with_mqa on every rank
    assert eight == pytest.approx((one - down) / 8 + down)
    llama = load_model("llama-3.1-70b")
    assert weight_bytes_per_gpu(llama, tp=8) == pytest.approx(weight_bytes_per_gpu(llama) / 8)


def test_vllm07_weights_match_its_logged_load():
    # vLLM 0.7.3 log, DeepSeek-R1 TP8 on 8 x H200: "model weights take 83.88GiB" (the BF16
    # embeddings and router, about 0.4 GiB, are not modelled)
    gib = _engine("vllm:0.7.3,tokens=32000").weight_bytes / 2**30
    assert gib == pytest.approx(83.88, abs=0.7)


def test_fused_moe_workspace_of_the_profile_run():
    v07 = _engine("vllm:0.7.4,tokens=163840")
    v08 = _engine("vllm:0.8.0,tokens=163840")
    chunk = 32768  # VLLM_FUSED_MOE_CHUNK_SIZE
    # caches M x 8 x 512, 8M x 256 and M x 8 x 7168 in BF16
    assert v07.workspace_bytes - v08.workspace_bytes == pytest.approx(
        chunk * 8 * (512 + 256 + 7168) * 2
    )
    assert fused_moe_workspace_tokens(parse_engine("vllm:0.7.3"), 4096) == 4096
    assert fused_moe_workspace_tokens(parse_engine("sglang:0.4.3"), 163840) == 0
    dense = load_model("llama-3.1-70b")
    cfg = ReplicaConfig(H200, 8)
    a = EngineModel(dense, cfg, "fp8", engine=parse_engine("vllm:0.7.4,tokens=163840"))
    b = EngineModel(dense, cfg, "fp8", engine=parse_engine("vllm:0.8.0,tokens=163840"))
    assert a.workspace_bytes == b.workspace_bytes


def test_vllm07_kv_capacity_falls_below_the_dstack_clients():
    # DeepSeek-R1 at TP8 on 8 x H200 with vLLM 0.7.4 (0.9, 163840 tokens per iteration): the
    # padded entries, the decode copies and the MoE workspace take 8.3 GiB of KV cache and
    # the rest holds fewer tokens than 128 requests of 3200 + 800 tokens
    new = _engine("vllm:0.7.4,tokens=163840")
    old = _engine("vllm:0.6.3,tokens=163840")
    assert old.kv_tokens > 128 * 4000 > new.kv_tokens
    assert new.kv_tokens < 0.75 * old.kv_tokens


def test_absorbed_decode_streams_the_absorbed_weights():
    # BF16 weights (no block-FP8 floor): one decode token streams W_Q_UK, W_QR and W_UV_O
    # instead of q_b, kv_b and o on each layer
    new, old = _engine("vllm:0.7.3", "bf16"), _engine("vllm:0.8.0", "bf16")
    n = np.array([1.0])
    extra = float(new.base_time(n, 1.0, 3600.0)[0] - old.base_time(n, 1.0, 3600.0)[0])
    absorbed = 1536 * 8192 + 1536 * 1024 + 8192 * 7168
    plain = 1536 * 3072 + 512 * 4096 + 2048 * 7168
    expected = 61 * 2 * (absorbed - plain) / new.stream_bw
    assert extra == pytest.approx(expected, rel=0.05)
    # a prefill iteration (no decode sequence) keeps the checkpoint's projections
    p = np.array([3200.0])
    assert new.base_time(p, 0.0, 0.0)[0] == old.base_time(p, 0.0, 0.0)[0]
