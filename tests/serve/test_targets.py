"""Export targets: the search offers only layouts the target launches (one predicate, read by
the search, ``verify`` and the export), SGLang 0.4.6's expert-parallel flags, the fp8 KV cache
per engine, and a hypothesis sweep: every plan the search returns for a target exports with
flags of the stated version and legal values."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.core.errors import InputError
from planner.core.result import Status
from planner.perfmodel.serving_features import Speculative
from planner.serve import ReplicaGroup, ServingPlan, make_problem
from planner.serve.api import solve
from planner.serve.candidates import layouts
from planner.serve.evaluate import verify
from planner.serve.export import (
    TOOLS,
    VLLM_BLOCK_SIZES,
    export_plan,
    launchable,
    restriction_effect,
)
from planner.serve.targets import group_refusal, refusal_prefix
from planner.serve.workloads import export_problem

DATA = Path(__file__).resolve().parents[1] / "data"
#: SGLang 0.4.6's flags as its wheel's server_args.py declares them
#: (bench/session_runs/s17export/extract_sglang_flags.py)
SGLANG = json.loads((DATA / "sglang_0.4.6_server_args.json").read_text())["flags"]

QWEN = dict(prompt_tokens="exp:1000", output_tokens="exp:200", ttft="2s", tpot="20ms")


def qwen(**kw):
    """Qwen3-30B-A3B at 40 req/s on 8 H100: the unrestricted optimum was 1 x tp2 ep2
    (bench/session_runs/s17export/probe_mixed_layouts.txt; tp1 ep4 since the nineteenth
    session's refit), a layout TensorRT-LLM 1.0 and SGLang 0.4.6 cannot launch as priced."""
    return make_problem("qwen3-30b-a3b", kw.pop("gpus", "H100:8"), qps=40, **{**QWEN, **kw})


def mixed(plan):
    return [g.label() for g in plan.replicas if g.tp > 1 and g.ep > 1]


def test_search_offers_only_layouts_the_target_launches():
    """--export trtllm searched every layout and the optimum (tp2 ep2) was exported with a
    note that TensorRT-LLM runs its attention 4-way instead (other KV sizes and step times):
    the plan and its export disagreed. SGLang 0.4.6 got ``--ep-size`` alone, which it ignores."""
    prob = qwen()
    free = solve(prob, "auto", time_limit=30)
    assert free.status is Status.OPTIMAL
    # the unrestricted optimum was tp2 ep2 under earlier constants; whichever layout wins
    # now, the same replicas as tp2 ep2 are a feasible plan the targets cannot launch
    plan = free.solution
    if not mixed(plan):
        plan = ServingPlan(tuple(dataclasses.replace(g, tp=2, ep=2) for g in plan.replicas))
    assert mixed(plan) and verify(prob, plan) == []
    for tool in ("trtllm", "sglang"):
        with pytest.raises(InputError, match=f"--export {tool}: .*cannot launch it"):
            export_plan(prob, plan, tool)
        target = launchable(prob, tool)
        assert any(f"target: {refusal_prefix(tool)}" in v for v in verify(target, plan))
        res = solve(target, "auto", time_limit=30)
        assert res.status is Status.OPTIMAL and verify(target, res.solution) == []
        assert not mixed(res.solution)
        if tool == "sglang":  # Qwen3-MoE runs FusedMoE only in 0.4.6: no ep at all
            assert all(g.ep == 1 for g in res.solution.replicas)
        assert export_plan(prob, res.solution, tool)["commands"]
        assert res.objective >= free.objective - 1e-9  # a restriction: never cheaper
    # the layouts the target refuses are excluded with its reason, the others kept as they were
    refused = [
        lay for lay in layouts(launchable(prob, "trtllm")) if "TensorRT-LLM 1.0.0" in lay.reason
    ]
    assert refused and all(lay.config.tp > 1 and lay.config.ep > 1 for lay in refused)
    plain = {lay.config: lay.reason for lay in layouts(prob)}
    assert all(plain[lay.config] == "" for lay in refused)


def test_the_target_restricts_fleets_days_and_sweeps():
    """The constraint ``target`` reaches every search: workloads sharing a fleet, a day
    profile and :func:`sweep` (keyword ``target``), not only ``plan serve --export``."""
    from planner.serve.day import parse_profile, plan_day
    from planner.serve.sweep import sweep

    shared = make_problem(
        "qwen3-30b-a3b",
        "H100:16",
        workloads=[
            {
                "name": "chat",
                "traffic": {"qps": 40, "prompt_tokens": "exp:1000", "output_tokens": "exp:200"},
                "slo": {"ttft": "2s", "tpot": "20ms"},
            },
            {
                "name": "code",
                "traffic": {"qps": 20, "prompt_tokens": "exp:2000", "output_tokens": "exp:100"},
                "slo": {"ttft": "2s", "tpot": "30ms"},
            },
        ],
        target="trtllm",
    )
    res = solve(shared, "auto", time_limit=30)
    assert res.solution is not None and not mixed(res.solution)
    assert verify(shared, res.solution) == []
    export_plan(export_problem(shared), res.solution, "trtllm")
    # the export's longest request (vLLM P/D --max-model-len) is the longest of any workload,
    # not the first workload's (chat 1000 + 200 < code 2000 + 100 on average)
    longest = max(w.traffic.max_context for w in shared.workloads)
    assert longest > shared.workloads[0].traffic.max_context
    assert export_problem(shared).traffic.max_context == longest
    # unrestricted: shared chat tp2 ep2 + code tp1 ep2, day period 1 tp1 ep2, sweep tp2 ep2
    # (bench/session_runs/s17export/free_fleet_day_sweep.txt)
    day = plan_day(qwen(target="sglang"), parse_profile([20, 40]), time_limit=30)
    groups = [g for per in day["periods"] for g in per["replicas"]]
    assert groups and all(g["ep"] == 1 for g in groups)  # Qwen3-MoE: no EP in SGLang 0.4.6
    rows = sweep("qwen3-30b-a3b", ["H100"], [40], gpus_per_type=8, target="sglang", **QWEN)
    assert rows[0]["status"] == "OPTIMAL" and all(" ep" not in r for r in rows[0]["replicas"])


def test_sglang_expert_parallel_is_enable_ep_moe():
    """SGLang 0.4.6 parses ``--ep-size`` and reads it nowhere (experts stay tensor-parallel);
    ``--enable-ep-moe`` sets ep_size = tp_size. With DP attention it divides
    ``--chunked-prefill-size`` and ``--max-running-requests`` by dp_size."""
    prob = make_problem(
        "deepseek-v3",
        "H200:16",
        qps=2,
        prompt_tokens="exp:1000",
        output_tokens="exp:200",
        precision="fp8",
        max_batch=64,
    )
    plan = ServingPlan((ReplicaGroup("H200", 2, 1, 4, 1, "both", 2048, 2.0),))
    (cmd,) = export_plan(prob, plan, "sglang")["commands"]
    argv = cmd["argv"]
    check_sglang(argv)
    assert "--ep-size" not in argv and "--enable-ep-moe" in argv
    assert "--enable-dp-attention" in argv and value(argv, "--dp-size") == "4"
    assert value(argv, "--tp-size") == "8"  # attention tp 8 / dp 4 = 2, the plan's tp
    assert value(argv, "--chunked-prefill-size") == "8192"  # 2048 per DP group
    assert value(argv, "--max-running-requests") == "256"  # 64 per DP group
    # Mixtral has EPMoE but no DP attention, Qwen3-MoE / Llama 4 no EPMoE: refused
    for name in ("mixtral-8x7b", "qwen3-30b-a3b", "llama-4-scout"):
        other = make_problem(name, "H100:16", qps=1, prompt_tokens=500, output_tokens=100)
        one = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 4, 1, "both", 2048, 1.0),))
        with pytest.raises(InputError, match="DeepSeek-V2/V3 architectures only"):
            export_plan(other, one, "sglang")


def test_fp8_kv_cache_follows_the_engine_and_the_precision_rule(capsys):
    """``--kv-precision fp8`` on A10G was INFEASIBLE (exit 0) while ``--precision fp8`` exits
    2. vLLM and SGLang store an fp8 KV cache on Ampere; TensorRT-LLM needs FP8 GPUs. A
    precision no GPU of the inventory runs is bad input (exit 2 naming the flag and the
    GPUs); one some GPUs run excludes the others' layouts."""
    base = dict(qps=1, prompt_tokens=500, output_tokens=100, kv_precision="fp8")
    with pytest.raises(InputError, match=r"kv_precision fp8 \(--kv-precision\).*A10G"):
        make_problem("llama-3.1-8b", "A10G:4", **base)
    vllm = make_problem("llama-3.1-8b", "A10G:4", engine="vllm", **base)
    res = solve(vllm, "auto", time_limit=30)
    assert res.status is Status.OPTIMAL and verify(vllm, res.solution) == []
    # the vLLM-timed plan exported for TensorRT-LLM: refused before the search
    with pytest.raises(InputError, match=r"--export trtllm: TensorRT-LLM 1\.0\.0 runs on no GPU"):
        launchable(vllm, "trtllm")
    assert export_plan(vllm, res.solution, "vllm")["commands"]
    # a mixed fleet: the A10G layouts are excluded, with the reason, the H100 ones kept
    fleet = make_problem("llama-3.1-8b", "A10G:4,H100:2", **base)
    reasons = {lay.pool: lay.reason for lay in layouts(fleet) if lay.config.gpus == 1}
    assert "KV cache" in reasons["A10G"] and reasons["H100-SXM"] == ""
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "A10G:4", "--qps", "1"]
    args += ["--prompt-tokens", "500", "--output-tokens", "100", "-t", "10"]
    for flag in (["--kv-precision", "fp8"], ["--precision", "fp8"]):
        with pytest.raises(SystemExit) as exc:
            main([*args, *flag])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and flag[0] in err and "A10G" in err
        assert "Traceback" not in err


def test_output_says_what_the_restriction_cost(capsys):
    """The disaggregation example at TPOT 6 ms: vLLM's 1:1 pairs cost $23.92/h against
    $17.94/h unpaired; the output says so (and nothing when the restriction costs nothing)."""
    # timed with TensorRT-LLM as named: an export target without an engine times the plan with
    # its own engine, and vLLM 0.8.5's host time per step meets no TPOT of 6 ms (s20user); the
    # cost of the pairing under test does not depend on the timing engine
    tight = dict(qps=10, prompt_tokens="exp:4000", output_tokens="exp:300", ttft="2s")
    tight["engine"] = "trtllm"
    prob = make_problem("llama-3.1-8b", "H100:8", tpot="6ms", disaggregation="allow", **tight)
    target = launchable(prob, "vllm")
    res = solve(target, "auto", time_limit=30)
    effect = restriction_effect(target, res, time_limit=30)
    assert effect is not None and effect["objective_without"] < res.objective
    assert "1:1 pairs" in effect["message"] and "vLLM 0.8.5" in effect["message"]
    assert restriction_effect(prob, res, time_limit=30) is None  # no target, no restriction
    # the CLI passes what its own search left of the time limit: with none left, no second
    # search (it had run for the whole limit again, twice the limit in all)
    spent = restriction_effect(target, res, time_limit=0.0)
    assert spent is not None and spent["checked"] is False and "not checked" in spent["message"]
    assert effect["checked"] is True
    same = launchable(qwen(), "trtllm")  # tp1 ep4 costs what tp2 ep2 costs
    assert restriction_effect(same, solve(same, "auto", time_limit=30), time_limit=30) is None
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:8", "--qps", "10"]
    args += ["--prompt-tokens", "exp:4000", "--output-tokens", "exp:300", "--ttft", "2s"]
    args += ["--tpot", "6ms", "--disaggregate", "--export", "vllm", "--engine", "trtllm"]
    args += ["-t", "30"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    assert exc.value.code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["export_restriction"]["target"] == "vllm" and data["export"]["commands"]


def test_bad_settings_for_a_target_are_refused_before_the_search():
    """vLLM 0.8.5 pages KV in 16- or 32-token blocks on CUDA; SGLang asserts the page size
    divides the prefill chunk; SGLang runs no separate draft model."""
    base = dict(qps=1, prompt_tokens=500, output_tokens=100)
    with pytest.raises(InputError, match="--kv-block 64"):
        launchable(make_problem("llama-3.1-8b", "H100:2", kv_block_tokens=64, **base), "vllm")
    # a power of two (24 is refused by every engine since s29bad) above the 512-token chunk
    with pytest.raises(InputError, match="--kv-block 1024"):
        launchable(make_problem("llama-3.1-8b", "H100:2", kv_block_tokens=1024, **base), "sglang")
    draft = Speculative("draft", 3, 0.6, "llama-3.2-1b")
    with pytest.raises(InputError, match="not a separate draft model"):
        launchable(make_problem("llama-3.1-8b", "H100:2", speculative=draft, **base), "sglang")


# ---- the flag sweep -------------------------------------------------------------------


def value(argv, flag):
    return argv[argv.index(flag) + 1]


def check_sglang(argv):
    """Every SGLang flag is one 0.4.6 declares, switches stand alone, values are legal."""
    assert argv[:3] == ["python", "-m", "sglang.launch_server"]
    i = 3
    while i < len(argv):
        flag = argv[i]
        assert flag in SGLANG, flag
        spec = SGLANG[flag]
        if spec["switch"]:
            i += 1
            continue
        arg = argv[i + 1]
        assert not arg.startswith("--"), flag
        if spec["choices"] not in (None, "dynamic"):
            assert arg in [str(c) for c in spec["choices"]], (flag, arg)
        if spec["type"] == "int":
            assert int(arg) > 0, (flag, arg)
        i += 2


def check_vllm(argv):
    spec = TOOLS["vllm"]
    assert argv[:2] == ["vllm", "serve"]
    switches = {
        "--enable-expert-parallel",
        "--enable-chunked-prefill",
        "--no-enable-chunked-prefill",
        "--enable-prefix-caching",
        "--trust-remote-code",
    }
    i = 3
    while i < len(argv):
        flag = argv[i]
        assert flag in spec.flags, flag
        if flag in switches:
            i += 1
            continue
        arg = argv[i + 1]
        if flag == "--kv-cache-dtype":
            assert arg in ("auto", "fp8", "fp8_e5m2", "fp8_e4m3")
        elif flag == "--quantization":
            assert arg in ("awq", "fp8", "gptq")
        elif flag == "--block-size":
            assert int(arg) in VLLM_BLOCK_SIZES
        elif flag == "--speculative-config":
            conf = json.loads(arg)
            assert conf.get("method") in (None, "eagle", "eagle3", "deepseek_mtp")
            assert conf["num_speculative_tokens"] > 0
        elif flag == "--kv-transfer-config":
            assert json.loads(arg)["kv_connector"] == "PyNcclConnector"
        else:
            assert int(arg) > 0, (flag, arg)
        i += 2


def check_trtllm(argv, yaml):
    spec = TOOLS["trtllm"]
    assert argv[0] == "trtllm-serve" and value(argv, "--backend") == "pytorch"
    assert {a for a in argv if a.startswith("--")} <= spec.flags
    for line in yaml.splitlines():
        if line and not line.startswith(" "):
            assert line.split(":")[0] in spec.yaml_keys
    if "--ep_size" in argv:  # attention data-parallel over all ranks: tp 1 in the plan
        assert value(argv, "--ep_size") == value(argv, "--tp_size")
        assert "enable_attention_dp: true" in yaml


def check_command(tool, group, command):
    argv = command["argv"]
    if tool == "sglang":
        check_sglang(argv)
        assert int(value(argv, "--tp-size")) == command["gpus"]  # no pipeline flag
    elif tool == "vllm":
        check_vllm(argv)
        sizes = [
            int(value(argv, f)) if f in argv else 1
            for f in ("--tensor-parallel-size", "--pipeline-parallel-size", "--data-parallel-size")
        ]
        assert sizes == [group.tp, group.pp, group.ep]
    else:
        check_trtllm(argv, command.get("extra_llm_api_options", ""))
        pp = int(value(argv, "--pp_size")) if "--pp_size" in argv else 1
        assert int(value(argv, "--tp_size")) * pp == command["gpus"]


MODELS = {
    "llama-3.1-8b": ("H100:4,A10G:8", "A100:8"),
    "qwen3-30b-a3b": ("H100:8", "H100:4,L40S:4"),
    "mixtral-8x7b": ("H100:8", "A100:8"),
    "deepseek-v3": ("H200:16",),
}


@st.composite
def target_problems(draw):
    model = draw(st.sampled_from(sorted(MODELS)))
    gpus = draw(st.sampled_from(MODELS[model]))
    tool = draw(st.sampled_from(sorted(TOOLS)))
    kw = dict(
        qps=draw(st.sampled_from([1.0, 5.0, 20.0])) if model != "deepseek-v3" else 1.0,
        prompt_tokens=draw(st.sampled_from(["exp:500", "exp:2000"])),
        output_tokens=draw(st.sampled_from(["exp:100", "exp:300"])),
        ttft="2s",
        tpot=draw(st.sampled_from(["30ms", "60ms"])),
        disaggregation=draw(st.sampled_from(["off", "allow"])),
        precision=draw(st.sampled_from(["bf16", "fp8", "int4"])),
        kv_precision=draw(st.sampled_from([None, "fp8"])),
        prefix_hit_rate=draw(st.sampled_from([0.0, 0.3])),
        kv_block_tokens=draw(st.sampled_from([16, 32])),
        max_batch=draw(st.sampled_from([None, 64])),
    )
    if model == "deepseek-v3":
        kw["precision"] = "fp8"
    spec = draw(st.sampled_from(["none", "eagle", "draft", "mtp"]))
    if spec == "eagle":
        kw["speculative"] = Speculative("eagle", 3, 0.7)
    elif spec == "draft" and model == "llama-3.1-8b":
        kw["speculative"] = Speculative("draft", 3, 0.6, "llama-3.2-1b")
    elif spec == "mtp" and model == "deepseek-v3":
        kw["speculative"] = Speculative("mtp", 1, 0.8)
    return model, gpus, tool, kw


def _case(model, gpus, tool, **kw):
    base = dict(qps=5.0, prompt_tokens="exp:2000", output_tokens="exp:300", ttft="2s")
    return model, gpus, tool, {**base, "tpot": "30ms", **kw}


@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(target_problems())
# the engines' distinctive layouts, whatever the random draw: SGLang's DP attention + EP with
# NEXTN, vLLM's P/D pairs with EAGLE, vLLM's EP on Mixtral, int4 + fp8 KV + prefix caching
@example(
    _case(
        "deepseek-v3",
        "H200:16",
        "sglang",
        qps=1.0,
        precision="fp8",
        speculative=Speculative("mtp", 1, 0.8),
        max_batch=64,
    )
)
@example(
    _case(
        "llama-3.1-8b",
        "H100:8",
        "vllm",
        qps=10.0,
        tpot="8ms",
        disaggregation="allow",
        speculative=Speculative("eagle", 3, 0.7),
    )
)
@example(_case("mixtral-8x7b", "H100:8", "vllm", qps=20.0, disaggregation="allow"))
@example(
    _case(
        "qwen3-30b-a3b",
        "H100:8",
        "trtllm",
        qps=20.0,
        precision="int4",
        kv_precision="fp8",
        prefix_hit_rate=0.3,
        kv_block_tokens=32,
    )
)
def test_every_plan_the_search_returns_for_a_target_exports(case):
    """Over engines x (tp, pp, ep, DP attention, P/D, speculative decoding, quantization,
    prefix caching, chunked prefill): a plan the search returns for a target exports, with
    only flags of the stated version and legal values (SGLang: its recorded flag list), and
    ``verify`` finds nothing; a setting the target cannot run is refused before the search
    in one line naming the target."""
    model, gpus, tool, kw = case
    try:
        prob = launchable(make_problem(model, gpus, **kw), tool)
    except InputError as exc:  # bad input for this target: refused, naming why
        assert "--export" in str(exc) or "precision" in str(exc)
        event("refused before the search")
        assume(False)
    res = solve(prob, "auto", time_limit=20)
    assume(res.solution is not None and res.solution.replicas)
    assert verify(prob, res.solution) == []
    assert all(group_refusal(prob, g, tool) == "" for g in res.solution.replicas)
    out = export_plan(export_problem(prob), res.solution, tool)
    servers = [g for g in res.solution.replicas for _ in range(g.count)]
    assert len(out["commands"]) == len(servers)
    for g, command in zip(servers, out["commands"], strict=True):
        check_command(tool, g, command)
        event(f"{tool} {g.role} pp{min(g.pp, 2)} ep{min(g.ep, 2)} spec={g.speculative}")


def test_vllm_data_parallel_engines_need_its_v1_engine():
    """vLLM 0.8.5 spawns data-parallel engines (the plan's ep > 1) in V1 only, and runs
    PyNcclConnector (P/D), draft / MTP speculation, pp > 1 without Ray and an fp8 KV cache off
    Hopper on V0: such an ep > 1 server would wait for ranks nobody starts. The P/D servers
    need VLLM_USE_V1=0 (V1's scheduler asserts a V1 connector) and colocated EAGLE servers
    VLLM_USE_V1=1 (V0 refuses EAGLE with chunked prefill); DP engines run without CUDA
    graphs, which a note says. (Each was exported as a command that does not start.)"""
    from planner.serve.candidates import candidates

    base = dict(qps=5, prompt_tokens="exp:1000", output_tokens="exp:200", ttft="2s")
    prob = make_problem("mixtral-8x7b", "H100:8", tpot="30ms", disaggregation="allow", **base)

    def one(tp, ep, role, spec=False):
        return ServingPlan((ReplicaGroup("H100-SXM", tp, 1, ep, 1, role, 2048, 5.0, spec),))

    with pytest.raises(InputError, match="V1 engine only, and a prefill / decode server"):
        export_plan(prob, one(1, 2, "prefill"), "vllm")
    out = export_plan(prob, one(2, 2, "both"), "vllm")
    assert any("without CUDA graphs" in n for n in out["notes"])
    fp8 = make_problem("mixtral-8x7b", "A100:8", kv_precision="fp8", engine="vllm", **base)
    with pytest.raises(InputError, match="fp8 KV cache on A100"):
        export_plan(
            fp8, ServingPlan((ReplicaGroup("A100-80GB", 2, 1, 2, 1, "both", 2048, 5.0),)), "vllm"
        )
    # the search excludes those roles / variants, saying why, and keeps the V1 ones
    cands = candidates(launchable(prob, "vllm"))
    valid = {lay.config for lay in layouts(prob) if not lay.reason}
    split = [c for c in cands if c.config.ep > 1 and c.role != "both" and c.config in valid]
    assert split and all("V1 engine only" in c.reason for c in split)
    assert any(c.usable and c.config.ep > 1 and c.role == "both" for c in cands)
    pair = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "prefill", 16384, 5.0),
            ReplicaGroup("H100-SXM", 2, 1, 1, 1, "decode", 0, 5.0),
        )
    )
    for command in export_plan(prob, pair, "vllm")["commands"]:
        assert command["env"] == {"VLLM_USE_V1": "0"}
        assert command["shell"].startswith("VLLM_USE_V1=0 vllm serve ")
        # whole prefills (the connector's assumption), which V0 runs with a bounded model length
        argv = command["argv"]
        assert "--no-enable-chunked-prefill" in argv and "--enable-chunked-prefill" not in argv
        longest = int(value(argv, "--max-model-len"))
        assert longest >= prob.traffic.max_context
        if command["role"] == "prefill":
            assert int(value(argv, "--max-num-batched-tokens")) >= longest
    # EAGLE on a colocated server: V0 refuses it with chunked prefill, V1 needs VLLM_USE_V1=1
    eagle = dict(base, speculative=Speculative("eagle", 3, 0.7))
    llama = make_problem("llama-3.1-8b", "H100:8", **eagle)
    spec = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 5.0, True),))
    (command,) = export_plan(llama, spec, "vllm")["commands"]
    assert command["env"] == {"VLLM_USE_V1": "1"} and "--enable-chunked-prefill" in command["argv"]
    a100 = make_problem("llama-3.1-8b", "A100:8", kv_precision="fp8", engine="vllm", **eagle)
    on_a100 = ServingPlan((ReplicaGroup("A100-80GB", 1, 1, 1, 1, "both", 2048, 5.0, True),))
    with pytest.raises(InputError, match="EAGLE with chunked prefill runs on the V1 engine only"):
        export_plan(a100, on_a100, "vllm")


def test_sglang_speculative_servers_say_their_default_cap():
    """SGLang 0.4.6 sets max_running_requests = 48 for EAGLE / NEXTN when none is given: a
    plan priced without a cap says so (and not when --max-batch is given)."""
    base = dict(qps=5, prompt_tokens="exp:1000", output_tokens="exp:200", ttft="2s")
    spec = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 5.0, True),))
    eagle = Speculative("eagle", 3, 0.7)
    free = make_problem("llama-3.1-8b", "H100:8", speculative=eagle, **base)
    assert any("48 running requests" in n for n in export_plan(free, spec, "sglang")["notes"])
    capped = make_problem("llama-3.1-8b", "H100:8", speculative=eagle, max_batch=64, **base)
    out = export_plan(capped, spec, "sglang")
    assert not any("48 running" in n for n in out["notes"])
    assert value(out["commands"][0]["argv"], "--max-running-requests") == "64"


def test_vllm_085_runs_v0_on_rocm_so_no_data_parallel_engines():
    """vLLM 0.8.5's V1 oracle falls back to V0 off CUDA unless VLLM_USE_V1=1 ("Non-CUDA is
    supported on V1, but off by default for now"): an MI300X ep > 1 server would run V0,
    where no data-parallel engine starts (s17review)."""
    from planner.perfmodel.hardware import get_gpu
    from planner.serve.targets import variant_refusal, vllm_engine

    mi300x = get_gpu("MI300X")
    assert vllm_engine(mi300x, 1, "bf16", "both", None)[0] == "v0"
    assert "V1 engine only" in variant_refusal("vllm", mi300x, 1, 2, "bf16", "both", None)
    assert vllm_engine(get_gpu("H100"), 1, "bf16", "both", None) == ("v1", "")


def test_tensorrt_llm_launches_nothing_on_amd_gpus():
    """TensorRT-LLM runs on NVIDIA GPUs only: --export trtllm wrote trtllm-serve commands for
    MI300X replicas (s17review)."""
    from planner.perfmodel.hardware import get_gpu
    from planner.perfmodel.readers import load_model
    from planner.serve.targets import layout_refusal

    model = load_model("llama-3.1-8b")
    assert layout_refusal("trtllm", model, get_gpu("MI300X"), 1, 1, 1, "bf16", "bf16")
    assert not layout_refusal("trtllm", model, get_gpu("H100"), 1, 1, 1, "bf16", "bf16")
    prob = launchable(
        make_problem(
            "llama-3.1-8b",
            "MI300X:8,H100:8",
            qps=5.0,
            prompt_tokens="exp:1000",
            output_tokens="exp:200",
        ),
        "trtllm",
    )
    res = solve(prob, "auto", time_limit=20, threads=1)
    assert res.solution is not None
    assert all(g.gpu != "MI300X" for g in res.solution.replicas)


def test_restriction_effect_blames_nothing_the_target_launches(monkeypatch):
    """A cheaper unrestricted plan that vLLM launches as it is (colocated servers, no pair
    needed) is no cost of the restriction: the restricted search just did not reach it in
    its time limit. It was reported as "which it cannot launch: prefill / decode servers: not
    in 1:1 pairs" for 2 x H100 tp2 ep2 (both) (s17review)."""
    from types import SimpleNamespace

    import planner.serve.api as api
    from planner.serve.export import restriction_effect

    base = dict(qps=5, prompt_tokens="exp:1000", output_tokens="exp:200", ttft="2s")
    prob = launchable(
        make_problem("llama-3.1-8b", "H100:8", tpot="30ms", disaggregation="allow", **base),
        "vllm",
    )
    colocated = ServingPlan((ReplicaGroup("H100-SXM", 1, 1, 1, 1, "both", 2048, 5.0),))
    found = SimpleNamespace(solution=colocated, objective=1.0, status=Status.FEASIBLE)
    monkeypatch.setattr(api, "solve", lambda *a, **k: found)
    assert restriction_effect(prob, SimpleNamespace(objective=2.0), time_limit=1) is None
    # an unpaired prefill / decode plan is still reported as the restriction's cost
    split = ServingPlan(
        (
            ReplicaGroup("H100-SXM", 1, 1, 1, 1, "prefill", 2048, 5.0),
            ReplicaGroup("H100-SXM", 1, 1, 1, 2, "decode", 0, 5.0),
        )
    )
    found.solution = split
    effect = restriction_effect(prob, SimpleNamespace(objective=2.0), time_limit=1)
    assert effect is not None and "prefill / decode servers" in effect["excluded"]
