"""ModelSpec: Hugging Face config parsing, parameter counts, catalog lookup, errors."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.perfmodel.memory import kv_cache_bytes_per_token
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import catalog_names, from_hf_config, load_model


def megatron_params(h: int, layers: int, vocab: int, seq: int) -> float:
    """Narayanan et al.'s closed form ``P = 12 l h^2 (1 + 13/(12h) + (V + s)/(12 l h))``."""
    return 12 * layers * h * h * (1 + 13 / (12 * h) + (vocab + seq) / (12 * layers * h))


MEGATRON_ROWS = [  # Narayanan et al. Table 1: params (B), heads, hidden, layers
    ("gpt-1.7b", 1.7, 24, 2304, 24),
    ("gpt-3.6b", 3.6, 32, 3072, 30),
    ("gpt-7.5b", 7.5, 32, 4096, 36),
    ("gpt-18.4b", 18.4, 48, 6144, 40),
    ("gpt-39.1b", 39.1, 64, 8192, 48),
    ("gpt-76.1b", 76.1, 80, 10240, 60),
    ("gpt-145.6b", 145.6, 96, 12288, 80),
    ("gpt-310.1b", 310.1, 128, 16384, 96),
    ("gpt-529.6b", 529.6, 128, 20480, 105),
    ("gpt-1008b", 1008.0, 160, 25600, 128),
]


@pytest.mark.parametrize(("name", "billions", "heads", "hidden", "layers"), MEGATRON_ROWS)
def test_megatron_table1_models(name, billions, heads, hidden, layers):
    m = load_model(name)
    assert (m.heads, m.hidden, m.layers, m.vocab) == (heads, hidden, layers, 51200)
    # the checkpoint count equals Megatron's closed form plus the final LayerNorm
    assert m.params_total == pytest.approx(
        megatron_params(hidden, layers, 51200, 2048) + 2 * hidden
    )
    assert m.params_total / 1e9 == pytest.approx(billions, abs=0.06)


@pytest.mark.parametrize(
    ("name", "total", "active"),
    [
        ("llama-3.1-8b", 8.03, 8.03),
        ("llama-3.1-70b", 70.6, 70.6),
        ("llama-3.1-405b", 405.9, 405.9),
        ("mixtral-8x7b", 46.7, 12.9),
        ("deepseek-v3", 671.0, 37.5),
        ("qwen2.5-72b", 72.7, 72.7),
    ],
)
def test_public_model_sizes(name, total, active):
    m = load_model(name)
    assert m.params_total / 1e9 == pytest.approx(total, rel=0.01)
    assert m.params_active / 1e9 == pytest.approx(active, rel=0.02)


def test_catalog_has_every_required_model():
    names = set(catalog_names())
    for required in ("gpt-22b", "gpt-175b", "gpt-530b", "gpt-1t", "mixtral-8x7b", "deepseek-v3"):
        assert required in names


def test_moe_fields():
    ds = load_model("deepseek-v3")
    assert ds.is_moe and ds.is_mla
    assert (ds.num_experts, ds.experts_per_token, ds.shared_experts) == (256, 8, 1)
    assert ds.moe_layers == 58 and not ds.is_moe_layer(2) and ds.is_moe_layer(3)
    assert kv_cache_bytes_per_token(ds, kv_bytes=1.0) == 61 * (512 + 64)
    mix = load_model("mixtral-8x7b")
    assert mix.moe_layers == 32 and mix.moe_ffn == 14336


def test_gqa_kv_cache():
    m = load_model("llama-3.1-70b")
    assert kv_cache_bytes_per_token(m, kv_bytes=2.0) == 80 * 2 * 8 * 128 * 2


def test_forward_flops_match_megatron():
    m = load_model("gpt-175b")
    s, h, L, V = 2048, m.hidden, m.layers, m.vocab
    ref = 24 * L * h * h * (1 + s / (6 * h) + V / (12 * L * h))
    assert m.forward_flops_per_token(s) == pytest.approx(ref, rel=1e-3)


def test_lookup_accepts_hf_ids_and_case():
    assert load_model("meta-llama/Llama-3.1-70B").name == "llama-3.1-70b"
    assert load_model("GPT-1T").name == "gpt-1t"


def test_unknown_name_lists_closest():
    with pytest.raises(InputError, match=r"closest: llama-3\.1-70b"):
        load_model("llama-3-70b")


def test_missing_field_is_named():
    with pytest.raises(InputError, match="hidden_size"):
        from_hf_config(
            {"num_hidden_layers": 2, "num_attention_heads": 2, "vocab_size": 10}, name="x"
        )


def test_bad_kv_heads_is_named():
    cfg = {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 3,
        "intermediate_size": 128,
        "vocab_size": 100,
    }
    with pytest.raises(InputError, match="num_key_value_heads"):
        from_hf_config(cfg, name="x")


def test_non_integer_field_is_named():
    cfg = {"hidden_size": "big", "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10}
    with pytest.raises(InputError, match="hidden_size"):
        from_hf_config(cfg, name="x")


def test_moe_without_top_k_is_rejected():
    cfg = {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "vocab_size": 10,
        "num_local_experts": 8,
    }
    with pytest.raises(InputError, match="num_experts_per_tok"):
        from_hf_config(cfg, name="x")


def test_gpt2_style_and_multi_query():
    cfg = {
        "model_type": "gpt_bigcode",
        "n_embd": 256,
        "n_layer": 2,
        "n_head": 8,
        "vocab_size": 1000,
        "n_positions": 1024,
        "multi_query": True,
    }
    m = from_hf_config(cfg, name="sc")
    assert m.kv_heads == 1 and m.ffn == 1024 and not m.gated_mlp and m.position_embeddings


def test_round_trip():
    m = load_model("mixtral-8x7b")
    assert ModelSpec.from_dict(m.to_dict()) == m


def test_json_file_errors(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="malformed JSON"):
        load_model(bad)
    with pytest.raises(InputError, match="no such file"):
        load_model(tmp_path / "missing.json")


def test_moe_layers_is_closed_form_and_answers_for_an_absurd_depth():
    """``moe_layers`` looped over every layer: a config with num_hidden_layers = 1e30 never
    returned (s17audit). The count equals the layers ``is_moe_layer`` selects."""
    import subprocess
    import sys

    for layers, dense, freq in ((1, 0, 1), (27, 1, 1), (48, 0, 2), (61, 3, 1), (10, 10, 1)):
        m = ModelSpec(
            name="m", hidden=8, layers=layers, heads=1, kv_heads=1, head_dim=8, ffn=8,
            vocab=8, num_experts=4, experts_per_token=1, moe_ffn=4, dense_layers=dense,
            moe_layer_freq=freq,
        )  # fmt: skip
        assert m.moe_layers == sum(m.is_moe_layer(i) for i in range(layers))
    # in a child process: the old loop would spin for ever (and hold this one's GIL)
    code = (
        "from planner.perfmodel.model_spec import ModelSpec\n"
        "m = ModelSpec(name='m', hidden=8, layers=10**30, heads=1, kv_heads=1, head_dim=8,"
        " ffn=8, vocab=8, num_experts=4, experts_per_token=1, moe_ffn=4, dense_layers=1,"
        " moe_layer_freq=2)\n"
        "print(m.moe_layers)\n"
    )
    import os
    from pathlib import Path

    import planner

    env = {**os.environ, "PYTHONPATH": str(Path(planner.__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
        env=env,
    )  # fmt: skip
    assert int(out.stdout) == (10**30 - 1 + 1) // 2


def test_mla_keys_and_values_are_the_up_projected_heads():
    """MLA's K / V width per token is every head's ``qk_nope + qk_rope`` / ``v_head_dim``:
    ``kv_dim`` (kv_heads x hidden / heads) is not a width MLA has."""
    ds = load_model("deepseek-v3")
    assert ds.k_dim == 128 * (128 + 64) and ds.v_dim == 128 * 128
    llama = load_model("llama-3.1-8b")
    assert llama.k_dim == llama.v_dim == llama.kv_dim == 8 * 128
