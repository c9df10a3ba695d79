"""--export of a user's config (s24polish): the trust-remote-code flag, the unchecked architecture.

A config whose ``auto_map`` names an ``AutoConfig`` for a ``model_type`` transformers does not
register (InternLM2 here) loads its checkpoint's own config code: every tool gets its spelling
of the flag (vLLM 0.8.5 and SGLang 0.4.6 ``--trust-remote-code``, ``trtllm-serve`` 1.0
``--trust_remote_code``). The same config without ``auto_map`` gets none. Fails on main (its
``REMOTE_CODE`` lists only kimi_k2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.perfmodel.readers import from_hf_config
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.export import TOOLS, TRUST_FLAG, export_plan

CONFIG = Path(__file__).resolve().parents[1] / "data" / "hf_configs_reconstructed"
INTERNLM2 = json.loads((CONFIG / "internlm2.5-7b.json").read_text())
AUTO_MAP = {
    "AutoConfig": "configuration_internlm2.InternLM2Config",
    "AutoModel": "modeling_internlm2.InternLM2ForCausalLM",
    "AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM",
}
PLAN = ServingPlan((ReplicaGroup("H100-SXM", 2, 1, 1, 2, "both", 2048, 2.0),))


def commands(cfg: dict, tool: str) -> list[list[str]]:
    spec = from_hf_config(cfg, name="internlm2.5-7b")
    problem = make_problem(spec, "H100:8", qps=2.0, prompt_tokens=500, output_tokens=100)
    return [c["argv"] for c in export_plan(problem, PLAN, tool)["commands"]]


@pytest.mark.parametrize("tool", ["vllm", "sglang", "trtllm"])
def test_the_flag_follows_the_configs_auto_map(tool):
    flag = TRUST_FLAG[tool]
    assert flag in TOOLS[tool].flags  # the stated version's documented spelling
    with_code = commands({**INTERNLM2, "auto_map": AUTO_MAP}, tool)
    assert len(with_code) == 2 and all(argv.count(flag) == 1 for argv in with_code)
    without = commands(INTERNLM2, tool)
    assert not any(flag in argv for argv in without)


def test_a_registered_type_with_an_auto_map_gets_no_flag():
    # Granite is in transformers' CONFIG_MAPPING: AutoConfig builds its own class
    granite = json.loads((CONFIG / "granite-3.1-8b.json").read_text())
    cfg = {**granite, "auto_map": {"AutoConfig": "configuration_granite.GraniteConfig"}}
    argv = commands(cfg, "vllm")[0]
    assert "--trust-remote-code" not in argv


def test_an_architecture_outside_the_catalog_is_said_not_checked():
    # DBRX: no catalog model has its architecture, so no tool's registry was checked for it
    dbrx = from_hf_config(json.loads((CONFIG / "dbrx.json").read_text()), name="dbrx")
    problem = make_problem(dbrx, "H100:8", qps=1.0, prompt_tokens=500, output_tokens=100)
    plan = ServingPlan((ReplicaGroup("H100-SXM", 4, 1, 1, 1, "both", 2048, 1.0),))
    for tool in ("vllm", "sglang", "trtllm"):
        notes = export_plan(problem, plan, tool)["notes"]
        said = [n for n in notes if "outside the catalog's architectures" in n]
        assert len(said) == 1 and f"{TOOLS[tool].version} runs DBRX was not checked" in said[0]
    # a catalog architecture gets no such note
    llama = make_problem("llama-3.1-8b", "H100:8", qps=1.0, prompt_tokens=500, output_tokens=100)
    notes = export_plan(llama, PLAN, "vllm")["notes"]
    assert not any("outside the catalog" in n for n in notes)
