"""Which configs need the engines' trust-remote-code flag (``ModelSpec.remote_code``), and Gemma
2's final-logit soft-capping warning (s24polish).

transformers' ``AutoConfig.from_pretrained`` (@001002320f) runs a checkpoint's own config class
only when its ``auto_map`` names an ``AutoConfig``; it needs that code when the ``model_type``
is not registered (``CONFIG_MAPPING``). The configs are tests/data/hf_configs_reconstructed
(rebuilt without their ``auto_map``); the ``auto_map`` added here is the form the published
files use (``"configuration_internlm2.InternLM2Config"``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.core.errors import InputError
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import (
    ARCHITECTURES,
    UNREGISTERED_TYPES,
    from_hf_config,
    needs_remote_code,
)

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "hf_configs_reconstructed"


def config(name: str) -> dict:
    return json.loads((CONFIGS / f"{name}.json").read_text())


def auto_map(module: str, cls: str) -> dict:
    return {
        "AutoConfig": f"configuration_{module}.{cls}Config",
        "AutoModelForCausalLM": f"modeling_{module}.{cls}ForCausalLM",
    }


@pytest.mark.parametrize(
    ("name", "module", "cls"),
    [
        ("internlm2.5-7b", "internlm2", "InternLM2"),
        ("exaone-3.5-7.8b", "exaone", "Exaone"),
        ("deepseek-moe-16b", "deepseek", "Deepseek"),
        ("arctic", "arctic", "Arctic"),
    ],
)
def test_an_auto_map_config_of_an_unregistered_type_needs_remote_code(name, module, cls):
    cfg = config(name)
    assert not from_hf_config(cfg, name="m").remote_code  # no auto_map: nothing to run
    spec = from_hf_config({**cfg, "auto_map": auto_map(module, cls)}, name="m")
    assert spec.remote_code
    # a problem file's model table keeps it; the flag is not part of the model's shape
    again = ModelSpec.from_dict(spec.to_dict())
    assert again.remote_code and again == from_hf_config(cfg, name="m")


def test_an_auto_map_of_a_registered_type_or_without_autoconfig_needs_none():
    # DBRX is in transformers' CONFIG_MAPPING: its auto_map (older releases) is not used
    dbrx = {**config("dbrx"), "auto_map": auto_map("dbrx", "Dbrx")}
    assert not from_hf_config(dbrx, name="m").remote_code
    # an auto_map that names only a model class: AutoConfig still builds the registered one,
    # and an unregistered type without AutoConfig code cannot be loaded by any flag
    only_model = {"AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"}
    assert not needs_remote_code({**config("internlm2.5-7b"), "auto_map": only_model})
    assert not needs_remote_code({"model_type": "internlm2", "auto_map": "x"})


def test_unregistered_types_are_read_types():
    # every entry is a type the reader reads (lower case, as _model_type keys it)
    assert set(ARCHITECTURES) >= UNREGISTERED_TYPES


def test_remote_code_in_a_model_table_must_be_a_boolean():
    table = from_hf_config(config("internlm2.5-7b"), name="m").to_dict()
    with pytest.raises(InputError, match="remote_code"):
        ModelSpec.from_dict({**table, "remote_code": "yes"})


GEMMA2 = {
    "model_type": "gemma2",
    "hidden_size": 3584,
    "intermediate_size": 14336,
    "num_hidden_layers": 42,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
}


def test_final_logit_soft_capping_is_named():
    notes = from_hf_config({**GEMMA2, "attn_logit_softcapping": None}, name="m").approximations
    assert len(notes) == 1 and "final_logit_softcapping = 30.0" in notes[0]
    stated = from_hf_config({**GEMMA2, "final_logit_softcapping": 20.0}, name="m")
    assert any("final_logit_softcapping = 20.0" in n for n in stated.approximations)
    # Gemma 3 has no logit soft-capping (Gemma3TextConfig's default is None)
    gemma3 = from_hf_config({**GEMMA2, "model_type": "gemma3_text"}, name="m")
    assert not any("final_logit" in n for n in gemma3.approximations)


def test_final_logit_soft_capping_is_a_warning_of_plan_train_and_plan_serve():
    import planner.serve.api as serve_api
    import planner.train.api as train_api

    spec = from_hf_config({**GEMMA2, "attn_logit_softcapping": None}, name="m")
    prob = train_api.make_problem(spec, "8xH100", global_batch=8, seq_len=4096)
    assert any("final logit soft-capping" in w for w in prob.meta.get("warnings", []))
    sprob = serve_api.make_problem(spec, "H100:8", prompt_tokens=512, output_tokens=64)
    assert any("final logit soft-capping" in w for w in sprob.meta.get("warnings", []))
