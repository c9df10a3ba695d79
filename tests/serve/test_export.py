"""--export: launch commands whose flags are all in each tool's documented list."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.perfmodel.serving_features import Speculative
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.export import HEAD_PLACEHOLDER, TOOLS, checkpoint, export_plan


def problem(**kw):
    base = dict(qps=5.0, prompt_tokens="exp:500", output_tokens="exp:100")
    return make_problem(
        kw.pop("model", "llama-3.1-8b"), kw.pop("gpus", "H100:16"), **{**base, **kw}
    )


PLANS = {
    "colocated": ServingPlan((ReplicaGroup("H100-SXM", 2, 1, 1, 3, "both", 2048, 5.0),)),
    "pd": ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "prefill", 16384, 5.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 5.0),
        )
    ),
    "spec": ServingPlan(
        (ReplicaGroup("H100-SXM", 2, 1, 1, 1, "both", 512, 5.0, speculative=True),)
    ),
    # data-parallel attention over 4 groups, experts over all 4 GPUs (a MoE model's layout
    # every tool runs: SGLang on DeepSeek-V3, TensorRT-LLM at tp 1)
    "spec_ep": ServingPlan(
        (ReplicaGroup("H100-SXM", 1, 1, 4, 1, "both", 512, 5.0, speculative=True),)
    ),
    "pp": ServingPlan((ReplicaGroup("H100-SXM", 2, 2, 1, 1, "both", 8192, 5.0),)),
    "pd_pairs": ServingPlan(
        (
            ReplicaGroup("H100-SXM", 2, 1, 1, 2, "prefill", 16384, 5.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 2, "decode", 0, 5.0),
        )
    ),
}

PROBLEMS = {
    "plain": dict(),
    "fp8": dict(precision="fp8", kv_precision="fp8", max_batch=128, prefix_hit_rate=0.3),
    "int4_eagle": dict(precision="int4", speculative=Speculative("eagle", 4, 0.7)),
    "draft": dict(speculative=Speculative("draft", 3, 0.6, "llama-3.2-1b"), kv_block_tokens=32),
    "mtp": dict(model="deepseek-v3", speculative=Speculative("mtp", 1, 0.8)),
}


def flags(argv):
    return [a for a in argv if a.startswith("--")]


# each problem variant with one plan shape (every plan and every variant is covered)
CASES = [
    ("plain", "pp"),
    ("fp8", "pd"),
    ("int4_eagle", "spec"),
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
    if tool == "vllm" and plan_name == "spec_ep":  # DP engines (V1) with MTP (V0): refused
        with pytest.raises(InputError, match="data-parallel engines run on the V1 engine only"):
            export_plan(prob, plan, tool)
        return
    if tool == "sglang" and prob_name == "draft":  # refused before any search
        with pytest.raises(InputError, match="not a separate draft model"):
            export_plan(prob, plan, tool)
        return
    if tool == "vllm" and plan_name == "pd":  # 2 prefill : 1 decode cannot be linked
        with pytest.raises(InputError, match="2 prefill : 1 decode"):
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
    vllm = export_plan(prob, PLANS["pd_pairs"], "vllm")["commands"]
    assert [c["role"] for c in vllm] == ["prefill", "prefill", "decode", "decode"]
    assert value(vllm[2]["argv"], "--tensor-parallel-size") == "2"
    assert json.loads(value(vllm[0]["argv"], "--kv-transfer-config"))["kv_role"] == "kv_producer"
    assert json.loads(value(vllm[2]["argv"], "--kv-transfer-config"))["kv_role"] == "kv_consumer"
    assert value(vllm[0]["argv"], "--max-num-batched-tokens") == "16384"
    assert value(vllm[0]["argv"], "--kv-cache-dtype") == "fp8"
    assert value(vllm[0]["argv"], "--max-num-seqs") == "128"
    sglang = export_plan(prob, pd, "sglang")["commands"]
    assert value(sglang[2]["argv"], "--disaggregation-mode") == "decode"
    assert "--disable-radix-cache" not in sglang[0]["argv"]  # a prefix hit rate was given
    ep = export_plan(problem(**PROBLEMS["mtp"]), PLANS["spec_ep"], "trtllm")["commands"]
    assert value(ep[0]["argv"], "--tp_size") == "4" and value(ep[0]["argv"], "--ep_size") == "4"
    assert "enable_attention_dp: true" in ep[0]["extra_llm_api_options"]
    spec = export_plan(problem(**PROBLEMS["int4_eagle"]), PLANS["spec"], "trtllm")["commands"]
    assert "decoding_type: Eagle" in spec[0]["extra_llm_api_options"]
    assert "max_draft_len: 4" in spec[0]["extra_llm_api_options"]
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


@pytest.mark.parametrize("tool", ["vllm", "sglang", "trtllm"])
def test_export_target_times_the_plan_with_the_engine_it_launches(tool):
    """An export target without a named engine times the plan with that target at the version
    its commands are written for; the GPU vendor's default engine (TensorRT-LLM on NVIDIA)
    sized a --export vllm fleet that vLLM's own step times say misses the SLOs (s20user)."""
    p = problem(target=tool)
    assert (p.engine.name, p.engine.version) == (tool, TOOLS[tool].version)
    assert problem().engine is None  # no target: each pool's vendor's engine
    named = problem(target=tool, engine="sglang:0.4.7")
    assert (named.engine.name, named.engine.version) == ("sglang", "0.4.7")  # kept as named


def test_cli_export_plans_with_the_exported_engine(capsys):
    base = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:4", "--qps", "2"]
    base += ["--prompt-tokens", "300", "--output-tokens", "50", "--tpot", "50ms", "--json"]
    runs = {}
    for extra in (["--export", "vllm"], ["--export", "vllm", "--engine", "vllm:0.8.5"]):
        with pytest.raises(SystemExit) as exc:
            main([*base, *extra])
        assert exc.value.code == 0
        runs[len(extra)] = json.loads(capsys.readouterr().out)
    assert (runs[2]["engine"]["name"], runs[2]["engine"]["version"]) == ("vllm", "0.8.5")
    assert runs[2]["objective"] == runs[4]["objective"]
    assert runs[2]["ttft_s"] == runs[4]["ttft_s"] and runs[2]["tpot_s"] == runs[4]["tpot_s"]


def kv_config(command):
    return json.loads(value(command["argv"], "--kv-transfer-config"))


def test_vllm_prefill_decode_servers_are_linked_in_pairs():
    """PyNcclConnector links kv_rank 0 (prefill) with kv_rank 1 (decode) of a
    kv_parallel_size-2 group; without them the servers do not start (audit #19)."""
    out = export_plan(problem(), PLANS["pd_pairs"], "vllm")
    commands = out["commands"]
    assert [c.get("pair") for c in commands] == [0, 1, 0, 1]
    for pair in (0, 1):
        pre, dec = (kv_config(c) for c in commands if c["pair"] == pair)
        assert (pre["kv_role"], pre["kv_rank"]) == ("kv_producer", 0)
        assert (dec["kv_role"], dec["kv_rank"]) == ("kv_consumer", 1)
        assert pre["kv_parallel_size"] == dec["kv_parallel_size"] == 2
        assert pre["kv_port"] == dec["kv_port"]  # one link per pair ...
    assert (
        kv_config(commands[0])["kv_port"] != kv_config(commands[1])["kv_port"]
    )  # ... each its own
    assert any("proxy" in n for n in out["notes"])


def test_vllm_refuses_a_ratio_its_connector_cannot_link():
    """docs/serve.md's 1 prefill : 2 decode plan cannot start with vLLM 0.8.5's PyNcclConnector."""
    plan = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "prefill", 8192, 10.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 2, "decode", 0, 10.0),
        )
    )
    with pytest.raises(InputError, match=r"1 prefill : 2 decode servers.*PyNcclConnector"):
        export_plan(problem(), plan, "vllm")
    # 1:1 but tp1 -> tp2: PyNccl sends rank to rank, the decode server's rank 1 has no peer
    mixed = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 8192, 10.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 10.0),
        )
    )
    with pytest.raises(InputError, match="same workload and tp / pp / ep"):
        export_plan(problem(), mixed, "vllm")
    for tool in ("sglang", "trtllm"):  # their P/D settings are not per pair
        assert len(export_plan(problem(), plan, tool)["commands"]) == 3


def eagle_heads(out):
    """The EAGLE head each command of an export names (``None``: none)."""
    heads = []
    for c in out["commands"]:
        argv = c["argv"]
        if "--speculative-config" in argv:
            heads.append(json.loads(value(argv, "--speculative-config")).get("model"))
        elif "--speculative-draft-model-path" in argv:
            heads.append(value(argv, "--speculative-draft-model-path"))
        else:
            yaml = c.get("extra_llm_api_options", "")
            found = [x.split(": ")[1] for x in yaml.splitlines() if "speculative_model_dir" in x]
            heads.append(found[0] if found else None)
    return heads


def test_eagle_commands_name_the_head():
    """vLLM / SGLang EAGLE without a head model do not start (audit #19): a published head of
    the catalog model, the user's --draft-model, or a placeholder with a note."""
    plan = PLANS["spec"]
    known = problem(speculative=Speculative("eagle", 3, 0.7))
    assert eagle_heads(export_plan(known, plan, "vllm")) == ["yuhuili/EAGLE-LLaMA3.1-Instruct-8B"]
    # SGLang loads heads converted to its format: none known for the catalog models
    out = export_plan(known, plan, "sglang")
    assert eagle_heads(out) == [HEAD_PLACEHOLDER] and "SGLang-format" in out["notes"][0]
    # TensorRT-LLM 1.0's PyTorch backend runs EAGLE-3 heads
    assert eagle_heads(export_plan(known, plan, "trtllm")) == [
        "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"
    ]
    conf = json.loads(
        value(export_plan(known, plan, "vllm")["commands"][0]["argv"], "--speculative-config")
    )
    assert conf["method"] == "eagle" and conf["num_speculative_tokens"] == 3
    given = problem(speculative=Speculative("eagle", 3, 0.7, "/heads/mine"))
    unknown = problem(model="llama-3.1-70b", speculative=Speculative("eagle", 3, 0.7))
    for tool in sorted(TOOLS):
        # the plan's 512-token chunk caps vLLM's sequences (s25servex), the one note there
        notes = [n for n in export_plan(known, plan, tool)["notes"] if "max-num-seqs" not in n]
        assert tool == "sglang" or notes == []
        assert eagle_heads(export_plan(given, plan, tool)) == ["/heads/mine"]
        out = export_plan(unknown, plan, tool)
        assert eagle_heads(out) == [HEAD_PLACEHOLDER]
        assert any("llama-3.1-70b" in n and HEAD_PLACEHOLDER in n for n in out["notes"])


def test_mtp_needs_the_models_own_layers():
    """MTP on a model without MTP layers was accepted and exported as deepseek_mtp."""
    for name in ("llama-3.1-8b", "mixtral-8x7b"):
        with pytest.raises(InputError, match=f"{name} has none"):
            problem(model=name, speculative=Speculative("mtp", 1, 0.8))
    with pytest.raises(InputError, match="no draft model"):
        Speculative("mtp", 1, 0.8, "some/model")
    # SGLang 0.4.6 has EAGLE / NEXTN, no separate draft model (was exported as EAGLE)
    with pytest.raises(InputError, match="not a separate draft model"):
        export_plan(problem(**PROBLEMS["draft"]), PLANS["spec_ep"], "sglang")
    prob = problem(model="deepseek-v3", speculative=Speculative("mtp", 2, 0.8))
    vllm = export_plan(prob, PLANS["spec"], "vllm")["commands"][0]["argv"]
    conf = json.loads(value(vllm, "--speculative-config"))
    assert conf == {"num_speculative_tokens": 2, "method": "deepseek_mtp"}
    sglang = export_plan(prob, PLANS["spec_ep"], "sglang")["commands"][0]["argv"]
    assert value(sglang, "--speculative-algorithm") == "NEXTN"
    # SGLang 0.4.x loads DeepSeek-V3's MTP layers as an exported NextN checkpoint
    assert value(sglang, "--speculative-draft-model-path") == "lmsys/DeepSeek-V3-NextN"
    yaml = export_plan(prob, PLANS["spec_ep"], "trtllm")["commands"][0]["extra_llm_api_options"]
    assert "decoding_type: MTP" in yaml and "num_nextn_predict_layers: 2" in yaml
    assert "max_draft_len" not in yaml  # 1.0 configs count MTP drafts in the layers field


def test_cli_eagle_head_reaches_the_export(capsys):
    """--draft-model with --speculative eagle was refused: there was no way to give the head."""
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:4", "--qps", "2"]
    args += ["--prompt-tokens", "exp:1024", "--output-tokens", "exp:256", "--ttft", "1s"]
    args += ["--tpot", "7ms", "--speculative", "eagle", "--draft-model", "my-org/my-head"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "-t", "30", "--export", "vllm", "--json"])
    assert exc.value.code == 0
    export = json.loads(capsys.readouterr().out)["export"]
    heads = [h for h in eagle_heads(export) if h is not None]
    assert heads and set(heads) == {"my-org/my-head"}  # the plan uses EAGLE somewhere


def test_commands_load_a_checkpoint_or_say_which_is_missing(tmp_path):
    """Catalog names without a Hugging Face id (qwen3-30b-a3b, gpt-oss) were written as the
    model to load; a draft model's catalog name likewise."""
    assert checkpoint("qwen3-30b-a3b") == ("Qwen/Qwen3-30B-A3B", True)
    assert checkpoint("org/some-model") == ("org/some-model", True)
    assert checkpoint("mine", str(tmp_path / "mine" / "config.json")) == (
        str(tmp_path / "mine"),
        True,
    )
    assert checkpoint("gpt-7.5b") == ("gpt-7.5b", False)
    out = export_plan(problem(model="gpt-7.5b"), PLANS["colocated"], "vllm")
    assert any("no checkpoint of gpt-7.5b" in n for n in out["notes"])
    draft = Speculative("draft", 3, 0.6, "llama-3.1-8b")
    out = export_plan(problem(model="llama-3.1-70b", speculative=draft), PLANS["spec"], "vllm")
    conf = json.loads(value(out["commands"][0]["argv"], "--speculative-config"))
    assert conf["model"] == "meta-llama/Llama-3.1-8B-Instruct" and out["notes"] == []
    out = export_plan(problem(**PROBLEMS["draft"]), PLANS["spec"], "trtllm")
    assert any("draft model llama-3.2-1b" in n for n in out["notes"])


def test_notes_are_printed_before_the_commands():
    from rich.console import Console

    from planner.serve.report import print_export

    console = Console(record=True, width=200)
    unknown = problem(model="llama-3.1-70b", speculative=Speculative("eagle", 3, 0.7))
    print_export(export_plan(unknown, PLANS["spec"], "vllm"), console=console)
    text = console.export_text()
    assert text.index("# note: the EAGLE commands need a head") < text.index("vllm serve")


def test_vllm_pairs_stay_inside_a_workload_and_do_not_depend_on_group_order():
    # chat 2 prefill + 1 decode, code 1 prefill + 2 decode: 3 : 3 servers, but a code decode
    # server would receive chat's KV (s12review); decode groups listed first pair all the same
    crossed = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 2, 1, 1, 2, "prefill", 8192, 4.0, workload="chat"),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 4.0, workload="chat"),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "prefill", 8192, 2.0, workload="code"),
            ReplicaGroup("H100-SXM", 2, 1, 1, 2, "decode", 0, 2.0, workload="code"),
        )
    )
    with pytest.raises(InputError, match="same workload"):
        export_plan(problem(), crossed, "vllm")
    ordered = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 4.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "prefill", 8192, 4.0),
        )
    )
    commands = export_plan(problem(), ordered, "vllm")["commands"]
    assert [c.get("pair") for c in commands] == [0, 0]


def test_eagle3_heads_run_as_eagle3(tmp_path):
    """An EAGLE-3 head was exported with vLLM method ``eagle`` / SGLang ``EAGLE``, which build
    it as an EAGLE-1 model (vLLM 0.8.5 ``EAGLEConfig``: ``Eagle{arch}`` vs ``Eagle3{arch}``) or
    skip its feature fusion (sgl-project/sglang#21272)."""
    plan = PLANS["spec"]

    def method(prob, tool):
        argv = export_plan(prob, plan, tool)["commands"][0]["argv"]
        if tool == "vllm":
            return json.loads(value(argv, "--speculative-config"))["method"]
        return value(argv, "--speculative-algorithm")

    eagle3 = problem(
        speculative=Speculative("eagle", 3, 0.7, "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B")
    )
    assert (method(eagle3, "vllm"), method(eagle3, "sglang")) == ("eagle3", "EAGLE3")
    # the published EAGLE-1 head vLLM gets by default, and a named EAGLE-1 head: eagle
    assert method(problem(speculative=Speculative("eagle", 3, 0.7)), "vllm") == "eagle"
    eagle1 = problem(speculative=Speculative("eagle", 3, 0.7, "yuhuili/EAGLE-LLaMA3.1-Instruct-8B"))
    assert (method(eagle1, "vllm"), method(eagle1, "sglang")) == ("eagle", "EAGLE")
    # a local head whose config names an Eagle3 architecture
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLMEagle3"]}))
    local = problem(speculative=Speculative("eagle", 3, 0.7, str(tmp_path)))
    assert (method(local, "vllm"), method(local, "sglang")) == ("eagle3", "EAGLE3")
    # vLLM 0.8.5 runs EAGLE-3 on Llama targets only
    mixtral = problem(
        model="mixtral-8x7b", speculative=Speculative("eagle", 3, 0.7, "org/Mixtral-EAGLE3-head")
    )
    with pytest.raises(InputError, match=r"EAGLE-3 heads .* Llama models only"):
        export_plan(mixtral, plan, "vllm")


def test_models_the_stated_version_cannot_run_are_refused():
    """gpt-oss is in none of the stated versions' registries (vLLM 0.8.5, SGLang 0.4.6,
    TensorRT-LLM 1.0); Moonshot requires vLLM >= 0.10.0rc1 for Kimi-K2, whose checkpoint
    also carries its own config and tokenizer code. Llama 4 is in vLLM 0.8.5's registry."""
    oss = problem(model="gpt-oss-20b")
    for tool, first in (("vllm", "0.10.1"), ("sglang", "0.5.0rc2"), ("trtllm", "1.1.0")):
        with pytest.raises(InputError, match=f"gpt-oss-20b .*{TOOLS[tool].version}.* {first} on"):
            export_plan(oss, PLANS["colocated"], tool)
    kimi = problem(model="kimi-k2", qps=1.0)
    with pytest.raises(InputError, match=r"kimi-k2 .* from 0\.10\.0rc1 on"):
        export_plan(kimi, PLANS["colocated"], "vllm")
    for tool, flag in (("sglang", "--trust-remote-code"), ("trtllm", "--trust_remote_code")):
        argv = export_plan(kimi, PLANS["colocated"], tool)["commands"][0]["argv"]
        assert flag in argv and flag in TOOLS[tool].flags
    plain = export_plan(problem(model="llama-4-scout"), PLANS["colocated"], "vllm")
    assert "--trust-remote-code" not in plain["commands"][0]["argv"]


def test_cli_refuses_an_unrunnable_model_before_the_search(capsys):
    args = ["plan", "serve", "--model", "gpt-oss-20b", "--gpus", "H100:1", "--qps", "1"]
    args += ["--prompt-tokens", "1000", "--output-tokens", "100", "--export", "vllm"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "vllm 0.8.5" in captured.err and "0.10.1" in captured.err
    assert "serving plan" not in captured.out  # refused before solving


@pytest.mark.parametrize(
    ("model", "engine", "first"),
    [
        ("gpt-oss-20b", "vllm:0.8.5", "0.10.1"),
        ("gpt-oss-20b", "sglang:0.4.6", "0.5.0rc2"),
        ("kimi-k2", "vllm:0.9.2", "0.10.0rc1"),
    ],
)
def test_cli_refuses_an_engine_release_that_cannot_run_the_model(capsys, model, engine, first):
    """Timing for ``--engine vllm:0.8.5`` on gpt-oss planned a launch that release cannot
    load (exit 0); it is refused in one line naming the flag, like ``--export``."""
    args = ["plan", "serve", "--model", model, "--gpus", "H200:16", "--qps", "1"]
    args += ["--prompt-tokens", "1000", "--output-tokens", "100", "--engine", engine, "-t", "5"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    captured = capsys.readouterr()
    assert exc.value.code == 2
    assert captured.err.startswith(f"planner: error: --engine {engine}:")
    assert f"from {first} on" in captured.err and "Traceback" not in captured.err
    assert "serving plan" not in captured.out  # refused before solving


def test_vllm_export_searches_only_paired_prefill_decode_plans():
    """The disaggregation example's optimum (1 x tp2 prefill + 2 x tp2 decode) cannot start
    under vLLM 0.8.5's PyNcclConnector and its export exited 2 after the search; with
    --export vllm the search keeps prefill and decode servers in 1:1 pairs per layout."""
    from planner.core.result import Status
    from planner.serve.api import solve
    from planner.serve.export import launchable

    tight = dict(ttft="2s", tpot="6ms", disaggregation="allow")
    # timed with TensorRT-LLM as named: an export target without an engine now times the plan
    # with its own engine, and vLLM 0.8.5's host time per step leaves no plan at TPOT 6 ms
    # (INFEASIBLE); the pairing rule under test does not depend on the timing engine
    prob = problem(
        gpus="H100:8",
        qps=10,
        prompt_tokens="exp:4000",
        output_tokens="exp:300",
        engine="trtllm",
        **tight,
    )
    free = solve(prob, "auto", time_limit=30)
    with pytest.raises(InputError, match="PyNcclConnector"):
        export_plan(prob, free.solution, "vllm")
    paired = solve(launchable(prob, "vllm"), "auto", time_limit=30)
    assert paired.status is Status.OPTIMAL
    counts: dict = {}
    for g in paired.solution.replicas:
        key = (g.tp, g.pp, g.ep)
        sign = {"prefill": 1, "decode": -1}.get(g.role, 0)
        counts[key] = counts.get(key, 0) + sign * g.count
    assert set(counts.values()) == {0}
    assert export_plan(prob, paired.solution, "vllm")["commands"]
    # verify checks the pairing itself (not only the MIP's rows): the free plan breaks it
    from planner.serve.evaluate import verify

    assert any(v.startswith("pd_pairs:") for v in verify(launchable(prob, "vllm"), free.solution))
    assert verify(launchable(prob, "vllm"), paired.solution) == []
    # the pairing is a restriction: never cheaper than the free plan's bound
    if free.bound is not None:
        assert paired.objective >= free.bound - 1e-9
    # k smaller prefill (decode) servers do not stand in for one whose pair partner has no
    # smaller twin: no prefill or decode layout is dismissed as dominated when paired
    from planner.serve.candidates import candidates_within

    def dominated(p):
        cands, _ = candidates_within(p, None)
        return [c for c in cands if c.role != "both" and "on the same GPUs" in c.reason]

    assert dominated(prob) and not dominated(launchable(prob, "vllm"))
    # SGLang 0.4.6 has no pipeline flag: its search excludes every pp > 1 layout, saying why
    from planner.serve.candidates import layouts

    piped = [lay for lay in layouts(launchable(prob, "sglang")) if lay.config.pp > 1]
    assert piped and all(lay.reason for lay in piped)
    assert any("SGLang 0.4.6 cannot launch it: pp" in lay.reason for lay in piped)


def test_cli_prints_the_plan_when_its_export_is_refused(capsys, monkeypatch):
    """An export refusal after the search lost the plan (exit 2, nothing printed)."""
    import planner.serve.export as export

    def refuse(*args, **kwargs):
        raise InputError("--export vllm: cannot start this plan")

    monkeypatch.setattr(export, "export_plan", refuse)
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--qps", "1"]
    args += ["--prompt-tokens", "500", "--output-tokens", "100", "--export", "vllm", "-t", "30"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "serving plan" in captured.out and "cannot start this plan" in captured.err


def test_trtllm_keeps_only_the_window_on_sliding_layers():
    """The plan's KV sizing assumes TensorRT-LLM frees a sliding layer's out-of-window KV,
    which it does when kv_cache_config.max_attention_window lists the windows."""
    from pathlib import Path

    from planner.serve.export import attention_windows

    config = Path(__file__).resolve().parents[1] / "data" / "hf_configs"
    mistral = problem(model=str(config / "mistral-7b-instruct-v0.1.json"))
    yaml = export_plan(mistral, PLANS["colocated"], "trtllm")["commands"][0]
    assert "max_attention_window: [4096]" in yaml["extra_llm_api_options"]
    # SGLang 0.4.6 keeps every layer's context: the plan (sized for TensorRT-LLM) says so
    notes = export_plan(mistral, PLANS["colocated"], "sglang")["notes"]
    assert any("keeps the whole context" in n and "--engine sglang:0.4.6" in n for n in notes)
    assert attention_windows(problem(model="gpt-oss-20b")) == [128, 131072]
    assert attention_windows(problem(model="llama-4-scout")) is None  # chunked, not sliding
    assert attention_windows(problem()) is None


def test_trtllm_export_says_when_the_plan_was_sized_for_the_engine_flow():
    """A plan sized for a TensorRT-LLM release before 1.0 (built engines, C++ runtime, the
    fixed reserve) launched as 1.0.0's --backend pytorch holds another KV pool: said in a note."""
    old = export_plan(problem(engine="trtllm:0.17.0"), PLANS["colocated"], "trtllm")
    assert value(old["commands"][0]["argv"], "--backend") == "pytorch"
    said = [n for n in old["notes"] if "trtllm 0.17.0" in n]
    assert len(said) == 1 and "--engine trtllm:1.0.0" in said[0]
    for engine in ("trtllm:1.0.0", None, "vllm:0.8.5"):  # sized for the flow the export runs
        notes = export_plan(problem(engine=engine), PLANS["colocated"], "trtllm")["notes"]
        assert not any("PyTorch backend" in n for n in notes), (engine, notes)
    assert not any(
        "0.17.0" in n
        for n in export_plan(problem(engine="trtllm:0.17.0"), PLANS["colocated"], "vllm")["notes"]
    )


def test_trtllm_expert_parallel_attention_matches_the_plan():
    """A tp1 epN replica plans data-parallel attention over its N ranks: TensorRT-LLM needs
    enable_attention_dp, else it runs attention N-way tensor-parallel (Llama 4 Scout tp1 ep16:
    40 heads on 16 ranks, which does not start). tp > 1 with ep > 1 (attention tp-way inside
    ep data-parallel groups) is neither of TensorRT-LLM 1.0's attention modes: it was
    exported with a note (Scout tp2 ep4, attention run 8-way) or refused (tp4 ep4); it is
    refused, and the search does not offer it (test_targets.py)."""
    scout = problem(model="llama-4-scout", qps=2.0)

    def one(tp, ep):
        return ServingPlan((ReplicaGroup("H100-SXM", tp, 1, ep, 1, "both", 512, 2.0),))

    out = export_plan(scout, one(1, 16), "trtllm")
    (cmd,) = out["commands"]
    assert value(cmd["argv"], "--tp_size") == "16" and value(cmd["argv"], "--ep_size") == "16"
    assert "enable_attention_dp: true" in cmd["extra_llm_api_options"]
    for tp, ep in ((2, 4), (4, 4)):
        with pytest.raises(InputError, match="attention runs data-parallel over all ranks"):
            export_plan(scout, one(tp, ep), "trtllm")


def test_trtllm_window_list_of_a_gemma3_pattern():
    """Gemma 3 27B (google/gemma-3-27b-it config.json: 62 layers, sliding_window 1024, every
    6th layer global, 131072 positions) has 10 global layers, not a divisor of 62: the export
    refused it although the period-6 list TensorRT-LLM repeats over the layers is exact."""
    from planner.perfmodel.readers import from_hf_config
    from planner.serve.export import attention_windows

    kinds = ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(62)]
    cfg = dict(
        model_type="llama",
        hidden_size=5376,
        intermediate_size=21504,
        num_hidden_layers=62,
        num_attention_heads=32,
        num_key_value_heads=16,
        head_dim=128,
        vocab_size=262208,
        max_position_embeddings=131072,
        sliding_window=1024,
        layer_types=kinds,
    )
    spec = from_hf_config(cfg, name="gemma-3-27b-like")
    assert spec.full_attention_layers == 10
    assert attention_windows(problem(model=spec)) == [1024] * 5 + [131072]
    uneven = from_hf_config(
        {**cfg, "layer_types": kinds[:58] + ["full_attention"] * 4}, name="uneven"
    )  # 13 full of 62: no n-th-layer pattern
    with pytest.raises(InputError, match="not every n-th layer"):
        attention_windows(problem(model=uneven))


TWO_TYPES = ServingPlan(
    (
        ReplicaGroup("H100-SXM", 2, 1, 1, 2, "both", 2048, 6.0),
        ReplicaGroup("A100-80GB", 4, 1, 1, 1, "both", 2048, 4.0),
    )
)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_two_replica_types_export_the_routers_weights(tool):
    """The plan's split (6 req/s over two H100 servers, 4 on one A100) was not in the export:
    a round-robin balancer sends a third to each."""
    prob = problem(gpus="H100:4,A100:8", qps=10.0)
    out = export_plan(prob, TWO_TYPES, tool)
    assert [c["weight"] for c in out["commands"]] == [0.3, 0.3, 0.4]
    assert out["router"] == [
        {
            "stage": "requests",
            "servers": [
                {"port": 8000, "weight": 0.3},
                {"port": 8001, "weight": 0.3},
                {"port": 8002, "weight": 0.4},
            ],
        }
    ]
    (note,) = [n for n in out["notes"] if n.startswith("router:")]
    assert "port 8000, 8001: 0.3000 each (2 x H100-SXM tp2 (both))" in note
    assert "port 8002: 0.4000 (1 x A100-80GB tp4 (both))" in note


def test_router_weights_per_stage_and_workload():
    """Prefill servers share the new requests, decode servers the prefilled ones; each
    workload of a fleet is routed over its own servers. One type at equal load: no note."""
    pd = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "prefill", 16384, 5.0),
            ReplicaGroup("A100-80GB", 1, 1, 1, 1, "prefill", 16384, 2.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 7.0),
        )
    )
    out = export_plan(problem(gpus="H100:4,A100:8"), pd, "sglang")
    stages = {r["stage"]: [s["weight"] for s in r["servers"]] for r in out["router"]}
    assert stages == {"requests": [0.357143, 0.357143, 0.285714], "decode": [1.0]}
    fleet = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "both", 2048, 3.0, workload="chat"),
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 1.0, workload="batch"),
        )
    )
    out = export_plan(problem(), fleet, "vllm")
    assert [(r["workload"], [s["weight"] for s in r["servers"]]) for r in out["router"]] == [
        ("chat", [0.5, 0.5]),
        ("batch", [1.0]),
    ]
    assert not any(n.startswith("router:") for n in out["notes"])


def yaml_section(text: str, key: str) -> dict[str, str] | None:
    """The ``key: value`` lines nested one level under top-level ``key`` of an options file
    as the export writes it (:func:`planner.serve.export._yaml_text`: two-space indents);
    ``None`` when the file has no such top-level key."""
    section: dict[str, str] | None = None
    inside = False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            inside = line.split(":")[0] == key
            if inside:
                section = {}
        elif inside and line.startswith("  ") and not line.startswith("   "):
            name, _, rest = line.strip().partition(":")
            section[name] = rest.strip()
    return section


def trtllm_serve_kv_fraction(command: dict) -> float:
    """The ``free_gpu_memory_fraction`` trtllm-serve 1.0 runs ``command`` with: the flag
    ``--kv_cache_free_gpu_memory_fraction`` (default 0.9) builds ``kv_cache_config``, and the
    ``--extra_llm_api_options`` YAML's top-level keys then replace the CLI's whole
    (``update_llm_args_with_extra_dict``: ``llm_args | llm_args_dict``, a shallow merge), a
    ``kv_cache_config`` without the key falling back to ``KvCacheConfig``'s 0.9."""
    argv = command["argv"]
    flag = "--kv_cache_free_gpu_memory_fraction"
    kv_cache_config = {"free_gpu_memory_fraction": value(argv, flag) if flag in argv else "0.9"}
    options = yaml_section(command.get("extra_llm_api_options", ""), "kv_cache_config")
    if options is not None:  # replaces the CLI's KvCacheConfig, not merged into it
        kv_cache_config = options
    return float(kv_cache_config.get("free_gpu_memory_fraction", "0.9"))


def test_vllm_export_launches_the_memory_share_the_plan_was_sized_with():
    """A plan timed with ``--engine vllm:...,mem=0.95`` sized its KV cache from 95 % of the
    GPU; its vLLM servers run with ``--gpu-memory-utilization 0.95`` (vLLM's default is 0.9,
    which the export leaves to vLLM when the plan used it)."""
    sized = problem(engine="vllm:0.8.5,mem=0.95")
    for plan in ("colocated", "pd_pairs"):
        for cmd in export_plan(sized, PLANS[plan], "vllm")["commands"]:
            assert value(cmd["argv"], "--gpu-memory-utilization") == "0.95"
    for cmd in export_plan(problem(engine="vllm:0.8.5"), PLANS["colocated"], "vllm")["commands"]:
        assert "--gpu-memory-utilization" not in cmd["argv"]


def test_trtllm_export_launches_the_kv_fraction_the_plan_was_sized_with():
    """A plan timed with ``--engine trtllm,kv=0.95`` has a KV pool of 95 % of the free
    memory; its servers run with that fraction (TensorRT-LLM's default is 0.90), also the
    prefill / decode servers (``Engine.for_role`` keeps it). The export always writes a
    ``kv_cache_config`` to the options YAML, which overrides the command-line flag, so the
    fraction has to be in the YAML (s28rev: the flag alone left every server at 0.90)."""
    sized = problem(engine="trtllm:1.0,kv=0.95")
    for plan, servers in (("colocated", 3), ("pd", 3)):
        commands = export_plan(sized, PLANS[plan], "trtllm")["commands"]
        assert len(commands) == servers  # one server per replica
        for cmd in commands:
            assert trtllm_serve_kv_fraction(cmd) == 0.95
    for cmd in export_plan(problem(), PLANS["colocated"], "trtllm")["commands"]:
        assert trtllm_serve_kv_fraction(cmd) == 0.9
        assert "free_gpu_memory_fraction" not in cmd["extra_llm_api_options"]
