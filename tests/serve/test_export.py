"""--export: launch commands whose flags are all in each tool's documented list."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.perfmodel.serving_features import Speculative
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.export import TOOLS, export_plan


def problem(**kw):
    base = dict(qps=5.0, prompt_tokens="exp:500", output_tokens="exp:100")
    return make_problem(kw.pop("model", "llama-3.1-8b"), "H100:16", **{**base, **kw})


PLANS = {
    "colocated": ServingPlan((ReplicaGroup("H100-SXM", 2, 1, 1, 3, "both", 2048, 5.0),)),
    "pd": ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "prefill", 16384, 5.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 5.0),
        )
    ),
    "spec_ep": ServingPlan(
        (ReplicaGroup("H100-SXM", 2, 1, 4, 1, "both", 512, 5.0, speculative=True),)
    ),
    "pp": ServingPlan((ReplicaGroup("H100-SXM", 2, 2, 1, 1, "both", 8192, 5.0),)),
}

PROBLEMS = {
    "plain": dict(),
    "fp8": dict(precision="fp8", kv_precision="fp8", max_batch=128, prefix_hit_rate=0.3),
    "int4_eagle": dict(precision="int4", speculative=Speculative("eagle", 4, 0.7)),
    "draft": dict(speculative=Speculative("draft", 3, 0.6, "llama-3.2-1b"), kv_block_tokens=32),
    "mtp": dict(model="mixtral-8x7b", speculative=Speculative("mtp", 1, 0.8)),
}


def flags(argv):
    return [a for a in argv if a.startswith("--")]


# each problem variant with one plan shape (every plan and every variant is covered)
CASES = [
    ("plain", "pp"),
    ("fp8", "pd"),
    ("int4_eagle", "spec_ep"),
    ("draft", "colocated"),
    ("mtp", "spec_ep"),
]


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize(("prob_name", "plan_name"), CASES)
def test_every_flag_is_documented_for_the_stated_version(tool, prob_name, plan_name):
    prob, plan = problem(**PROBLEMS[prob_name]), PLANS[plan_name]
    if tool == "sglang" and plan_name == "pp":
        with pytest.raises(InputError, match="pipeline"):
            export_plan(prob, plan, tool)
        return
    out = export_plan(prob, plan, tool)
    spec = TOOLS[tool]
    assert out["version"] == spec.version and out["doc"].startswith("https://")
    assert len(out["commands"]) == sum(g.count for g in plan.replicas)
    assert len({c["port"] for c in out["commands"]}) == len(out["commands"])
    for c in out["commands"]:
        assert c["argv"][: len(spec.program)] == list(spec.program)
        used = flags(c["argv"])
        assert set(used) <= spec.flags, set(used) - spec.flags
        assert len(used) == len(set(used))  # no flag twice
        for line in c.get("extra_llm_api_options", "").splitlines():
            if line and not line.startswith(" "):
                assert line.split(":")[0] in spec.yaml_keys


def value(argv, flag):
    return argv[argv.index(flag) + 1]


def test_commands_carry_the_plan():
    prob = problem(**PROBLEMS["fp8"])
    pd = PLANS["pd"]
    vllm = export_plan(prob, pd, "vllm")["commands"]
    assert [c["role"] for c in vllm] == ["prefill", "prefill", "decode"]
    assert value(vllm[2]["argv"], "--tensor-parallel-size") == "2"
    assert json.loads(value(vllm[0]["argv"], "--kv-transfer-config"))["kv_role"] == "kv_producer"
    assert json.loads(value(vllm[2]["argv"], "--kv-transfer-config"))["kv_role"] == "kv_consumer"
    assert value(vllm[0]["argv"], "--max-num-batched-tokens") == "16384"
    assert value(vllm[0]["argv"], "--kv-cache-dtype") == "fp8"
    assert value(vllm[0]["argv"], "--max-num-seqs") == "128"
    sglang = export_plan(prob, pd, "sglang")["commands"]
    assert value(sglang[2]["argv"], "--disaggregation-mode") == "decode"
    assert "--disable-radix-cache" not in sglang[0]["argv"]  # a prefix hit rate was given
    ep = export_plan(problem(**PROBLEMS["int4_eagle"]), PLANS["spec_ep"], "trtllm")["commands"]
    assert value(ep[0]["argv"], "--tp_size") == "8" and value(ep[0]["argv"], "--ep_size") == "4"
    assert "decoding_type: Eagle" in ep[0]["extra_llm_api_options"]
    assert "max_draft_len: 4" in ep[0]["extra_llm_api_options"]
    with pytest.raises(InputError, match="--export"):
        export_plan(prob, pd, "tgi")


def test_cli_export_json_key_and_bad_value(capsys):
    base = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:4", "--qps", "2"]
    base += ["--prompt-tokens", "300", "--output-tokens", "50", "--tpot", "50ms"]
    with pytest.raises(SystemExit) as exc:
        main([*base, "--export", "sglang", "--json"])
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["export"]["tool"] == "sglang"
    assert d["export"]["commands"][0]["argv"][:3] == ["python", "-m", "sglang.launch_server"]
    with pytest.raises(SystemExit) as exc:
        main([*base, "--export", "tgi"])
    assert exc.value.code == 2
    assert "--export" in capsys.readouterr().err
