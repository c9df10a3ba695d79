"""Attention spans written once: the causal band of a sliding window and Llama 4's chunked
attention, checked against loops over query positions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.model_spec import window_held, window_sums
from planner.perfmodel.readers import load_model

from .models import layer_windows

OSS = load_model("gpt-oss-120b")  # 36 layers alternating a 128-token window and full attention
SCOUT = load_model("llama-4-scout")  # 48 layers, 8192-token chunks, every 4th layer full (NoPE)


def keys_at(c: int, window: int | None, chunked: bool) -> int:
    """Keys the query at 1-based position c attends, by enumerating them."""
    if window is None:
        return c
    if chunked:  # the keys of its own chunk up to itself
        first = (c - 1) // window * window + 1
        return len(range(first, c + 1))
    return len(range(max(1, c - window + 1), c + 1))


def test_scout_layer_pattern():
    assert SCOUT.attention_chunked and SCOUT.sliding_window == 8192
    assert SCOUT.full_attention_layers == 12 and SCOUT.layers == 48
    assert layer_windows(SCOUT)[:4] == [8192, 8192, 8192, None]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 700), st.integers(0, 700), st.integers(1, 200), st.booleans())
def test_window_sums_match_a_loop_sliding_and_chunked(start, length, window, chunked):
    end = start + length
    c = np.arange(start + 1, end + 1)
    m = [keys_at(int(x), window, chunked) for x in c]
    assert list(window_held(c, window, chunked)) == m
    got = window_sums(start, end, window, chunked)
    assert float(got[0]) == pytest.approx(sum(m))
    assert float(got[1]) == pytest.approx(sum(int(a) * b for a, b in zip(c, m, strict=True)))
    assert float(got[2]) == pytest.approx(sum(x * x for x in m))


@pytest.mark.parametrize("model", [OSS, SCOUT], ids=["gpt-oss-120b", "llama-4-scout"])
@pytest.mark.parametrize("start,end", [(0, 300), (0, 20000), (9000, 17000), (8191, 8194)])
def test_causal_and_decode_keys_match_a_loop(model, start, end):
    """Prefill keys of positions start+1 .. end and one decode query's keys, the layers'
    mean of an enumeration (Llama 4's chunked layers were costed as an 8192-key window)."""
    windows = layer_windows(model)
    chunked = model.attention_chunked
    positions = range(start + 1, end + 1)
    sums = {w: sum(keys_at(c, w, chunked) for c in positions) for w in set(windows)}
    mean = sum(sums[w] for w in windows) / len(windows)
    assert float(model.causal_attention_keys(start, end)) == pytest.approx(mean)
    step = max(1, (end - start) // 50)
    for c in [*positions[::step], end]:  # each decode query of a sample
        want = np.mean([keys_at(c, w, chunked) for w in windows])
        assert float(model.attention_keys(float(c))) == pytest.approx(want)
        assert float(model.attention_keys(np.array([float(c)]))[0]) == pytest.approx(want)


@pytest.mark.parametrize("seq", [4096, 8192, 16384, 32768, 5000])
@pytest.mark.parametrize("model", [OSS, SCOUT], ids=["gpt-oss-120b", "llama-4-scout"])
def test_training_causal_share_is_the_loops_mean(model, seq):
    """The training layer's causal share: a windowed layer's exact mean keys per query over
    ``seq / 2`` (the FlashAttention count of a full causal layer), full layers 1; the same
    band the serving side sums (126.0 keys at window 128 and 4,096 before, against the
    126.016 a loop counts; Llama 4's chunks were costed as a sliding 8192 window)."""
    windows = layer_windows(model)
    if model.sliding_window >= seq:  # one window or chunk holds the sequence
        assert model.causal_window_share(seq) == 1.0
        return
    w = model.sliding_window
    band = sum(keys_at(c, w, model.attention_chunked) for c in range(1, seq + 1)) / seq
    want = np.mean([1.0 if x is None else band / (seq / 2) for x in windows])
    assert model.causal_window_share(seq) == pytest.approx(want, rel=1e-12)
    # the serving side's band: the windowed layers' prefill keys over the whole sequence
    windowed = replace(model, full_attention_layers=0)
    assert float(windowed.causal_attention_keys(0, seq)) / seq == pytest.approx(band, rel=1e-12)


def test_gpt_oss_band_at_4096():
    """Window 128 at 4,096: 128 - 128 x 127 / 8192 = 126.015625 keys per windowed query."""
    share = OSS.causal_window_share(4096)
    band = (share * OSS.layers - OSS.full_attention_layers) / (OSS.layers - 18) * 2048
    assert band == pytest.approx(126.015625, rel=1e-12)


def test_llama4_training_attention_counts_the_chunks():
    """Llama 4 Scout at 32K: a chunked layer's queries attend (8192 + 1) / 2 keys on average,
    not the 8192 - 8192^2 / 65536 = 7168 of a sliding window; the layer's causal attention
    time shrinks accordingly (flash kernel, one GPU)."""
    seq = 32768
    assert SCOUT.causal_window_share(seq) == pytest.approx(
        (36 * 4096.5 / (seq / 2) + 12) / 48, rel=1e-12
    )
    sliding = replace(SCOUT, attention_chunked=False)
    gpu = get_gpu("H100")
    t_chunk = layer_cost(SCOUT, gpu, micro_batch=1, seq=seq, tp=1, flash=True)
    t_slide = layer_cost(sliding, gpu, micro_batch=1, seq=seq, tp=1, flash=True)
    assert t_chunk.fwd < t_slide.fwd
