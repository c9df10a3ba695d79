"""Reading real public model configs, one per architecture (sources: tests/data/hf_configs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.perfmodel.readers import from_hf_config, load_model

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "hf_configs"

# file, published total parameters, published active parameters (MoE) or None
PUBLISHED = [
    ("llama-3.1-8b.json", 8.0e9, None),
    ("mistral-7b-instruct-v0.1.json", 7.3e9, None),
    ("qwen2-0.5b.json", 0.49e9, None),
    ("qwen3-0.6b.json", 0.6e9, None),
    ("gemma-2b.json", 524_550_144 + 1_981_884_416, None),
    ("phi-3-mini-4k-instruct.json", 3.8e9, None),
    ("mixtral-8x7b-instruct-v0.1.json", 46.7e9, 12.9e9),
    ("qwen1.5-moe-a2.7b.json", 14.3e9, 2.7e9),
    ("deepseek-v3-inference-671b.json", 671e9, None),
    ("deepseek-v3-inference-236b.json", 236e9, None),
    ("deepseek-v3-inference-16b.json", 15.7e9, None),
    ("gpt2-large.json", 774e6, None),
    ("bloom-560m.json", 559_214_592, None),
    # checkpoint index: 14,434,379,520 bf16 bytes, the tied LM head (65,024 x 4,544) stored twice
    ("falcon-7b.json", 14_434_379_520 / 2 - 65_024 * 4_544, None),
    ("pythia-12b.json", 11_846_072_320, None),
    ("gpt-j-6b.json", 6_053_381_344, None),
    ("opt-125m.json", 125e6, None),
    ("mpt-30b-chat.json", 29_975_214_080, None),
]


def read(name: str):
    return from_hf_config(json.loads((CONFIGS / name).read_text()), name=name, source=name)


@pytest.mark.parametrize(("name", "total", "active"), PUBLISHED)
def test_parameter_counts_match_published_sizes(name, total, active):
    spec = read(name)
    assert abs(spec.params_total / total - 1) < 0.01
    if active is not None:
        assert abs(spec.params_active / active - 1) < 0.01


def test_every_architecture_has_a_real_config():
    types = set()
    for path in CONFIGS.glob("*.json"):
        cfg = json.loads(path.read_text())
        types.add(cfg.get("model_type", "deepseek-native"))
    assert {
        "llama",
        "mistral",
        "qwen2",
        "qwen3",
        "gemma",
        "phi3",
        "mixtral",
        "qwen2_moe",
        "deepseek-native",
        "gpt2",
        "bloom",
        "RefinedWebModel",
        "gpt_neox",
        "gptj",
        "opt",
        "mpt",
    } <= types


def test_architecture_specific_fields():
    falcon = read("falcon-7b.json")
    assert falcon.kv_heads == 1 and falcon.norms_per_layer == 1 and not falcon.gated_mlp
    gemma = read("gemma-2b.json")
    assert gemma.tied_embeddings and gemma.head_dim == 256 and gemma.kv_heads == 1
    gptj = read("gpt-j-6b.json")
    assert gptj.mlp_bias and not gptj.linear_bias and not gptj.tied_embeddings
    bloom = read("bloom-560m.json")
    assert bloom.embedding_norm and not bloom.position_embeddings
    qmoe = read("qwen1.5-moe-a2.7b.json")
    assert (qmoe.num_experts, qmoe.experts_per_token, qmoe.shared_ffn) == (60, 4, 5632)
    v2 = read("deepseek-v3-inference-236b.json")
    assert v2.is_mla and v2.dense_layers == 1 and v2.moe_layers == 59
    assert read("mistral-7b-instruct-v0.1.json").sliding_window == 4096
    assert read("qwen2-0.5b.json").sliding_window == 0  # use_sliding_window: false


def test_sliding_window_caps_attention():
    mistral = read("mistral-7b-instruct-v0.1.json")
    assert mistral.attention_flops_per_token(32768) == mistral.attention_flops_per_token(4096)
    assert mistral.attention_flops_per_token(2048) < mistral.attention_flops_per_token(4096)


def test_unknown_field_names_field_and_architecture():
    cfg = json.loads((CONFIGS / "llama-3.1-8b.json").read_text())
    cfg["num_local_experts_v2"] = 8
    with pytest.raises(InputError, match=r"'num_local_experts_v2'.*Llama config"):
        from_hf_config(cfg, name="x")


def test_unmodelled_values_are_rejected():
    opt = json.loads((CONFIGS / "opt-125m.json").read_text())
    opt["word_embed_proj_dim"] = 512
    with pytest.raises(InputError, match=r"word_embed_proj_dim.*OPT config"):
        from_hf_config(opt, name="x")
    mpt = json.loads((CONFIGS / "mpt-30b-chat.json").read_text())
    mpt["attn_config"]["sliding_window_size"] = 512
    with pytest.raises(InputError, match=r"attn_config\.sliding_window_size.*MPT config"):
        from_hf_config(mpt, name="x")
    qmoe = json.loads((CONFIGS / "qwen1.5-moe-a2.7b.json").read_text())
    qmoe["mlp_only_layers"] = [3, 7]
    with pytest.raises(InputError, match="mlp_only_layers"):
        from_hf_config(qmoe, name="x")


def test_unknown_model_type():
    with pytest.raises(InputError, match="model_type 'mamba'"):
        from_hf_config({"model_type": "mamba", "hidden_size": 8}, name="x")


def test_missing_shape_field_is_named():
    cfg = json.loads((CONFIGS / "gpt-j-6b.json").read_text())
    del cfg["n_layer"]
    with pytest.raises(InputError, match=r"'n_layer'.*GPT-J"):
        from_hf_config(cfg, name="x")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_shape_field_is_named(value):
    """JSON's NaN / Infinity in an integer field is bad input, not an internal error."""
    cfg = json.loads((CONFIGS / "llama-3.1-8b.json").read_text())
    cfg["hidden_size"] = value
    with pytest.raises(InputError, match=r"'hidden_size' must be an integer.*Llama config"):
        from_hf_config(cfg, name="x")


@pytest.mark.parametrize(
    ("field", "shown"),
    [("num_hidden_layers", "layers"), ("hidden_size", "hidden"), ("vocab_size", "vocab")],
)
def test_a_huge_shape_field_is_named(field, shown):
    """s27bad: num_hidden_layers 1e30 was read, and ``plan train`` never ended."""
    cfg = json.loads((CONFIGS / "llama-3.1-8b.json").read_text())
    cfg[field] = 10**30
    with pytest.raises(InputError, match=rf"'{shown}' = 10+ is above [0-9,]+, the most"):
        from_hf_config(cfg, name="x")


# One config per architecture family through the CLI (a plan, or an explained INFEASIBLE).
FAMILIES = [
    "llama-3.1-8b.json",
    "gemma-2b.json",
    "mixtral-8x7b-instruct-v0.1.json",
    "deepseek-v3-inference-16b.json",
    "gpt2-large.json",
    "bloom-560m.json",
    "falcon-7b.json",
    "pythia-12b.json",
    "gpt-j-6b.json",
    "opt-125m.json",
    "mpt-30b-chat.json",
]


@pytest.mark.parametrize("name", FAMILIES)
def test_plan_train_accepts_real_configs(name, capsys):
    args = ["plan", "train", "--model", str(CONFIGS / name), "--gpus", "16xH100"]
    args += ["--global-batch", "16", "--seq", "1024", "--tp", "8", "-t", "20", "--json"]
    args += ["--prefer-simple", "0"]  # the proven fastest plan (OPTIMAL)
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"]["parameters"] == read(name).params_total
    assert out["status"] in ("OPTIMAL", "INFEASIBLE")
    if out["status"] == "INFEASIBLE":
        assert out["reason"]


def test_catalog_still_loads():
    assert abs(load_model("deepseek-v3").params_total / 671e9 - 1) < 0.01


def test_group_limited_routing_is_read():
    # DeepSeek-V3: n_group 8, topk_group 4; Kimi-K2's single group is no restriction
    v3 = load_model("deepseek-v3")
    assert (v3.router_groups, v3.router_group_topk) == (8, 4)
    assert load_model("kimi-k2").router_groups == 0
    assert load_model("qwen3-30b-a3b").router_groups == 0


# Qwen/Qwen2.5-0.5B config.json as the checkpoint ships it (transformers 4.40.1; quoted in
# full by a public loader log): published size 0.49B (Qwen2.5 model card).
QWEN25_05B = {
    "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151643,
    "hidden_act": "silu",
    "hidden_size": 896,
    "initializer_range": 0.02,
    "intermediate_size": 4864,
    "max_position_embeddings": 32768,
    "max_window_layers": 24,
    "model_type": "qwen2",
    "num_attention_heads": 14,
    "num_hidden_layers": 24,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "sliding_window": 32768,
    "tie_word_embeddings": True,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.40.1",
    "use_cache": True,
    "use_mrope": False,
    "use_sliding_window": False,
    "vocab_size": 151936,
}


def test_a_real_qwen25_config_reads():
    """Every Qwen2.5 file states ``use_mrope`` (a rotary setting): it was "not understood",
    exit 2, for the model as downloaded (s17audit)."""
    spec = from_hf_config(QWEN25_05B, name="qwen2.5-0.5b")
    assert abs(spec.params_total / 0.49e9 - 1) < 0.01
    assert spec.tied_embeddings and spec.sliding_window == 0 and spec.qkv_bias


def test_transformers5_rope_parameters_are_neutral():
    """transformers 5 files carry ``rope_parameters`` (rope_theta and the scaling in one table)
    instead of ``rope_theta``: positions only, no weights."""
    cfg = {k: v for k, v in QWEN25_05B.items() if k != "rope_theta"}
    cfg["rope_parameters"] = {"rope_theta": 1000000.0, "rope_type": "default"}
    assert (
        from_hf_config(cfg, name="q").params_total
        == from_hf_config(QWEN25_05B, name="q").params_total
    )


def test_a_model_folder_without_config_json_is_named(tmp_path):
    """A folder given as --model said "FOLDER: no such file" although the folder exists."""
    with pytest.raises(InputError, match=r"a folder without a config\.json"):
        load_model(str(tmp_path))


def test_a_config_json_named_from_its_own_folder_takes_the_folder_name(tmp_path, monkeypatch):
    """``--model config.json`` run in the config's folder had an empty name: the plan's title
    read " on 8xH100-SXM" and JSON ``model.name`` was ``""`` (the parent of a bare file name
    is ``.``)."""
    folder = tmp_path / "my-3b"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(QWEN25_05B))
    monkeypatch.chdir(folder)
    assert load_model("config.json").name == "my-3b"
    assert load_model(".").name == "my-3b"
    assert load_model(str(folder / "config.json")).name == "my-3b"


def test_a_config_json_of_the_hugging_face_cache_takes_the_repositorys_name(tmp_path):
    """``--model ~/.cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B/snapshots/<commit>``: the
    name was the commit hash."""
    snap = tmp_path / "models--Qwen--Qwen2.5-0.5B" / "snapshots" / ("a" * 40)
    snap.mkdir(parents=True)
    (snap / "config.json").write_text(json.dumps(QWEN25_05B))
    assert load_model(str(snap)).name == "Qwen2.5-0.5B"


def test_a_config_edited_between_two_calls_is_read_again(tmp_path):
    """load_model cached a file by its path: the edited config (here made invalid) was never
    read again in the same process, and ``plan train --model`` went on planning the old one."""
    cfg = json.loads(
        (
            Path(__file__).resolve().parents[2] / "instances/train/configs/toy-config.json"
        ).read_text()
    )
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(cfg))
    assert load_model(str(path)).hidden == cfg["hidden_size"]
    path.write_text(json.dumps({**cfg, "hidden_size": 10240}))  # another size: mtime is coarse
    assert load_model(str(path)).hidden == 10240
    path.write_text(json.dumps({**cfg, "hidden_size": float("nan")}))
    with pytest.raises(InputError, match=r"toy\.json: field 'hidden_size' must be an integer"):
        load_model(str(path))
