"""Presets of public models (gpt-oss, Kimi-K2, Nemotron-4 340B) and the alternating window."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.errors import InputError
from planner.core.io import read_json
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import catalog_dir, from_hf_config, load_model


def _config(name: str) -> dict:
    return read_json(catalog_dir() / f"{name}.json")


@pytest.mark.parametrize(
    ("name", "total", "active"),
    # OpenAI, gpt-oss model card (arXiv 2508.10925), Table 1: total and active parameters;
    # the card's active count leaves the input embedding out (the LM head is in it)
    [("gpt-oss-120b", 116.83, 5.13), ("gpt-oss-20b", 20.91, 3.61)],
)
def test_gpt_oss_parameter_counts(name, total, active):
    m = load_model(name)
    assert m.params_total / 1e9 == pytest.approx(total, rel=0.01)
    assert (m.params_active - m.vocab * m.hidden) / 1e9 == pytest.approx(active, rel=0.01)


@pytest.mark.parametrize(
    ("name", "layers", "experts"), [("gpt-oss-120b", 36, 128), ("gpt-oss-20b", 24, 32)]
)
def test_gpt_oss_shape(name, layers, experts):
    m = load_model(name)
    assert (m.layers, m.num_experts, m.experts_per_token, m.moe_layers) == (
        layers,
        experts,
        4,
        layers,
    )
    assert (m.hidden, m.heads, m.kv_heads, m.head_dim, m.moe_ffn) == (2880, 64, 8, 64, 2880)
    assert m.linear_bias and not m.tied_embeddings and m.vocab == 201088
    # layer_types: sliding / full alternating, a 128-token window
    assert (m.sliding_window, m.full_attention_layers) == (128, layers // 2)


def _per_layer_span(config: dict, context: float) -> float:
    """Mean keys attended, layer by layer from the config's own ``layer_types`` (written
    without ModelSpec)."""
    window = config["sliding_window"]
    spans = [
        min(context, window) if kind == "sliding_attention" else context
        for kind in config["layer_types"]
    ]
    return sum(spans) / len(spans)


@pytest.mark.parametrize("context", [1, 64, 128, 129, 4096, 131072])
def test_attention_span_is_the_layers_mean(context):
    config = _config("gpt-oss-120b")
    m = load_model("gpt-oss-120b")
    assert m.attention_span(context) == pytest.approx(_per_layer_span(config, context))
    # the forward FLOPs sum the layers' own attention: 2 a span (d_qk + d_v) each
    attn = sum(
        2.0
        * m.heads
        * m.head_dim
        * 2
        * (min(context, 128) if kind == "sliding_attention" else context)
        for kind in config["layer_types"]
    )
    assert m.forward_flops_per_token(context) == pytest.approx(
        2.0 * m.linear_params_active() + attn
    )


def test_window_layers_sit_between_all_windowed_and_all_full():
    m = load_model("gpt-oss-120b")
    windowed = replace(m, full_attention_layers=0)
    full = replace(m, sliding_window=0, full_attention_layers=0)
    s = 4096
    assert windowed.attention_span(s) == 128 and full.attention_span(s) == s
    assert m.attention_span(s) == pytest.approx((128 + s) / 2)


def test_layer_types_errors_name_the_field():
    config = _config("gpt-oss-20b")
    with pytest.raises(InputError, match=r"layer_types.*chunked_attention.*gpt-oss config"):
        from_hf_config({**config, "layer_types": ["chunked_attention"] * 24}, name="x", source="x")
    with pytest.raises(InputError, match=r"layer_types.*24 layers"):
        from_hf_config({**config, "layer_types": ["full_attention"]}, name="x")
    # every layer full: no window
    full = from_hf_config({**config, "layer_types": ["full_attention"] * 24}, name="x")
    assert (full.sliding_window, full.full_attention_layers) == (0, 0)
    # transformers' GptOssConfig default without layer_types: even layers windowed
    bare = from_hf_config({k: v for k, v in config.items() if k != "layer_types"}, name="x")
    assert (bare.sliding_window, bare.full_attention_layers) == (128, 12)


def test_llama_family_reads_layer_types():
    # a Mistral-style config with a window on half its layers
    config = {
        "model_type": "mistral",
        "hidden_size": 512,
        "num_hidden_layers": 4,
        "num_attention_heads": 8,
        "intermediate_size": 1024,
        "vocab_size": 1000,
        "max_position_embeddings": 8192,
        "sliding_window": 256,
        "layer_types": ["sliding_attention", "full_attention"] * 2,
    }
    m = from_hf_config(config, name="m")
    assert (m.sliding_window, m.full_attention_layers) == (256, 2)
    assert m.attention_span(1024) == pytest.approx((256 + 1024) / 2)


def test_full_attention_layers_need_a_window():
    m = load_model("gpt-oss-20b")
    with pytest.raises(InputError, match="full_attention_layers"):
        ModelSpec(**{**m.to_dict(), "sliding_window": 0})
    with pytest.raises(InputError, match="full_attention_layers"):
        ModelSpec(**{**m.to_dict(), "full_attention_layers": 25})


def test_kimi_k2_is_deepseek_v3_shaped():
    m = load_model("kimi-k2")
    assert m.is_mla and (m.num_experts, m.experts_per_token, m.shared_experts) == (384, 8, 1)
    assert (m.layers, m.dense_layers, m.moe_layers, m.heads, m.mtp_layers) == (61, 1, 60, 64, 0)
    assert (m.hidden, m.moe_ffn, m.ffn, m.vocab) == (7168, 2048, 18432, 163840)


def test_kimi_k2_parameter_counts():
    m = load_model("kimi-k2")
    # the model card (moonshotai/Kimi-K2-Instruct): 1T total, 32B activated (rounded); the
    # config's own count is 1.026T and 32.9B (31.7B without the input embedding)
    assert m.params_total / 1e12 == pytest.approx(1.0, rel=0.03)
    assert m.params_active / 1e9 == pytest.approx(32.0, rel=0.03)
    # the K2 report's 1.04T is the count with all 61 layers MoE (the dense first layer counted
    # as an MoE one): 1.043T. The config's 1.026T is 1.3 % below it: not within 1 %.
    all_moe = from_hf_config({**_config("kimi-k2"), "first_k_dense_replace": 0}, name="x")
    assert all_moe.params_total / 1e12 == pytest.approx(1.04, rel=0.005)
    assert m.params_total / 1e12 == pytest.approx(1.04, rel=0.015)


def test_nemotron_4_340b_parameter_counts():
    m = load_model("nemotron-4-340b")
    # Nemotron-4 340B Technical Report: 9.4B embedding + 331.6B non-embedding parameters
    embedding = m.embedding_params() + m.vocab * m.hidden  # input embedding + LM head
    assert embedding / 1e9 == pytest.approx(9.4, rel=0.01)
    assert (m.params_total - embedding) / 1e9 == pytest.approx(331.6, rel=0.01)
    assert not m.gated_mlp and m.layernorm and (m.kv_heads, m.head_dim) == (8, 192)


def test_nemotron_reader_rejects_other_activations():
    with pytest.raises(InputError, match=r"hidden_act.*Nemotron config"):
        from_hf_config({**_config("nemotron-4-340b"), "hidden_act": "silu"}, name="x")


def test_llama4_layers_and_counts():
    scout, maverick = load_model("llama-4-scout"), load_model("llama-4-maverick")
    # Scout: every layer MoE (16 experts + a shared one); Maverick: MoE on the odd layers
    assert (scout.moe_layers, scout.num_experts, scout.shared_ffn) == (48, 16, 8192)
    assert maverick.moe_layers == 24 and not maverick.is_moe_layer(0) and maverick.is_moe_layer(47)
    assert maverick.ffn == 16384 and maverick.num_experts == 128
    # chunked attention on 3 of 4 layers: a window of the chunk, the NoPE layers full
    for m in (scout, maverick):
        assert (m.sliding_window, m.full_attention_layers) == (8192, 12)
        assert m.attention_span(8192) == 8192
        assert m.attention_span(32768) == pytest.approx((36 * 8192 + 12 * 32768) / 48)
    # Meta's model card: 400B total / 17B active (Maverick), 109B / 17B (Scout, whose 109B
    # includes the vision encoder the text preset leaves out: 107.8B, 1.1 % below)
    assert maverick.params_total / 1e9 == pytest.approx(400, rel=0.01)
    assert scout.params_total / 1e9 == pytest.approx(109, rel=0.015)
    for m in (scout, maverick):
        assert m.params_active / 1e9 == pytest.approx(17, rel=0.015)


def test_llama4_moe_layers_must_follow_the_step():
    config = _config("llama-4-scout")
    text = {**config["text_config"], "moe_layers": [0, 2, 4]}
    with pytest.raises(InputError, match=r"moe_layers.*Llama 4 config"):
        from_hf_config({**config, "text_config": text}, name="x")


@pytest.mark.parametrize(
    ("name", "field", "value", "words"),
    [
        # unhashable entries were a TypeError (rc 1), not a message naming the field
        ("gpt-oss-20b", "layer_types", [["x"]] * 24, r"layer_types' entry \['x'\]"),
        ("gpt-oss-20b", "layer_types", [{"a": 1}] * 24, "layer_types' entry"),
        ("llama-4-scout", "no_rope_layers", 5, "no_rope_layers' must hold 0 or 1"),
        ("llama-4-scout", "moe_layers", 5, "moe_layers' = 5 is not modelled"),
        # with no no_rope_layers list, an interval of 0 was a ZeroDivisionError
        ("llama-4-scout", "no_rope_layer_interval", 0, "no_rope_layer_interval' must be >= 1"),
    ],
)
def test_malformed_config_fields_are_named(name, field, value, words):
    config = _config(name)
    text = config.get("text_config", config)
    text = {
        k: v for k, v in text.items() if field != "no_rope_layer_interval" or k != "no_rope_layers"
    }
    text[field] = value
    data = {**config, "text_config": text} if "text_config" in config else text
    with pytest.raises(InputError, match=words):
        from_hf_config(data, name="x")


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(1, 300), st.integers(0, 6))
def test_causal_window_share_counts_the_band(seq, window, full):
    """Keys per query under the causal mask, counted query by query (query i sees min(i, w)
    keys), against the model's continuous count: within one key per query."""
    base = load_model("gpt-oss-20b")
    m = replace(base, sliding_window=window, full_attention_layers=min(full, base.layers))
    counted = []
    for w in [min(window, seq)] * (m.layers - m.full_attention_layers) + [
        seq
    ] * m.full_attention_layers:
        counted.append(sum(min(i, w) for i in range(1, seq + 1)) / seq)
    mean = sum(counted) / len(counted)
    assert abs(m.causal_window_share(seq) * seq / 2 - mean) <= 1.0
    # gpt-oss at 4,096: the windowed half attends ~126 keys, not the 64 half the mean span gave
    oss = load_model("gpt-oss-120b")
    assert oss.causal_window_share(4096) * 2048 == pytest.approx((126 + 2048) / 2, abs=0.5)
