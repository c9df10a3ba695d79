"""Roofline iteration times and memory of a replica."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.constants import FITTED
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import kv_cache_bytes_per_token
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

H100, A100, B200 = get_gpu("H100"), get_gpu("A100"), get_gpu("B200")


def engine(model="llama-3.1-8b", gpu=H100, tp=1, pp=1, ep=1, precision="bf16", kv=None):
    return EngineModel(load_model(model), ReplicaConfig(gpu, tp, pp, ep), precision, kv)


def test_decode_step_is_at_least_the_weight_stream():
    e = engine("llama-3.1-70b", tp=4)
    floor = e.weight_bytes / (H100.hbm_bw * FITTED["weight_stream_efficiency"])
    t = float(e.base_time(1.0, 1.0, 512.0))
    assert floor * 0.95 < t < floor * 1.6


def test_step_time_grows_with_batch_and_context():
    e = engine()
    bs = np.array([1.0, 8, 64, 256, 1024])
    t = e.base_time(bs, 0.0, 0.0)
    assert np.all(np.diff(t) >= 0)
    assert float(e.base_time(64, 64, 4096)) > float(e.base_time(64, 64, 128))


def test_prefill_becomes_compute_bound():
    e = engine()
    t_long = float(e.base_time(8192, 0, 0))
    flops = 2 * e.model.linear_params_active() * 8192
    assert t_long > flops / H100.peak_flops("bf16")  # never faster than peak
    assert t_long < 2.5 * flops / H100.peak_flops("bf16")


def test_tensor_parallel_speeds_up_decode():
    t1 = float(engine("llama-3.1-70b", tp=4).base_time(16, 16, 1024))
    t2 = float(engine("llama-3.1-70b", tp=8).base_time(16, 16, 1024))
    assert t2 < t1


def test_pipeline_keeps_latency_and_adds_engines():
    a, b = engine("llama-3.1-70b", tp=4), engine("llama-3.1-70b", tp=4, pp=2)
    assert b.config.engines == 2 and b.config.gpus == 8
    # a pipeline iteration still runs every layer once
    assert float(b.base_time(8, 8, 512)) >= 0.95 * float(a.base_time(8, 8, 512))
    assert b.weight_bytes == pytest.approx(a.weight_bytes / 2, rel=0.05)


def test_fp8_halves_weights_and_kv_and_speeds_decode():
    bf, f8 = engine("llama-3.1-70b", tp=4), engine("llama-3.1-70b", tp=4, precision="fp8")
    # the layers halve; the embedding and LM head stay 16-bit (memory.end_weight_bytes)
    ends = (bf.model.embedding_params() + bf.model.head_params()) / 4
    assert f8.weight_bytes == pytest.approx(bf.weight_bytes / 2 + ends)
    assert f8.kv_bytes_per_token == pytest.approx(bf.kv_bytes_per_token / 2)
    assert float(f8.base_time(32, 32, 1024)) < 0.7 * float(bf.base_time(32, 32, 1024))


def test_kv_precision_override():
    e = engine(precision="fp8", kv="bf16")
    assert e.kv_bytes_per_token == pytest.approx(engine().kv_bytes_per_token)


def test_fp4_on_b200_and_unsupported_precision():
    bf, f4 = engine(gpu=B200), engine(gpu=B200, precision="fp4")
    ends = bf.model.embedding_params() + bf.model.head_params()  # 16-bit in both
    assert f4.weight_bytes - 2 * ends == pytest.approx((bf.weight_bytes - 2 * ends) / 4)
    from planner.core.errors import InputError

    with pytest.raises(InputError, match="fp8"):
        engine(gpu=A100, precision="fp8")


def test_memory_breakdown_and_kv_capacity():
    e = engine("llama-3.1-70b", tp=2)
    mem = e.memory_breakdown()
    assert mem["weights"] + mem["reserved"] + mem["workspace"] + mem["kv_cache"] == pytest.approx(
        80.0
    )
    assert e.kv_tokens == pytest.approx(e.free_bytes / e.kv_bytes_per_token)
    assert engine("llama-3.1-70b", tp=1).free_bytes < 0  # 131 GiB of bf16 weights


def test_moe_touches_only_hit_experts():
    e = engine("mixtral-8x7b", tp=2, precision="fp8")
    one = float(e.base_time(1, 1, 256))
    many = float(e.base_time(64, 64, 256))
    # a single token reads 2 of 8 experts: far less than the full weights
    kernels = one - FITTED["iteration_overhead_s"]
    assert kernels < 0.6 * e.weight_bytes / (H100.hbm_bw * FITTED["weight_stream_efficiency"])
    assert many > one


def test_mla_latent_cache_is_small():
    e = engine("deepseek-v3", gpu=get_gpu("H200"), tp=8, pp=2, precision="fp8")
    per_token_all_layers = kv_cache_bytes_per_token(e.model, kv_bytes=1.0)
    assert per_token_all_layers < 100_000  # ~70 KB (latent 512 + rope 64 per layer)
    assert e.free_bytes > 0


def test_kv_transfer_uses_the_nic():
    e = engine("llama-3.1-70b", tp=8)
    t = float(e.kv_transfer_time(4096))
    assert 1e-3 < t < 0.1
