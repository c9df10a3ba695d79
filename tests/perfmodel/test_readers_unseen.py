"""Configs of architectures and omissions the catalogue does not cover (s24unseen).

The shapes are those of the public config.json files named in each test (the full files, as
a user passes them, are in bench/session_runs/s24unseen/configs/); the published sizes are
the model cards'.
"""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import from_hf_config

# allenai/OLMo-2-1124-7B config.json (post-norm, q/k RMSNorm over the whole widths)
OLMO2_7B = {
    "architectures": ["Olmo2ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "eos_token_id": 100257,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 11008,
    "max_position_embeddings": 4096,
    "model_type": "olmo2",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "pad_token_id": 100277,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 500000,
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
    "use_cache": True,
    "vocab_size": 100352,
}

# allenai/OLMoE-1B-7B-0924 config.json
OLMOE = {
    "architectures": ["OlmoeForCausalLM"],
    "attention_bias": False,
    "clip_qkv": None,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "intermediate_size": 1024,
    "max_position_embeddings": 4096,
    "model_type": "olmoe",
    "norm_topk_prob": False,
    "num_attention_heads": 16,
    "num_experts": 64,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 16,
    "num_key_value_heads": 16,
    "router_aux_loss_coef": 0.01,
    "tie_word_embeddings": False,
    "vocab_size": 50304,
}

# CohereForAI/c4ai-command-r-v01 config.json (no tie_word_embeddings: CohereConfig ties)
COMMAND_R = {
    "architectures": ["CohereForCausalLM"],
    "attention_bias": False,
    "hidden_act": "silu",
    "hidden_size": 8192,
    "intermediate_size": 22528,
    "layer_norm_eps": 1e-05,
    "logit_scale": 0.0625,
    "max_position_embeddings": 8192,
    "model_type": "cohere",
    "num_attention_heads": 64,
    "num_hidden_layers": 40,
    "num_key_value_heads": 64,
    "rope_theta": 8000000.0,
    "use_qk_norm": False,
    "vocab_size": 256000,
}

# mistralai/Mistral-7B-v0.1 config.json
MISTRAL_7B = {
    "architectures": ["MistralForCausalLM"],
    "hidden_act": "silu",
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mistral",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "sliding_window": 4096,
    "tie_word_embeddings": False,
    "vocab_size": 32000,
}

# google/gemma-2-27b config.json (the fields the reader needs)
GEMMA2_27B = {
    "architectures": ["Gemma2ForCausalLM"],
    "attn_logit_softcapping": 50.0,
    "cache_implementation": "hybrid",
    "final_logit_softcapping": 30.0,
    "head_dim": 128,
    "hidden_activation": "gelu_pytorch_tanh",
    "hidden_size": 4608,
    "intermediate_size": 36864,
    "max_position_embeddings": 8192,
    "model_type": "gemma2",
    "num_attention_heads": 32,
    "num_hidden_layers": 46,
    "num_key_value_heads": 16,
    "query_pre_attn_scalar": 144,
    "sliding_window": 4096,
    "sliding_window_size": 4096,
    "vocab_size": 256000,
}


def read(cfg: dict, **changes) -> ModelSpec:
    data = {k: v for k, v in {**cfg, **changes}.items() if v is not _DROP}
    return from_hf_config(data, name="m")


_DROP = object()


def test_olmo2_reads_and_counts_the_card_size():
    spec = read(OLMO2_7B)
    # OLMo-2-1124-7B model card: 7.30B parameters (q/k norms, 0.26M, left out)
    assert abs(spec.params_total / 7.30e9 - 1) < 0.005
    assert spec.kv_heads == 32 and spec.norms_per_layer == 2 and not spec.tied_embeddings
    gqa = read(OLMO2_7B, num_key_value_heads=8)
    assert gqa.kv_heads == 8 and gqa.params_total < spec.params_total


def test_olmoe_reads_its_experts():
    spec = read(OLMOE)
    assert (spec.num_experts, spec.experts_per_token, spec.moe_ffn) == (64, 8, 1024)
    assert spec.shared_experts == 0 and spec.moe_layers == 16
    # OLMoE paper (arXiv 2409.02060): 6.9B total, 1.3B active
    assert abs(spec.params_total / 6.9e9 - 1) < 0.01
    assert abs(spec.params_active / 1.3e9 - 1) < 0.02


def test_cohere_ties_embeddings_and_has_one_norm_per_layer():
    spec = read(COMMAND_R)
    assert spec.tied_embeddings and spec.norms_per_layer == 1
    # c4ai-command-r-v01 card: 35 billion parameters
    assert abs(spec.params_total / 35e9 - 1) < 0.005
    assert not read(COMMAND_R, tie_word_embeddings=False).tied_embeddings
    # Command R+ shape (c4ai-command-r-plus: 104B, GQA 8, per-head q/k norms)
    plus = read(
        COMMAND_R,
        hidden_size=12288,
        intermediate_size=33792,
        num_hidden_layers=64,
        num_attention_heads=96,
        num_key_value_heads=8,
        use_qk_norm=True,
    )
    assert abs(plus.params_total / 104e9 - 1) < 0.005


def test_an_omitted_kv_head_count_takes_the_classes_default():
    # MistralConfig's num_key_value_heads is 8: the 7B's card size, not 8.0B of 32 KV heads
    spec = read(MISTRAL_7B, num_key_value_heads=_DROP)
    assert spec.kv_heads == 8 and abs(spec.params_total / 7.24e9 - 1) < 0.002
    assert spec == read(MISTRAL_7B)
    # an explicit null is transformers' fallback: the query heads
    assert read(MISTRAL_7B, num_key_value_heads=None).kv_heads == 32
    # Llama has no such default
    llama = read(MISTRAL_7B, model_type="llama", num_key_value_heads=_DROP, sliding_window=_DROP)
    assert llama.kv_heads == 32


def test_an_omitted_mistral_window_is_the_classes_4096():
    assert read(MISTRAL_7B, sliding_window=_DROP).sliding_window == 4096
    assert read(MISTRAL_7B, sliding_window=None).sliding_window == 0


def test_qwen3_head_dim_and_kv_defaults():
    cfg = {
        "model_type": "qwen3",
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_attention_heads": 16,
        "num_hidden_layers": 28,
        "vocab_size": 151936,
        "tie_word_embeddings": True,
    }
    # Qwen3Config: 32 KV heads when the file gives none, which 16 query heads cannot share:
    # transformers fails to build it too, and the reader names the field
    with pytest.raises(InputError, match="num_key_value_heads=32"):
        read(cfg)
    spec = read(cfg, num_attention_heads=32)
    assert spec.kv_heads == 32 and spec.head_dim == 128  # not 1024 / 32 = 32
    ok = read(cfg, num_key_value_heads=8)
    assert ok.head_dim == 128 and ok.kv_heads == 8 and ok.q_dim == 16 * 128


def test_qwen_sliding_window_follows_use_sliding_window_and_max_window_layers():
    base = {
        "model_type": "qwen2",
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_attention_heads": 16,
        "num_key_value_heads": 4,
        "num_hidden_layers": 24,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "sliding_window": 4096,
    }
    # Qwen2Config's use_sliding_window defaults to False: no window
    assert read(base).sliding_window == 0
    # with it, the layers below max_window_layers keep full attention
    spec = read(base, use_sliding_window=True, max_window_layers=16)
    assert spec.sliding_window == 4096 and spec.full_attention_layers == 16
    # max_window_layers >= the layers: every layer full
    assert read(base, use_sliding_window=True, max_window_layers=24).sliding_window == 0
    # Qwen2-MoE windows the even layers below max_window_layers: 0, 2, ..., 14 (8 layers)
    moe = read(
        base,
        model_type="qwen2_moe",
        num_experts=8,
        num_experts_per_tok=2,
        moe_intermediate_size=512,
        use_sliding_window=True,
        max_window_layers=16,
    )
    assert moe.full_attention_layers == 24 - 8


def test_llama1_max_sequence_length_is_the_context():
    # huggyllama/llama-7b config.json states max_sequence_length = max_position_embeddings
    cfg = {**MISTRAL_7B, "model_type": "llama", "num_key_value_heads": 32}
    cfg.update(max_position_embeddings=2048, max_sequence_length=2048, intermediate_size=11008)
    del cfg["sliding_window"]
    spec = read(cfg)
    assert spec.max_seq == 2048 and abs(spec.params_total / 6.74e9 - 1) < 0.002
    with pytest.raises(InputError, match="max_sequence_length"):
        read(cfg, max_sequence_length=4096)


def test_gemma2_soft_capping_is_named_and_counts_match_the_report():
    spec = read(GEMMA2_27B)
    # Gemma 2 report Table 2: 1,180,237,824 embedding + 26,047,480,320 non-embedding
    assert abs(spec.params_total / (1_180_237_824 + 26_047_480_320) - 1) < 0.001
    # s24polish: the final-logit soft-capping is named too
    assert len(spec.approximations) == 2 and "attn_logit_softcapping" in spec.approximations[0]
    assert "final_logit_softcapping = 30.0" in spec.approximations[1]
    no_attn_cap = read(GEMMA2_27B, attn_logit_softcapping=None).approximations
    assert len(no_attn_cap) == 1 and "final_logit" in no_attn_cap[0]
    # a problem file's model table keeps them
    again = ModelSpec.from_dict(spec.to_dict())
    assert again.approximations == spec.approximations and again == spec


@pytest.mark.parametrize("bad", ["abc", 5, [1], {"a": "b"}, None])
def test_a_problem_files_approximations_must_be_a_list_of_strings(bad):
    # s24review: a string was split into one warning per character ("a", "b", "c"), a number
    # was a TypeError ("not a valid train instance")
    data = read(GEMMA2_27B).to_dict()
    data["approximations"] = bad
    with pytest.raises(InputError, match="approximations"):
        ModelSpec.from_dict(data)
    data["approximations"] = ["a note"]
    assert ModelSpec.from_dict(data).approximations == ("a note",)


def test_soft_capping_is_a_warning_of_plan_train_and_plan_serve():
    import planner.serve.api as serve_api
    import planner.train.api as train_api

    spec = read(GEMMA2_27B)
    prob = train_api.make_problem(spec, "8xH100", global_batch=8, seq_len=4096)
    assert any("soft-capping" in w for w in prob.meta.get("warnings", []))
    sprob = serve_api.make_problem(spec, "H100:8", prompt_tokens=512, output_tokens=64)
    assert any("soft-capping" in w for w in sprob.meta.get("warnings", []))
    plain = read(GEMMA2_27B, attn_logit_softcapping=None, final_logit_softcapping=None)
    prob = train_api.make_problem(plain, "8xH100", global_batch=8, seq_len=4096)
    assert not any("soft-capping" in w for w in prob.meta.get("warnings", []))


def test_cohere2_windows_three_layers_of_four():
    cfg = {
        **COMMAND_R,
        "model_type": "cohere2",
        "hidden_size": 12288,
        "intermediate_size": 36864,
        "num_hidden_layers": 64,
        "num_attention_heads": 96,
        "num_key_value_heads": 8,
        "sliding_window": 4096,
        "max_position_embeddings": 131072,
    }
    spec = read(cfg)
    # Cohere2Config: layer i global when (i + 1) % 4 == 0; tied; Command A report: 111B
    assert (spec.sliding_window, spec.full_attention_layers) == (4096, 16)
    assert spec.tied_embeddings and spec.norms_per_layer == 1
    assert abs(spec.params_total / 111e9 - 1) < 0.005
    kinds = ["full_attention" if (i + 1) % 4 == 0 else "sliding_attention" for i in range(64)]
    assert read(cfg, layer_types=kinds) == spec
    assert read(cfg, sliding_window=_DROP) == spec  # the class's 4096
    assert read(cfg, sliding_window_pattern=2).full_attention_layers == 32
    with pytest.raises(InputError, match="head_dim"):
        read(cfg, head_dim=64)


def test_interleaved_moe_layers_sit_where_transformers_puts_them():
    qwen = {
        "model_type": "qwen2_moe",
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_attention_heads": 16,
        "num_key_value_heads": 4,
        "num_hidden_layers": 27,
        "vocab_size": 151936,
        "num_experts": 8,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 512,
        "decoder_sparse_step": 2,
    }
    spec = read(qwen)
    # Qwen2MoeDecoderLayer: sparse when (i + 1) % step == 0: layers 1, 3, ..., 25
    sparse = [i for i in range(27) if spec.is_moe_layer(i)]
    assert sparse == [i for i in range(27) if (i + 1) % 2 == 0] and spec.moe_layers == 13
    assert read(qwen, decoder_sparse_step=1).moe_layers == 27
    # DeepseekV2DecoderLayer: sparse when i >= first_k_dense_replace and i % freq == 0
    ds = {
        "model_type": "deepseek_v2",
        "hidden_size": 1024,
        "intermediate_size": 3072,
        "num_attention_heads": 16,
        "num_hidden_layers": 12,
        "vocab_size": 102400,
        "n_routed_experts": 8,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 512,
        "first_k_dense_replace": 1,
        "moe_layer_freq": 2,
    }
    spec = read(ds)
    assert [i for i in range(12) if spec.is_moe_layer(i)] == [2, 4, 6, 8, 10]
    assert read(ds, moe_layer_freq=1).moe_layers == 11
