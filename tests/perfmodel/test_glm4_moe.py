"""GLM-4.5 (``model_type`` ``glm4_moe``): read as DeepSeek-V3's MoE layout on GQA attention.

The config is zai-org/GLM-4.5's ``config.json`` (huggingface.co/zai-org/GLM-4.5; model card:
355B total / 32B active parameters, 92 layers + 1 MTP layer); its shapes match THUDM slime's
Megatron launch script for GLM-4.5 (``scripts/models/glm4.5-355B-A32B.sh``: 3 dense + 89 MoE
layers, hidden 5120, FFN 12288, 96 heads / 8 query groups of 128, 160 experts of 1536 with a
1536 shared expert, top-8, vocab 151552, QKV bias, QK layernorm). Before, the reader refused
the model type ("unknown model_type 'glm4_moe'")."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.readers import from_hf_config

GLM45 = {
    "architectures": ["Glm4MoeForCausalLM"],
    "attention_bias": True,
    "attention_dropout": 0.0,
    "pad_token_id": 151329,
    "eos_token_id": [151329, 151336, 151338],
    "head_dim": 128,
    "hidden_act": "silu",
    "hidden_size": 5120,
    "partial_rotary_factor": 0.5,
    "initializer_range": 0.02,
    "intermediate_size": 12288,
    "max_position_embeddings": 131072,
    "model_type": "glm4_moe",
    "moe_intermediate_size": 1536,
    "norm_topk_prob": True,
    "num_attention_heads": 96,
    "n_group": 1,
    "topk_group": 1,
    "n_routed_experts": 160,
    "n_shared_experts": 1,
    "routed_scaling_factor": 2.5,
    "num_experts_per_tok": 8,
    "first_k_dense_replace": 3,
    "num_hidden_layers": 92,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05,
    "rope_scaling": None,
    "rope_theta": 1000000,
    "num_nextn_predict_layers": 1,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.54.0",
    "use_cache": True,
    "use_qk_norm": True,
    "vocab_size": 151552,
}


def test_glm45_reads_with_its_published_size():
    spec = from_hf_config(GLM45, name="glm-4.5")
    assert abs(spec.params_total / 355e9 - 1) < 0.01
    # 32B active without the embedding and LM head (2 x 151552 x 5120)
    active = spec.params_active - 2 * 151552 * 5120
    assert abs(active / 32e9 - 1) < 0.01
    assert (spec.dense_layers, spec.moe_layers, spec.mtp_layers) == (3, 89, 1)
    assert spec.qkv_bias and spec.head_dim == 128 and spec.kv_heads == 8
    assert (spec.num_experts, spec.experts_per_token, spec.shared_ffn) == (160, 8, 1536)


@pytest.mark.parametrize("key", ["n_shared_experts", "first_k_dense_replace"])
def test_glm_moe_layout_fields_are_required(key):
    cfg = {k: v for k, v in GLM45.items() if k != key}
    with pytest.raises(InputError, match=rf"'{key}'.*GLM-4.5 config"):
        from_hf_config(cfg, name="x")


def test_unknown_model_type_names_the_file():
    with pytest.raises(InputError, match=r"^my/config.json: unknown model_type 'glm5'"):
        from_hf_config({**GLM45, "model_type": "glm5"}, name="x", source="my/config.json")
