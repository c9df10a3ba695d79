"""Gemma 3 / Gemma 2 configs (``gemma3`` with a ``text_config``, ``gemma3_text``, ``gemma2``).

The 27B file is google/gemma-3-27b-it's ``config.json`` (huggingface.co/google/gemma-3-27b-it;
its ``text_config`` omits the vocabulary and the local/global pattern, which take
transformers' ``Gemma3TextConfig`` defaults: 262,208 and 6). Published sizes: Gemma 3
technical report (arXiv 2503.19786) Table 1, 27B: 1,416M embedding + 25,600M non-embedding
parameters (vision encoder 417M, not planned); Gemma 2 9B: 9.24B (google/gemma-2-9b model
card: "9.24B params"). Before, both were refused ("unknown model_type 'gemma3_text'")."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.readers import from_hf_config

GEMMA3_27B = {
    "architectures": ["Gemma3ForConditionalGeneration"],
    "boi_token_index": 255999,
    "eoi_token_index": 256000,
    "eos_token_id": [1, 106],
    "image_token_index": 262144,
    "initializer_range": 0.02,
    "mm_tokens_per_image": 256,
    "model_type": "gemma3",
    "text_config": {
        "head_dim": 128,
        "hidden_size": 5376,
        "intermediate_size": 21504,
        "model_type": "gemma3_text",
        "num_attention_heads": 32,
        "num_hidden_layers": 62,
        "num_key_value_heads": 16,
        "query_pre_attn_scalar": 168,
        "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
        "sliding_window": 1024,
    },
    "torch_dtype": "bfloat16",
    "transformers_version": "4.50.0.dev0",
    "vision_config": {
        "hidden_size": 1152,
        "image_size": 896,
        "intermediate_size": 4304,
        "model_type": "siglip_vision_model",
        "num_attention_heads": 16,
        "num_hidden_layers": 27,
        "patch_size": 14,
        "vision_use_head": False,
    },
}

# google/gemma-2-9b config.json (the fields that set the size and the attention pattern)
GEMMA2_9B = {
    "architectures": ["Gemma2ForCausalLM"],
    "attn_logit_softcapping": 50.0,
    "final_logit_softcapping": 30.0,
    "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 3584,
    "intermediate_size": 14336,
    "max_position_embeddings": 8192,
    "model_type": "gemma2",
    "num_attention_heads": 16,
    "num_hidden_layers": 42,
    "num_key_value_heads": 8,
    "query_pre_attn_scalar": 256,
    "sliding_window": 4096,
    "vocab_size": 256000,
}


def test_gemma3_27b_text_model_matches_the_report():
    spec = from_hf_config(GEMMA3_27B, name="gemma-3-27b")
    assert abs(spec.params_total / (1_416e6 + 25_600e6) - 1) < 0.01
    assert spec.vocab == 262208 and spec.tied_embeddings
    assert spec.q_dim == 32 * 128 != spec.hidden  # head_dim apart from hidden / heads
    # five local (1,024-token window) layers to one global: layers 5, 11, ..., 59
    assert (spec.sliding_window, spec.full_attention_layers) == (1024, 10)


def test_gemma3_text_config_without_model_type_and_layer_types():
    inner = {k: v for k, v in GEMMA3_27B["text_config"].items() if k != "model_type"}
    spec = from_hf_config({**GEMMA3_27B, "text_config": inner}, name="g")
    assert spec.full_attention_layers == 10
    kinds = ["full_attention" if i % 2 else "sliding_attention" for i in range(62)]
    spec = from_hf_config(
        {**GEMMA3_27B, "text_config": {**GEMMA3_27B["text_config"], "layer_types": kinds}},
        name="g",
    )
    assert spec.full_attention_layers == 31


def test_gemma2_9b_alternates_and_matches_its_card():
    spec = from_hf_config(GEMMA2_9B, name="gemma-2-9b")
    assert abs(spec.params_total / 9.24e9 - 1) < 0.01
    assert (spec.sliding_window, spec.full_attention_layers) == (4096, 21)


def test_gemma3_pattern_must_be_positive():
    bad = {**GEMMA3_27B, "text_config": {**GEMMA3_27B["text_config"], "sliding_window_pattern": 0}}
    with pytest.raises(InputError, match="sliding_window_pattern"):
        from_hf_config(bad, name="x")


def test_the_gemma2_file_as_published_reads():
    """google/gemma-2-9b's config.json also states ``"sliding_window_size": 4096`` beside
    ``sliding_window``: the file as downloaded was refused ("not understood", s17audit); a
    second window that differs is still refused."""
    full = {
        **GEMMA2_9B,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 2,
        "cache_implementation": "hybrid",
        "eos_token_id": 1,
        "hidden_act": "gelu_pytorch_tanh",
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "rms_norm_eps": 1e-06,
        "rope_theta": 10000.0,
        "sliding_window": 4096,
        "sliding_window_size": 4096,
        "torch_dtype": "float32",
        "transformers_version": "4.42.0.dev0",
        "use_cache": True,
    }
    spec = from_hf_config(full, name="gemma-2-9b")
    assert spec.sliding_window == 4096
    assert abs(spec.params_total / 9.24e9 - 1) < 0.01
    with pytest.raises(InputError, match="sliding_window_size' = 2048 differs"):
        from_hf_config({**full, "sliding_window_size": 2048}, name="g")
