"""Model types s24readers added, and transformers' class defaults for omitted fields.

The configs are tests/data/hf_configs_reconstructed/*.json: the published config.json files'
fields rebuilt by bench/session_runs/s24readers/write_configs.py (not byte copies; see the
README there); the sizes the tests compare with are the model cards'.
Every test here fails on main (the types were "unknown model_type", or the omitted fields
took another reading).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import UNPRICED_LAYERS, from_hf_config

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "hf_configs_reconstructed"

_DROP = object()

TRAIN_ARGS = ["--gpus", "8xH100", "-B", "64", "-s", "4096", "-t", "10", "--threads", "1"]


def config(name: str) -> dict:
    return json.loads((CONFIGS / f"{name}.json").read_text())


def read(cfg: dict | str, **changes) -> ModelSpec:
    base = config(cfg) if isinstance(cfg, str) else cfg
    data = {k: v for k, v in {**base, **changes}.items() if v is not _DROP}
    return from_hf_config(data, name="m")


def near(value: float, card: float, tol: float) -> bool:
    return abs(value / card - 1) < tol


def test_phimoe_layernorm_biases_and_card_size():
    spec = read("phi-3.5-moe")
    # microsoft/Phi-3.5-MoE-instruct card: 41.9B total, 6.6B active
    assert near(spec.params_total, 41.9e9, 0.003) and near(spec.params_active, 6.6e9, 0.01)
    assert spec.layernorm and spec.qkv_bias and spec.num_experts == 16
    assert spec.experts_per_token == 2 and spec.moe_ffn == 6400 and spec.sliding_window == 0
    # PhimoeConfig's defaults for omitted fields: 8 KV heads, 16 experts, top-2
    bare = read("phi-3.5-moe", num_key_value_heads=_DROP, num_local_experts=_DROP)
    assert bare == read("phi-3.5-moe", num_experts_per_tok=_DROP)
    assert bare.kv_heads == 8 and bare.num_experts == 16


def test_granite_dense_moe_and_shared_expert():
    dense = read("granite-3.1-8b")
    # ibm-granite/granite-3.1-8b-instruct card: 8.1B; tied embeddings
    assert near(dense.params_total, 8.1e9, 0.01) and dense.tied_embeddings
    moe = read("granite-3.0-3b-a800m")
    # granite-3.0-3b-a800m card: 3.3B total (800M active without the embedding)
    assert near(moe.params_total, 3.3e9, 0.005) and moe.num_experts == 40
    assert near(moe.params_active - moe.vocab * moe.hidden, 0.8e9, 0.02)
    shared = read(
        "granite-3.0-3b-a800m", model_type="granitemoeshared", shared_intermediate_size=1024
    )
    assert shared.shared_experts == 1 and shared.shared_ffn == 1024
    assert shared.params_total == moe.params_total + moe.layers * 3 * 1536 * 1024
    # GraniteMoeConfig: 8 experts, top-2 when the file omits them
    bare = read("granite-3.0-3b-a800m", num_local_experts=_DROP, num_experts_per_tok=_DROP)
    assert (bare.num_experts, bare.experts_per_token) == (8, 2)


def test_mistral3_reads_its_text_config_as_mistral_and_ministral_as_mistral():
    wrapped = config("mistral-small-3.1-24b")
    spec = read(wrapped)
    # Mistral-Small-3.1-24B card: 24B with its 0.4B Pixtral encoder, which is not planned
    assert near(spec.params_total, 24e9, 0.02) and spec.sliding_window == 0
    assert spec == read(wrapped["text_config"])
    # Mistral3Config builds a text_config without a model_type as "mistral"
    inner = {k: v for k, v in wrapped["text_config"].items() if k != "model_type"}
    assert read({**wrapped, "text_config": inner}) == spec
    ministral = read("ministral-8b")
    # Ministral-8B-Instruct-2410: 8.02B
    assert near(ministral.params_total, 8.02e9, 0.003)
    assert ministral == read("ministral-8b", model_type="mistral")
    assert read("ministral-8b", sliding_window=_DROP).sliding_window == 4096


def test_glm_and_glm4_take_the_classes_biases_and_kv_heads():
    nine = read("glm-4-9b-chat-hf")
    # THUDM/glm-4-9b-chat-hf: 9.4B
    assert near(nine.params_total, 9.4e9, 0.005) and nine.qkv_bias and nine.kv_heads == 2
    # Glm4Config: attention_bias true, 2 KV heads of 128 when omitted
    assert read("glm-4-9b-chat-hf", attention_bias=_DROP, num_key_value_heads=_DROP) == nine
    big = read("glm-4-32b-0414")
    # GLM-4-32B-0414 card: 32B
    assert near(big.params_total, 32e9, 0.02) and big.qkv_bias


def test_internlm2_exaone_and_deepseek_v1():
    intern = read("internlm2.5-7b")
    assert near(intern.params_total, 7.74e9, 0.003)  # internlm2_5-7b-chat: 7.74B
    with pytest.raises(InputError, match="'bias'"):
        read("internlm2.5-7b", bias=True)
    exaone = read("exaone-3.5-7.8b")
    assert near(exaone.params_total, 7.8e9, 0.005) and exaone.layers == 32
    ds = read("deepseek-moe-16b")
    # deepseek-moe-16b-base card: 16.4B total, 2.8B active; one dense first layer
    assert near(ds.params_total, 16.4e9, 0.005) and near(ds.params_active, 2.8e9, 0.02)
    assert ds.dense_layers == 1 and ds.shared_ffn == 2 * 1408 and ds.kv_lora_rank == 0


def test_dbrx_reads_its_sub_configs():
    spec = read("dbrx")
    # databricks/dbrx-base card: 132B total, 36B active
    assert near(spec.params_total, 132e9, 0.005) and near(spec.params_active, 36e9, 0.015)
    assert (spec.kv_heads, spec.num_experts, spec.experts_per_token) == (8, 16, 4)
    ffn = config("dbrx")["ffn_config"]
    with pytest.raises(InputError, match=r"ffn_config\.moe_bias"):
        read("dbrx", ffn_config={**ffn, "moe_bias": True})
    with pytest.raises(InputError, match="tie_word_embeddings"):
        read("dbrx", tie_word_embeddings=True)


def test_arctic_dense_residual_is_a_shared_expert():
    spec = read("arctic")
    # Snowflake Arctic card: 480B total (128 experts of 3.66B summed over the layers)
    assert near(spec.params_total, 480e9, 0.01)
    assert near(spec.num_experts * spec.moe_layers * spec.expert_params(), 128 * 3.66e9, 0.002)
    assert spec.shared_experts == 1 and spec.shared_ffn == spec.ffn == 4864
    with pytest.raises(InputError, match="moe_layer_frequency"):
        read("arctic", moe_layer_frequency=2)


def test_gemma3_text_config_takes_the_classes_heads():
    spec = read("gemma-3-4b")
    # Gemma 3 report (arXiv 2503.19786) Table 1, 4B: 675M embedding + 3,209M non-embedding
    assert near(spec.params_total, 675e6 + 3209e6, 0.003)
    assert (spec.heads, spec.kv_heads, spec.head_dim) == (8, 4, 256)
    assert spec.sliding_window == 1024 and spec.full_attention_layers == 34 // 6


def test_gemma2_soft_capping_is_on_when_the_file_omits_it():
    cfg = {
        "model_type": "gemma2",
        "hidden_size": 3584,
        "intermediate_size": 14336,
        "num_hidden_layers": 42,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
    }
    spec = read(cfg)
    # Gemma2Config: attn_logit_softcapping 50 and final_logit_softcapping 30 unless null;
    # head_dim 256
    assert len(spec.approximations) == 2 and "50.0" in spec.approximations[0]
    assert "final_logit_softcapping = 30.0" in spec.approximations[1]
    assert spec.head_dim == 256 and spec.tied_embeddings
    plain = read(cfg, attn_logit_softcapping=None, final_logit_softcapping=None)
    assert plain.approximations == ()
    bare = read(cfg, num_attention_heads=_DROP, num_key_value_heads=_DROP)
    assert (bare.heads, bare.kv_heads) == (8, 4)


def test_qwen3_moe_omitted_experts_and_window_take_the_classes_defaults():
    cfg = {
        "model_type": "qwen3_moe",
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 48,
        "num_attention_heads": 32,
        "vocab_size": 151936,
        "head_dim": 128,
        "sliding_window": 4096,
    }
    spec = read(cfg)
    # Qwen3MoeConfig: 128 experts of 768, top-8, 4 KV heads, no window without the flag
    assert (spec.num_experts, spec.experts_per_token, spec.moe_ffn) == (128, 8, 768)
    assert spec.kv_heads == 4 and spec.sliding_window == 0
    # with use_sliding_window every layer is windowed (Qwen3MoeAttention, no max_window_layers)
    windowed = read(cfg, use_sliding_window=True, max_window_layers=28)
    assert windowed.sliding_window == 4096 and windowed.full_attention_layers == 0


@pytest.mark.parametrize("mtype", sorted(UNPRICED_LAYERS))
def test_state_space_and_hybrid_types_are_refused_naming_the_layers(mtype):
    with pytest.raises(InputError, match=f"model_type '{mtype}' is not modelled: its"):
        read({"model_type": mtype, "hidden_size": 1024, "num_hidden_layers": 4})


def test_refusal_is_exit_2_one_line_through_the_cli(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plan", "train", "--model", str(CONFIGS / "jamba-v0.1.json"), *TRAIN_ARGS])
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Mamba state-space layers" in lines[0]
    assert "Traceback" not in err


def test_moe_classes_experts_are_their_defaults_not_a_dense_model():
    base = {
        "hidden_size": 2048,
        "intermediate_size": 5632,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "vocab_size": 151936,
    }
    # MixtralConfig: 8 experts, top-2 (of intermediate_size)
    mixtral = read(base, model_type="mixtral")
    assert (mixtral.num_experts, mixtral.experts_per_token, mixtral.moe_ffn) == (8, 2, 5632)
    # Qwen2MoeConfig: 60 experts of 1408, top-4, a 5,632-wide shared expert, q/k/v biases
    qwen = read(base, model_type="qwen2_moe")
    assert (qwen.num_experts, qwen.experts_per_token, qwen.moe_ffn) == (60, 4, 1408)
    assert qwen.shared_ffn == 5632 and qwen.qkv_bias
    assert not read(base, model_type="qwen2_moe", qkv_bias=False).qkv_bias
    # OlmoeConfig: 64 experts, top-8
    olmoe = read(base, model_type="olmoe")
    assert (olmoe.num_experts, olmoe.experts_per_token) == (64, 8)
