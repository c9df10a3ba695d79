"""The timing engine follows the GPU's vendor: TensorRT-LLM on NVIDIA, vLLM on AMD; a named
engine that cannot run on a pool's GPUs (TensorRT-LLM on an AMD GPU) leaves the pool out, and
is bad input when no pool is left (issue 19)."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.core.errors import InputError
from planner.perfmodel.engines import Engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import make_problem, sweep
from planner.serve.capacity import engine_key
from planner.serve.evaluate import verify
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem

MI300X, H100 = get_gpu("MI300X"), get_gpu("H100")
LENGTHS = ["--prompt-tokens", "500", "--output-tokens", "100", "--tpot", "50ms"]
NO_ENGINE = "TensorRT-LLM runs on NVIDIA GPUs only"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def serve(*gpus_and_more):
    return ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", *gpus_and_more, *LENGTHS]


def test_the_rule_is_the_vendors():
    from planner.perfmodel.engines import default_engine, engine_refusal

    assert default_engine(H100.architecture) == Engine("trtllm")
    assert default_engine(MI300X.architecture) == Engine("vllm")
    for name in ("MI325X", "MI355X"):
        assert default_engine(get_gpu(name).architecture).name == "vllm"
        assert NO_ENGINE in engine_refusal("trtllm", get_gpu(name))
    assert engine_refusal("trtllm", H100) == ""
    assert engine_refusal("vllm", MI300X) == engine_refusal("sglang", MI300X) == ""
    # the step model's own default follows the GPU too (it was TensorRT-LLM everywhere)
    model = load_model("llama-3.1-8b")
    assert EngineModel(model, ReplicaConfig(MI300X, 1, 1, 1)).engine == Engine("vllm")
    assert EngineModel(model, ReplicaConfig(H100, 1, 1, 1)).engine == Engine("trtllm")


def test_an_amd_pool_without_engine_is_timed_as_vllm(capsys):
    """Was priced as TensorRT-LLM (its host overhead, its KV rule) on an AMD GPU."""
    args = [*serve("MI300X:1"), "--qps", "2", "--json", "-t", "20"]
    code, out, _ = run(capsys, *args)
    default = json.loads(out)
    assert code == 0 and default["engine"]["name"] == "vllm" and "engines" not in default
    code, out, _ = run(capsys, *args, "--engine", "vllm")
    named = json.loads(out)
    assert code == 0 and named["tpot_s"] == default["tpot_s"]
    assert named["ttft_s"] == default["ttft_s"]
    p = make_problem("llama-3.1-8b", "MI300X:1", prompt_tokens=500, output_tokens=100)
    group = ReplicaGroup("MI300X", 1, 1, 1, 1, "both", 2048, 1.0)
    assert p.engine is None and engine_key(p, group)[8] == Engine("vllm")  # the simulator's


def test_trtllm_on_amd_only_exits_2_naming_gpu_and_engine(capsys):
    code, out, err = run(capsys, *serve("MI300X:8"), "--qps", "2", "--engine", "trtllm")
    assert code == 2 and out == ""
    line = err.strip()
    assert "\n" not in line and "--engine trtllm" in line and "MI300X" in line
    assert NO_ENGINE in line
    # the pool the search is limited to (--gpu-type) is the one that counts
    code, _, err = run(
        capsys,
        *serve("H100:1,MI300X:8"),
        "--qps",
        "2",
        "--engine",
        "trtllm",
        "--gpu-type",
        "MI300X",
    )
    assert code == 2 and "MI300X" in err and NO_ENGINE in err
    # a day of periods is refused the same way
    code, _, err = run(capsys, *serve("MI300X:8"), "--profile", "1,2", "--engine", "nim")
    assert code == 2 and NO_ENGINE in err


def test_trtllm_on_a_mixed_fleet_leaves_the_amd_pool_out_with_the_reason(capsys):
    """The MI300X pool has no price: the cheapest plan took it, timed as TensorRT-LLM."""
    args = [*serve("H100:2,MI300X:8"), "--qps", "2", "--json", "-t", "20"]
    code, out, _ = run(capsys, *args, "--engine", "trtllm")
    data = json.loads(out)
    assert code == 0 and data["verified"] and set(data["gpus"]) == {"H100-SXM"}
    assert data["engine"]["name"] == "trtllm"
    # the pool left out is not warned about as unpriced (its GPUs are not used)
    assert data["warnings"] == [
        "--engine trtllm: pool MI300X left out of the search: MI300X is not an NVIDIA GPU "
        f"({NO_ENGINE})"
    ]
    # without --engine both pools are searched, each with its vendor's engine
    code, out, _ = run(capsys, *args)
    data = json.loads(out)
    assert code == 0 and data["engine"] is None
    assert {k: v["name"] for k, v in data["engines"].items()} == {
        "H100-SXM": "trtllm",
        "MI300X": "vllm",
    }
    code, out, _ = run(capsys, *args[:-3], "-t", "20")
    assert "timing assumes engine trtllm on H100-SXM, vllm on MI300X" in " ".join(out.split())


@pytest.mark.parametrize("named", ["trtllm", "nim"])  # as typed: nim was refused as trtllm
def test_verify_refuses_a_group_the_named_engine_cannot_run(named):
    p = make_problem(
        "llama-3.1-8b",
        "H100:1,MI300X:1",
        qps=1.0,
        prompt_tokens=500,
        output_tokens=100,
        engine=named,
    )
    assert p.engine == Engine("trtllm")  # the spelling is no part of the engine's identity
    plan = ServingPlan((ReplicaGroup("MI300X", 1, 1, 1, 1, "both", 2048, 1.0),))
    assert any(
        f"--engine {named}: MI300X is not an NVIDIA GPU ({NO_ENGINE})" in v for v in verify(p, plan)
    )
    default = make_problem(
        "llama-3.1-8b", "H100:1,MI300X:1", qps=1.0, prompt_tokens=500, output_tokens=100
    )
    assert verify(default, plan) == []


def test_problem_files_keep_the_engine_unnamed():
    p = make_problem("llama-3.1-8b", "MI300X:1", prompt_tokens=500, output_tokens=100)
    data = json.loads(json.dumps(p.to_dict()))
    assert data["engine"] is None
    back = ServingProblem.from_dict(data)
    assert back.engine is None and back.engine_on(MI300X) == Engine("vllm")
    with pytest.raises(InputError, match="field 'engine' = trtllm: TensorRT-LLM runs on no GPU"):
        ServingProblem.from_dict({**data, "engine": "trtllm"})


def test_an_old_mixed_problem_file_warns_naming_its_field_not_a_flag(capsys, tmp_path):
    """An old H100 + MI300X file (engine trtllm recorded for every problem) warned
    "--engine trtllm: pool MI300X left out", naming a flag the user never gave."""
    from planner.perfmodel.engines import DEFAULT_ENGINE

    p = make_problem(
        "llama-3.1-8b", "H100:2,MI300X:8", qps=2.0, prompt_tokens=500, output_tokens=100
    )
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**p.to_dict(), "engine": DEFAULT_ENGINE.to_dict()}))
    code, out, err = run(capsys, "solve", "serve", old, "-t", "20", "--json")
    assert code == 0 and json.loads(out)["verified"]  # solve printed no warning at all
    assert "--engine" not in err
    assert f"{old}: field 'engine' = trtllm: pool MI300X left out of the search" in err


def test_an_old_amd_problem_file_exits_2_saying_how_to_mend_it(capsys, tmp_path):
    """Before engines followed the vendor, to_dict wrote the default engine (trtllm, in full)
    for every problem; such an AMD file exited 2 naming --engine, a flag the user never gave."""
    from planner.perfmodel.engines import DEFAULT_ENGINE

    p = make_problem("llama-3.1-8b", "MI300X:8", qps=2.0, prompt_tokens=500, output_tokens=100)
    data = {**p.to_dict(), "engine": DEFAULT_ENGINE.to_dict()}  # the old to_dict's engine
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    code, out, err = run(capsys, "solve", "serve", old, "-t", "5")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"{old}: field 'engine' = trtllm: TensorRT-LLM runs on no GPU" in err
    assert "drop the field" in err and 'set engine = "vllm"' in err and "--engine" not in err
    for mended in ({k: v for k, v in data.items() if k != "engine"}, {**data, "engine": "vllm"}):
        old.write_text(json.dumps(mended))  # either mend the message names solves
        code, out, _ = run(capsys, "solve", "serve", old, "-t", "5", "--json")
        assert code == 0 and json.loads(out)["verified"]


def test_sweep_refuses_a_type_the_engine_cannot_run_before_solving():
    kw = dict(prompt_tokens=500, output_tokens=100, tpot="50ms", time_limit=5)
    with pytest.raises(InputError, match=f"MI300X is not an NVIDIA GPU \\({NO_ENGINE}\\)"):
        sweep("llama-3.1-8b", ["H100", "MI300X"], [1.0], engine="trtllm", **kw)


def test_refusals_name_the_engine_as_the_user_gave_it(capsys):
    """``--engine nim`` (an alias of trtllm) was refused as "--engine trtllm"."""
    code, out, err = run(capsys, *serve("MI300X:8"), "--qps", "2", "--engine", "nim")
    assert code == 2 and out == "" and "--engine nim: TensorRT-LLM runs on no GPU" in err
    assert "--engine trtllm" not in err
    args = [*serve("H100:2,MI300X:8"), "--qps", "2", "--json", "-t", "20", "--engine", "nim"]
    code, out, _ = run(capsys, *args)
    data = json.loads(out)
    assert code == 0 and data["engine"]["name"] == "trtllm"  # the engine timed is TensorRT-LLM
    assert data["warnings"][0].startswith("--engine nim: pool MI300X left out of the search")


def test_an_export_target_names_itself_when_it_leaves_a_pool_out(capsys):
    """--export trtllm times the plan with TensorRT-LLM 1.0.0 (s20user): the AMD pool it cannot
    run on is left out, and the warning names the export target, not an --engine never given."""
    args = [*serve("H100:2,MI300X:8"), "--qps", "2", "--json", "-t", "20", "--export", "trtllm"]
    code, out, _ = run(capsys, *args)
    data = json.loads(out)
    assert code == 0 and data["verified"] and set(data["gpus"]) == {"H100-SXM"}
    assert (data["engine"]["name"], data["engine"]["version"]) == ("trtllm", "1.0.0")
    assert (
        "--export trtllm: pool MI300X left out of the search: MI300X is not an NVIDIA GPU "
        f"({NO_ENGINE})"
    ) in data["warnings"]
    assert not any(w.startswith("--engine") for w in data["warnings"])


def test_an_engine_that_runs_on_no_pool_names_every_pool(capsys):
    # MI325X + MI355X with --export trtllm named only MI325X (s31user)
    code, out, err = run(capsys, *serve("MI325X:4,MI355X:4"), "--qps", "1", "--export", "trtllm")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "MI325X is not an NVIDIA GPU" in err and "MI355X is not an NVIDIA GPU" in err, err
