"""Memory model: Korthikanti activation formulas, ZeRO, in-flight microbatches, KV cache."""

from __future__ import annotations

import pytest

from planner.perfmodel.memory import (
    in_flight_microbatches,
    kv_cache_bytes_per_token,
    layer_activation_bytes,
    model_state_bytes,
    weight_bytes_per_gpu,
)
from planner.perfmodel.readers import load_model


@pytest.mark.parametrize("name", ["gpt-22b", "gpt-175b", "gpt-1t"])
@pytest.mark.parametrize("b", [1, 4])
def test_korthikanti_formulas(name, b):
    m = load_model(name)
    s, h, a, t = 2048, m.hidden, m.heads, 8
    sbh = s * b * h
    cases = {
        (1, False, "none"): sbh * (34 + 5 * a * s / h),
        (t, False, "none"): sbh * (10 + 24 / t + 5 * a * s / (h * t)),
        (t, True, "none"): sbh / t * (34 + 5 * a * s / h),
        (t, True, "selective"): 34 * sbh / t,
        (t, False, "full"): 2 * sbh,
        (t, True, "full"): 2 * sbh / t,
    }
    for (tp, sp, rc), ref in cases.items():
        got = layer_activation_bytes(m, micro_batch=b, seq=s, tp=tp, sp=sp, recompute=rc)
        assert got == pytest.approx(ref)


def test_zero_stages():
    p, d = 1e9, 8
    assert model_state_bytes(p, zero=0, shards=d) == (2e9, 4e9, 12e9)
    assert model_state_bytes(p, zero=1, shards=d) == (2e9, 4e9, 1.5e9)
    assert model_state_bytes(p, zero=2, shards=d) == (2e9, 0.5e9, 1.5e9)
    assert model_state_bytes(p, zero=3, shards=d) == (0.25e9, 0.5e9, 1.5e9)


def test_in_flight():
    assert in_flight_microbatches(0, 8, 64) == 8
    assert in_flight_microbatches(7, 8, 64) == 1
    assert in_flight_microbatches(0, 8, 3) == 3
    # interleaved first stage: L (1 + (p - 1)/(p v)) layers' worth = p + (p - 1)/v stages' worth
    assert in_flight_microbatches(0, 8, 64, 2) == pytest.approx(8 + 7 / 2)


def test_kv_cache_sharding():
    m = load_model("llama-3.1-70b")
    full = kv_cache_bytes_per_token(m)
    assert kv_cache_bytes_per_token(m, tp=8) == full / 8
    assert kv_cache_bytes_per_token(m, tp=16) == full / 8  # a KV head is replicated beyond 8
    assert kv_cache_bytes_per_token(m, tp=4, pp=2) == full / 8
    ds = load_model("deepseek-v3")
    assert kv_cache_bytes_per_token(ds, tp=8) == kv_cache_bytes_per_token(
        ds
    )  # MLA latent replicated


def test_weight_bytes():
    m = load_model("llama-3.1-70b")
    one = weight_bytes_per_gpu(m)
    assert one == pytest.approx(2 * m.params_total)
    assert weight_bytes_per_gpu(m, tp=8, weight_bytes=1.0) < one / 15
