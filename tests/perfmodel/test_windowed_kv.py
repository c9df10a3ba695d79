"""Sliding-window layers in serving: the KV a sequence holds and the keys its queries attend."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel.engines import frees_windowed_kv, parse_engine, version_tuple
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.model_spec import window_sums
from planner.perfmodel.readers import from_hf_config, load_model
from planner.perfmodel.serving_features import prefix_cached_work
from planner.perfmodel.stage import EngineModel, ReplicaConfig

from .models import layer_windows

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "hf_configs"
OSS = load_model("gpt-oss-20b")  # 24 layers alternating a 128-token window and full attention


def engine(model, name="vllm:0.10.1", gpu="H100", tp=1, precision="bf16"):
    return EngineModel(model, ReplicaConfig(get_gpu(gpu), tp), precision, engine=parse_engine(name))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 600), st.integers(0, 600), st.integers(1, 300))
def test_window_sums_match_a_loop(start, length, window):
    end = start + length
    m = [min(c, window) for c in range(start + 1, end + 1)]
    c = list(range(start + 1, end + 1))
    got = window_sums(start, end, window)
    assert float(got[0]) == pytest.approx(sum(m))
    assert float(got[1]) == pytest.approx(sum(a * b for a, b in zip(c, m, strict=True)))
    assert float(got[2]) == pytest.approx(sum(x * x for x in m))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2000), st.integers(0, 2000))
def test_causal_keys_are_the_layers_mean_of_a_loop(start, length):
    """Prefill attention of positions start+1 .. end: each windowed layer's query attends at
    most the window (was p (p + 1) / 2 on every layer)."""
    end = start + length
    windows = layer_windows(OSS)
    keys = [sum(c if w is None else min(c, w) for c in range(start + 1, end + 1)) for w in windows]
    assert float(OSS.causal_attention_keys(start, end)) == pytest.approx(np.mean(keys))
    # a whole prompt of `end` tokens with half of it in the prefix cache
    cached = end // 2
    _, work = prefix_cached_work(np.array([float(end)]), 0.5, OSS)
    whole = [
        sum(c if w is None else min(c, w) for c in range(cached + 1, end + 1)) for w in windows
    ]
    assert float(work[0]) == pytest.approx(np.mean(whole))


def test_kv_per_request_at_64k_is_smaller_by_the_exact_fraction():
    """gpt-oss-20b at 64K: half the layers hold 128 tokens, so the request holds
    (12 x 65536 + 12 x 128) / (24 x 65536) of a full-attention footprint, in the engines
    that free out-of-window KV (vLLM's hybrid manager, TensorRT-LLM with the export's
    max_attention_window); vLLM 0.8.5 turns the windowed layers into full ones."""
    context = 65536
    fraction = (12 * context + 12 * 128) / (24 * context)
    for name in ("vllm:0.10.1", "vllm", "trtllm"):
        e = engine(OSS, name)
        assert e.frees_windowed_kv
        assert float(e.kv_held(context)) == pytest.approx(fraction * context)
    old = engine(OSS, "vllm:0.8.5")
    assert not old.frees_windowed_kv and float(old.kv_held(context)) == context
    assert not engine(OSS, "sglang").frees_windowed_kv
    # the bytes: one request at 64K on one H100
    full = old.kv_bytes_per_token * float(old.kv_held(context))
    windowed = engine(OSS).kv_bytes_per_token * float(engine(OSS).kv_held(context))
    assert windowed / full == pytest.approx(fraction)
    # the P/D transfer ships what the prefill engine holds
    t_full = float(old.kv_transfer_time(context)) - float(old.kv_transfer_time(0))
    t_win = float(engine(OSS).kv_transfer_time(context)) - float(engine(OSS).kv_transfer_time(0))
    assert t_win / t_full == pytest.approx(fraction)


VLLM_RELEASES = ("0.8.5", "0.9.2", "0.10.0", "0.10.1", "0.13.0", "0.14.0", "0.23.0")


def test_a_kv_connector_turns_vllms_hybrid_manager_off():
    """vLLM 0.9.2 - 0.22.0 switch the hybrid KV manager off whenever --kv-transfer-config is
    set, so a P/D server keeps every layer's context on gpt-oss (windowed and full layers);
    from 0.23.0 it stays on for a connector that supports it (NixlConnector). A model whose
    layers are all windowed keeps its single SlidingWindowManager either way."""
    mistral = from_hf_config(
        json.loads((CONFIGS / "mistral-7b-instruct-v0.1.json").read_text()), name="mistral"
    )
    scout = load_model("llama-4-scout")
    for v in VLLM_RELEASES:
        e = parse_engine(f"vllm:{v}")
        for role in ("prefill", "decode"):
            pd = e.for_role(role)
            assert pd.kv_transfer and pd.label() == e.label()
            connected = (0, 9, 2) <= version_tuple(v) < (0, 23, 0)
            assert frees_windowed_kv(pd, OSS) == (frees_windowed_kv(e, OSS) and not connected)
            assert frees_windowed_kv(pd, mistral)
            assert frees_windowed_kv(pd, scout) == (frees_windowed_kv(e, scout) and not connected)
        assert e.for_role("both") is e
    assert not frees_windowed_kv(parse_engine("vllm:0.10.1").for_role("decode"), OSS)
    assert frees_windowed_kv(parse_engine("vllm").for_role("decode"), OSS)
    # other engines: the role changes nothing
    assert frees_windowed_kv(parse_engine("trtllm").for_role("prefill"), OSS)
    # the P/D hand-off ships what the prefill server holds: the whole context under 0.10.1
    pre = engine(OSS, "vllm:0.10.1")
    pre_pd = EngineModel(
        OSS,
        ReplicaConfig(get_gpu("H100"), 1),
        "bf16",
        engine=parse_engine("vllm:0.10.1").for_role("prefill"),
    )
    assert float(pre_pd.kv_held(65536)) == 65536 > float(pre.kv_held(65536))


def test_which_engines_free_windowed_kv():
    mistral = from_hf_config(
        json.loads((CONFIGS / "mistral-7b-instruct-v0.1.json").read_text()), name="mistral"
    )
    assert mistral.sliding_window == 4096 and mistral.full_attention_layers == 0
    v085 = parse_engine("vllm:0.8.5")
    # every layer windowed: V1's SlidingWindowManager frees them already in 0.8.5
    assert frees_windowed_kv(v085, mistral)
    # mixed: unify_hybrid_kv_cache_specs makes every layer full before 0.9.2
    assert not frees_windowed_kv(v085, OSS)
    assert frees_windowed_kv(parse_engine("vllm:0.9.2"), OSS)
    # Llama 4's chunked attention: vLLM's ChunkedLocalAttentionManager frees the earlier
    # chunks where the hybrid manager runs for it by default (0.10.0, 0.14.0 on), no other
    # engine does
    scout = load_model("llama-4-scout")
    assert scout.attention_chunked and scout.sliding_window == 8192
    freed = {v: frees_windowed_kv(parse_engine(f"vllm:{v}"), scout) for v in VLLM_RELEASES}
    assert freed == {
        "0.8.5": False,
        "0.9.2": False,
        "0.10.0": True,
        "0.10.1": False,
        "0.13.0": False,
        "0.14.0": True,
        "0.23.0": True,
    }
    assert frees_windowed_kv(parse_engine("vllm"), scout)
    assert not any(frees_windowed_kv(parse_engine(n), scout) for n in ("trtllm", "sglang"))
    # no window: nothing to free
    assert not frees_windowed_kv(parse_engine("vllm"), load_model("llama-3.1-8b"))
    assert not frees_windowed_kv(
        parse_engine("vllm"), replace(OSS, sliding_window=0, full_attention_layers=0)
    )


def test_decode_attention_reads_only_the_window():
    """The decode step's KV read at 64K is the layers' mean span (already in the step model):
    the windowed model's step is shorter than the same shapes with full attention."""
    full = replace(OSS, sliding_window=0, full_attention_layers=0)
    b, ctx = 64.0, 65536.0
    t_win = float(engine(OSS).base_time(np.array([b]), b, ctx)[0])
    t_full = float(engine(full).base_time(np.array([b]), b, ctx)[0])
    assert t_win < t_full
