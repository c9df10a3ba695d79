"""Read an existing launch (``--from FORMAT FILE``): round trips export -> from, bad input."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from rich.console import Console

from planner.core.errors import InputError
from planner.perfmodel.options import Software
from planner.train.api import make_problem, solve
from planner.train.export import FORMATS, export
from planner.train.frameworks import software_defaults
from planner.train.instance import TrainingPlan
from planner.train.launch import problem_args, read_text_launch, stage_layers
from planner.train.proposal import render as render_proposal
from planner.train.step_time import estimate

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100")
WORKLOAD = ("-B", "64", "-s", "1024")


@pytest.fixture(scope="module")
def planned():
    prob = make_problem(
        "gpt-1.7b",
        "16xA100",
        global_batch=64,
        seq_len=1024,
        tp=2,
        pp=4,
        interleave=2,
        recompute="selective",
        zero=0,
        prefer_simple=0.0,
    )
    res = solve(prob, "auto", time_limit=20)
    assert res.solution is not None
    return prob, res.solution


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_export_then_from(planned, fmt):
    prob, plan = planned
    text = export(prob, plan, fmt)["text"]
    launch = read_text_launch(fmt, text, f"plan.{fmt}")
    # every choice the file pins is the exported plan's
    assert launch.fixed, fmt
    # (DeepSpeed cannot run interleaved stages or sequence parallelism: the export says so)
    lossy = {"interleave": 1, "sequence_parallel": False} if fmt == "deepspeed" else {}
    for key, value in launch.fixed.items():
        attr = "etp" if key == "expert_tp" else key  # the effective expert TP (0 = tp)
        assert lossy.get(key, getattr(plan, attr)) == value, (fmt, key)
    if fmt != "deepspeed":  # DeepSpeed's config has no sequence length
        assert launch.seq_len == 1024
    assert launch.global_batch == 64
    split = stage_layers(launch, prob.model.layers)
    if fmt in ("megatron", "torchtitan"):
        assert split == plan.stage_layers
    pinned, _open = problem_args(launch, prob.model, {"global_batch": None, "seq_len": 1024})
    assert pinned["global_batch"] == 64


def test_megatron_launch_evaluates_to_the_exported_plan(capsys, planned, tmp_path):
    prob, plan = planned
    args = tmp_path / "args.txt"
    args.write_text(export(prob, plan, "megatron")["text"])
    code, out, _err = run(capsys, *BASE, "--from", "megatron", str(args), "--json", "-t", "20")
    assert code == 0
    d = json.loads(out)
    assert d["plan"]["tp"] == plan.tp and d["plan"]["pp"] == plan.pp
    assert d["plan"]["stage_layers"] == list(plan.stage_layers)
    want = solve(prob, "auto", time_limit=20).stats["summary"]["step_time_s"]
    assert d["step_time_s"] == pytest.approx(want, rel=1e-12)
    prop = d["proposal"]
    # the proposal is the planner's best for the same job: never slower than the launch
    assert prop["step_time_s"] <= d["step_time_s"] * (1 + 1e-9)
    assert prop["speedup"] == pytest.approx(d["step_time_s"] / prop["step_time_s"])
    assert prop["compare"]["names"] == ["launch", "best"]
    assert d["from"]["format"] == "megatron" and d["from"]["fixed"]["tp"] == 2


@pytest.mark.parametrize("fmt", ["nemo", "deepspeed", "torchtitan"])
def test_other_formats_through_the_cli(capsys, planned, tmp_path, fmt):
    prob, plan = planned
    path = tmp_path / f"launch.{fmt}"
    path.write_text(export(prob, plan, fmt)["text"])
    extra = ("-s", "1024") if fmt == "deepspeed" else ()
    code, out, _err = run(capsys, *BASE, *extra, "--from", fmt, str(path), "--json", "-t", "20")
    assert code == 0
    d = json.loads(out)
    assert d["status"] in ("OPTIMAL", "FEASIBLE")
    assert (d["plan"]["tp"], d["plan"]["pp"], d["plan"]["dp"]) == (plan.tp, plan.pp, plan.dp)
    assert d["plan"]["microbatch"] == plan.microbatch
    assert "compare" in d["proposal"]


@pytest.mark.parametrize(
    ("fmt", "text", "named"),
    [
        ("megatron", "--tensor-model-parallel-size 2 --lr-typo 3", "--lr-typo"),
        ("megatron", "tensor-model-parallel-size 2", "tensor-model-parallel-size"),
        ("megatron", "--tensor-model-parallel-size two", "--tensor-model-parallel-size"),
        ("megatron", "--recompute-granularity some", "--recompute-granularity"),
        ("megatron", "--micro-batch-size 1 --micro-batch-size 2", "--micro-batch-size"),
        ("nemo", "trainer.strategy.tensor_model_parallel_size=2 foo=1", "'foo'"),
        ("nemo", "trainer.devices", "trainer.devices"),
        ("deepspeed", '{"train_batch_size": 64, "zero_optimization": {"stagee": 1}}', "stagee"),
        ("deepspeed", "{bad json", "malformed JSON"),
        ("deepspeed", '{"zero_optimization": {"stage": 5}}', "zero_optimization.stage"),
        ("torchtitan", "[parallelism]\ntensor_parallel = 2\n", "tensor_parallel"),
        ("torchtitan", "[parallelism\n", "malformed TOML"),
    ],
)
def test_unknown_or_malformed_settings_are_named(fmt, text, named):
    with pytest.raises(InputError, match="launch") as exc:
        read_text_launch(fmt, text, "launch")
    assert named in str(exc.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_launch_file_exits_2(capsys, tmp_path, fmt):
    """An empty launch was evaluated as the framework's defaults (Megatron, NeMo,
    torchtitan) or called 'malformed JSON' (DeepSpeed) (s14bad)."""
    path = tmp_path / "launch"
    path.write_text(" \n")
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", fmt, str(path), "--json")
    assert code == 2 and out == "" and f"{path}: empty file" in err


def test_bad_launch_through_the_cli_exits_2(capsys, tmp_path):
    args = tmp_path / "args.txt"
    args.write_text("--tensor-model-parallel-size 2 --bogus-flag\n")
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "megatron", str(args), "--json")
    assert code == 2 and out == "" and "--bogus-flag" in err
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "slurm", str(args), "--json")
    assert code == 2 and "slurm" in err
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "megatron", str(tmp_path / "x"))
    assert code == 2 and "no such file" in err
    # the model shape of the launch must be the model's; the batch must agree with -B
    args.write_text("--num-layers 30 --tensor-model-parallel-size 2\n")
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "megatron", str(args), "--json")
    assert code == 2 and "--num-layers" in err
    args.write_text("--global-batch-size 32\n")
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "megatron", str(args), "--json")
    assert code == 2 and "--global-batch" in err
    # no batch anywhere
    args.write_text("--tensor-model-parallel-size 2\n")
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(args), "--json")
    assert code == 2 and "--global-batch" in err


@pytest.mark.parametrize("local", ["nan", "0", "-2", '"four"'])
def test_torchtitan_local_batch_is_checked_without_a_global_batch(local):
    """local_batch_size was only read beside global_batch_size: a NaN slipped through."""
    text = (
        f"[parallelism]\ndata_parallel_shard_degree = 4\n[training]\nlocal_batch_size = {local}\n"
    )
    with pytest.raises(InputError, match="launch: local_batch_size"):
        read_text_launch("torchtitan", text, "launch")


def test_torchtitan_global_batch_defaults_to_local_times_dp():
    text = "[parallelism]\ndata_parallel_shard_degree = 4\n[training]\nlocal_batch_size = 8\n"
    assert read_text_launch("torchtitan", text, "launch").global_batch == 32


@pytest.mark.parametrize("flag", ["--out", "--plot", "--plot-breakdown"])
def test_output_over_the_from_file_is_refused(capsys, tmp_path, flag):
    args = tmp_path / ("args.png" if flag != "--out" else "args.txt")
    args.write_text("--tensor-model-parallel-size 2\n")
    before = args.read_text()
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "megatron", str(args), flag, str(args))
    assert code == 2 and out == "" and "refusing to overwrite an input file (--from)" in err
    assert args.read_text() == before


@pytest.mark.parametrize("shard", ["", "data_parallel_shard_degree = -1\n"])
def test_torchtitan_shard_degree_defaults_to_what_the_gpus_leave(capsys, tmp_path, shard):
    """torchtitan's ``data_parallel_shard_degree`` defaults to -1: FSDP over every GPU the other
    degrees leave (it was read as 1: a data-parallel size of 1 on 2 of the 16 GPUs)."""
    launch = read_text_launch("torchtitan", f"[parallelism]\ntensor_parallel_degree = 2\n{shard}")
    assert launch.all_gpus and "dp" not in launch.fixed and launch.fixed["zero"] == 3
    path = tmp_path / "titan.toml"
    path.write_text(
        f"[parallelism]\ntensor_parallel_degree = 2\n{shard}[training]\nlocal_batch_size = 4\n"
    )
    code, out, _ = run(capsys, *BASE, *WORKLOAD, "--from", "torchtitan", str(path), "--json")
    assert code == 0
    plan = json.loads(out)["plan"]  # the launch as read, evaluated
    assert plan["tp"] == 2 and plan["dp"] == 8 and plan["zero"] == 3


def test_torchtitan_global_batch_may_accumulate_gradients():
    """A global batch that is a multiple of local x data-parallel accumulates gradients, as
    torchtitan does; one that is not is refused, naming both."""
    text = "[parallelism]\ndata_parallel_shard_degree = 4\n[training]\nlocal_batch_size = 2\n"
    assert read_text_launch("torchtitan", text + "global_batch_size = 16\n").global_batch == 16
    with pytest.raises(InputError, match="not a multiple of local_batch_size 2"):
        read_text_launch("torchtitan", text + "global_batch_size = 12\n")


@pytest.mark.parametrize(
    ("policy", "pp", "zero"),
    [
        (None, 1, 3),  # torchtitan's default reshards without PP ...
        (None, 2, 1),  # ... and keeps the parameters after the forward with PP (ZeRO-1)
        ('"always"', 2, 3),
        ('"never"', 1, 2),
        ('"never"', 2, 1),
        ('"default"', 1, 3),
    ],
)
def test_torchtitan_reshard_policy_sets_the_zero_stage(policy, pp, zero):
    """``fsdp_reshard_after_forward`` (torchtitan @6404b93) decides the ZeRO stage: resharded
    ZeRO-3; kept, ZeRO-2 without PP and ZeRO-1 under PP (gradients synced once per step)."""
    line = f"fsdp_reshard_after_forward = {policy}\n" if policy else ""
    text = f"[parallelism]\ndata_parallel_shard_degree = 4\npipeline_parallel_degree = {pp}\n{line}"
    assert read_text_launch("torchtitan", text, "launch").fixed["zero"] == zero


def test_torchtitan_reshard_policy_must_be_known():
    text = '[parallelism]\nfsdp_reshard_after_forward = "sometimes"\n'
    with pytest.raises(InputError, match="fsdp_reshard_after_forward"):
        read_text_launch("torchtitan", text, "launch")


@pytest.mark.parametrize(("zero", "pp", "read_back"), [(1, 1, 2), (1, 2, 1), (2, 1, 2), (3, 1, 3)])
def test_torchtitan_export_keeps_the_sharding_stage(zero, pp, read_back):
    """ZeRO-1/2 plans export as FSDP without resharding (was DDP, over memory), ZeRO-3 with it;
    under PP that is ZeRO-1 again (round trip exact, and the launch evaluates), without PP
    ZeRO-1 reads back as ZeRO-2, the nearest torchtitan setting, and the export says so."""
    from planner.train.instance import TrainingPlan

    prob = make_problem("gpt-1.7b", "16xA100", global_batch=64, seq_len=1024)
    layers = prob.model.layers
    split = (layers,) if pp == 1 else (layers // 2, layers - layers // 2)
    plan = TrainingPlan(tp=1, pp=pp, dp=16 // pp, microbatch=1, zero=zero, stage_layers=split)
    out = export(prob, plan, "torchtitan")
    settings = out["settings"]
    assert settings["parallelism.data_parallel_shard_degree"] == 16 // pp
    assert settings["parallelism.data_parallel_replicate_degree"] == 1
    launch = read_text_launch("torchtitan", out["text"], "plan.toml")
    assert launch.fixed["zero"] == read_back
    assert any("ZeRO-1" in note for note in out["notes"]) == (zero == 1 and pp == 1)


def test_torchtitan_zero1_pipeline_launch_round_trips_through_the_cli(capsys, tmp_path):
    """A ZeRO-1 plan under PP exported to torchtitan evaluates as itself (was INFEASIBLE: read
    back as ZeRO-2, which the planner runs only without PP)."""
    from planner.train.instance import TrainingPlan

    prob = make_problem("gpt-1.7b", "16xA100", global_batch=64, seq_len=1024)
    plan = TrainingPlan(tp=1, pp=2, dp=8, microbatch=1, zero=1, stage_layers=(12, 12))
    path = tmp_path / "launch.toml"
    path.write_text(export(prob, plan, "torchtitan")["text"])
    code, out, _err = run(capsys, *BASE, *WORKLOAD, "--from", "torchtitan", str(path), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["status"] in ("OPTIMAL", "FEASIBLE")
    assert (d["plan"]["pp"], d["plan"]["dp"], d["plan"]["zero"]) == (2, 8, 1)


@pytest.mark.parametrize("flag", [("--tp", "4"), ("--fix", "tp=4")])
def test_launch_against_the_command_line_names_the_file(capsys, tmp_path, flag):
    """Was '--fix tp=2 contradicts --tp': a --fix the user never gave, and no file named."""
    path = tmp_path / "job.toml"
    path.write_text("[parallelism]\ntensor_parallel_degree = 2\ndata_parallel_shard_degree = 4\n")
    code, out, err = run(capsys, *BASE, *WORKLOAD, "--from", "torchtitan", str(path), *flag)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{path}: states tp=2, the command line tp=4" in err, err


# --- Megatron-Core's --pipeline-model-parallel-layout ----------------------------------------


def _expand(text: str) -> list[str]:
    """Virtual stages of a layout, unrolled by hand (one pass per form, innermost first)."""
    text = text.replace(",", "")
    out = ""
    i = 0
    while i < len(text):  # (...)*N
        if text[i] == "(":
            close = text.index(")", i)
            star = close + 2
            digits = star
            while digits < len(text) and text[digits].isdigit():
                digits += 1
            out += text[i + 1 : close] * int(text[star:digits])
            i = digits
        else:
            out += text[i]
            i += 1
    flat = ""
    for j, c in enumerate(out):  # x*N
        if c == "*":
            continue
        if c.isdigit():
            continue
        n = ""
        k = j + 1
        if k < len(out) and out[k] == "*":
            k += 1
            while k < len(out) and out[k].isdigit():
                n += out[k]
                k += 1
        flat += c * (int(n) if n else 1)
    return flat.split("|")


def test_layout_of_a_small_split_by_hand():
    from dataclasses import replace

    from planner.train.export import pipeline_layout

    plan = replace(_plan_stub(), pp=4, interleave=2, stage_layers=(3, 4, 4, 3))
    # chunks: stage 0 (1, 2) short chunk in front; stages 1-2 (2, 2); stage 3 (2, 1)
    text = pipeline_layout(plan)
    assert _expand(text) == ["Et", "tt", "tt", "tt", "tt", "tt", "tt", "tL"]
    assert _expand(pipeline_layout(plan, mtp_layers=1))[-1] == "tmL"


def _plan_stub():
    from planner.train.instance import TrainingPlan

    return TrainingPlan(tp=1, pp=1, dp=1, microbatch=1)


@pytest.mark.parametrize(
    ("split", "v"), [((3, 4, 4, 3), 2), ((7, 8, 8, 7), 3), ((1, 2), 2), ((5, 5, 5), 4)]
)
def test_layout_lists_the_step_models_chunks(split, v):
    from dataclasses import replace

    from planner.train.export import pipeline_layout
    from planner.train.launch import parse_layout
    from planner.train.step_time import chunk_layers

    plan = replace(_plan_stub(), pp=len(split), interleave=v, stage_layers=split)
    text = pipeline_layout(plan)
    stages = _expand(text)
    assert len(stages) == len(split) * v
    assert [list(s) for s in stages] == parse_layout(text, len(split), "t")
    p = len(split)
    chunks = [[stages[k * p + j].count("t") for k in range(v)] for j in range(p)]
    assert chunks == chunk_layers(split, v)


def test_megatron_layout_round_trips_through_the_cli(capsys, tmp_path):
    args = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")
    # 24 layers on 4 stages of (5, 7, 7, 5) with 2 virtual stages: 5 and 7 are odd
    fix = ("--fix", "tp=2,pp=4,v=2,stage_layers=5:7:7:5", "-t", "20")
    # core_v0.15.3 (the export's release) builds it from --pipeline-model-parallel-layout:
    # --export megatron alone (its profile) plans it, without a note (core_r0.12: INFEASIBLE)
    code, out, _err = run(capsys, *args, *fix, "--export", "megatron", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["status"] in ("OPTIMAL", "FEASIBLE"), d.get("reason")
    settings = d["export"]["settings"]
    assert "--pipeline-model-parallel-layout" in settings
    assert "--num-virtual-stages-per-pipeline-rank" not in settings
    assert "--decoder-first-pipeline-num-layers" not in settings
    assert d["export"]["notes"] == []
    assert d["export"]["env"] == {"CUDA_DEVICE_MAX_CONNECTIONS": "1"}  # A100, tp 2
    path = tmp_path / "args.txt"
    path.write_text(d["export"]["text"])
    code, out2, _err = run(capsys, *args, "--from", "megatron", str(path), "--json", "-t", "20")
    assert code == 0, out2
    back = json.loads(out2)["plan"]
    assert back == d["plan"]  # the same plan, every decision
    assert back["stage_layers"] == [5, 7, 7, 5] and back["interleave"] == 2


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ("Et|tL", "multiple of the 4"),
        ("t*6|(t*6|)*2,t*6L", "embedding E must come first"),
        ("Et*6|(t*6|)*2,t*5Lx", "unknown layer characters"),
        ("Et*6|(t*6|)*2,mt*6L", "before the MTP layers"),
        ("Et*999999|(t|)*2,tL", "repeat count"),
        # nested repeats under the per-count cap multiplied to 10^10 characters: MemoryError
        ("E(t*100000|)*100000L", "unrolls to over 100000 characters"),
        # a rank without decoder layers failed as "constraints: stage_layers entry ..."
        ("Et*0|t*6|t*6|t*12L", r"args\.txt: .*pipeline rank 0 holds no decoder layer"),
    ],
)
def test_a_bad_layout_is_named(layout, words):
    text = f"--tensor-model-parallel-size 1 --pipeline-model-parallel-size 4 --pipeline-model-parallel-layout {layout!r}"
    with pytest.raises(InputError, match=words):
        read_text_launch("megatron", text, "args.txt")


def test_a_layout_with_virtual_stage_flags_is_refused():
    text = (
        "--pipeline-model-parallel-size 2 --num-virtual-stages-per-pipeline-rank 2 "
        "--pipeline-model-parallel-layout 'Et|t|t|tL'"
    )
    with pytest.raises(InputError, match="cannot be combined"):
        read_text_launch("megatron", text, "args.txt")


@pytest.mark.parametrize("form", ["16xFILE", "FILE:16", "A100:8,FILE:8"])
def test_out_over_a_gpu_table_in_gpus_is_refused(capsys, tmp_path, form):
    """--out overwrote a user GPU table named inside --gpus with the plan JSON."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "models/hardware/h100-sxm.toml").read_text()
    text = re.sub(r"^aliases = .*$", "", text, flags=re.M).replace('"H100-SXM"', '"Mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text)
    gpus = form.replace("FILE", str(path))
    line = ("plan", "train", "--model", "gpt-1.7b", "--gpus", gpus, *WORKLOAD, "-t", "5")
    code, out, err = run(capsys, *line, "--out", str(path))
    assert code == 2 and out == "" and "refusing to overwrite an input file (--gpus)" in err
    assert path.read_text() == text


def test_layout_mtp_layers_must_match_the_model(capsys, tmp_path):
    """A layout's MTP layers m on a model without MTP (gpt-1.7b) were ignored: OPTIMAL."""
    path = tmp_path / "args.txt"
    path.write_text(
        "--tensor-model-parallel-size 2 --pipeline-model-parallel-size 4 "
        "--micro-batch-size 1 --global-batch-size 64 --seq-length 1024 "
        "--pipeline-model-parallel-layout 'Et*6|t*6|t*6|t*6,m,L'\n"
    )
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(path), "-t", "5")
    assert code == 2 and out == "" and "holds 1 MTP layers m, the model 0" in err, err
    path.write_text(path.read_text().replace(",m,L", ",L"))
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(path), "-t", "5", "--json")
    assert code == 0, err


@pytest.mark.parametrize("flag", ["--framework", "--export"])
def test_a_launch_is_evaluated_as_written_under_another_framework(capsys, planned, tmp_path, flag):
    """A Megatron launch (interleaved stages) with ``--framework deepspeed`` was evaluated
    under DeepSpeed's profile: INFEASIBLE, no proposal. The launch is evaluated as written;
    the other framework restricts the proposal only."""
    prob, plan = planned
    args = tmp_path / "args.txt"
    args.write_text(export(prob, plan, "megatron")["text"])
    code, out, err = run(
        capsys, *BASE, "--from", "megatron", str(args), flag, "deepspeed", "--json", "-t", "20"
    )
    assert code == 0, err
    d = json.loads(out)
    want = solve(prob, "auto", time_limit=20).stats["summary"]["step_time_s"]
    assert d["status"] in ("OPTIMAL", "FEASIBLE")
    assert d["step_time_s"] == pytest.approx(want, rel=1e-12)
    prop = d["proposal"]
    assert prop is not None and prop["plan"]["interleave"] == 1  # DeepSpeed has no v > 1


def test_a_pp1_launch_on_mixed_pools_still_gets_a_proposal(capsys, tmp_path):
    """A pp=1 Megatron launch on 16 A100 + 16 H100 has no plan in the layout model (every
    replica is one pipeline, each stage on one pool): it was explained as 'no plan fits in
    memory' by a one-pool plan needing 20 of 80 GiB, and the best plan found for the same
    job (OPTIMAL) was dropped: 'no proposal' (s14bad)."""
    args = tmp_path / "args.txt"
    args.write_text(
        "--tensor-model-parallel-size 2 --pipeline-model-parallel-size 1 --micro-batch-size 1 "
        "--global-batch-size 64 --seq-length 1024 --bf16\n"
    )
    mixed = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100,16xH100")
    code, out, err = run(capsys, *mixed, "--from", "megatron", str(args), "--json", "-t", "20")
    assert code == 0, err
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE"
    assert "need pp >= 2" in d["reason"] and "fits in memory" not in d["reason"]
    prop = d["proposal"]
    # the open search may keep to one pool (it is not bound to use every GPU)
    assert prop["status"] in ("OPTIMAL", "FEASIBLE") and prop["step_time_s"] > 0
    assert prop["plan"]["tp"] * prop["plan"]["pp"] * prop["plan"]["dp"] <= 32
    assert prop["reason"].startswith("launch: ") and "compare" not in prop
    shown = io.StringIO()
    render_proposal({"from": d["from"], "proposal": prop}, Console(file=shown, width=200))
    assert "proposed plan: " in shown.getvalue() and "no proposal" not in shown.getvalue()


@pytest.mark.parametrize("fmt", ["deepspeed", "torchtitan"])
def test_a_launch_is_priced_as_its_own_framework_runs_it(capsys, planned, tmp_path, fmt):
    """A DeepSpeed / torchtitan launch waits for its backward TP collectives
    (``Software.tp_bwd_overlap`` off in those profiles), while the default software is
    Megatron-Core's asynchronous backward: the launch is priced with its own framework's
    facts, not the default's (nor those of ``--framework``)."""
    prob, plan = planned
    path = tmp_path / f"launch.{fmt}"
    path.write_text(export(prob, plan, fmt)["text"])
    extra = ("-s", "1024") if fmt == "deepspeed" else ()
    code, out, err = run(capsys, *BASE, *extra, "--from", fmt, str(path), "--json", "-t", "10")
    assert code == 0, err
    d = json.loads(out)
    got = TrainingPlan.from_dict(d["plan"])
    assert got.tp == 2
    facts = software_defaults(fmt)  # tp_bwd_overlap off (+ torchtitan's gathered inputs)
    assert facts["tp_bwd_overlap"] is False
    own = estimate(replace(prob, software=Software.from_dict(facts)), got)
    default = estimate(replace(prob, software=Software()), got)
    assert d["step_time_s"] == pytest.approx(own.step_time, rel=1e-9)
    assert default.step_time < own.step_time


def test_a_proposal_kept_to_another_framework_runs_as_that_one(capsys, planned, tmp_path):
    """A Megatron launch with ``--framework deepspeed``: the launch is priced as Megatron runs
    it, the proposal (a DeepSpeed plan, TP kept at 2) as DeepSpeed runs it."""
    prob, plan = planned
    args = tmp_path / "args.txt"
    args.write_text(export(prob, plan, "megatron")["text"])
    code, out, err = run(
        capsys,
        *BASE,
        "--from",
        "megatron",
        str(args),
        "--framework",
        "deepspeed",
        "--fix",
        "tp=2",
        "--json",
        "-t",
        "10",
    )
    assert code == 0, err
    d = json.loads(out)
    best = TrainingPlan.from_dict(d["proposal"]["plan"])
    assert best.tp == 2
    ds = estimate(replace(prob, software=Software(tp_bwd_overlap=False)), best)
    mcore = estimate(replace(prob, software=Software()), best)
    assert d["proposal"]["step_time_s"] == pytest.approx(ds.step_time, rel=1e-9)
    assert mcore.step_time < ds.step_time


@pytest.mark.parametrize("fmt", ["nemo", "deepspeed"])
def test_a_launch_without_a_split_runs_its_frameworks_equal_stages(capsys, tmp_path, fmt):
    """NeMo overrides and a DeepSpeed config state no stage split, and both frameworks build
    equal stages only (``frameworks.PROFILES``; ``--export`` plans them so): the launch is
    priced with equal stages, not at the planner's best split (13 / 11 layers of GPT-1.7B on
    pp 2 was 6.4 % faster than the NeMo launch runs), and the note says so. The export's own
    plan and the launch read back from it then take the same step time."""
    code, out, err = run(
        capsys, *BASE, *WORKLOAD, "--fix", "tp=2,pp=2", "--export", fmt, "--json", "-t", "10"
    )
    assert code == 0, err
    exported = json.loads(out)
    assert len(set(exported["plan"]["stage_layers"])) == 1
    path = tmp_path / f"launch.{fmt}"
    path.write_text(exported["export"]["text"])
    extra = ("-s", "1024") if fmt == "deepspeed" else ()
    code, out, err = run(capsys, *BASE, *extra, "--from", fmt, str(path), "--json", "-t", "10")
    assert code == 0, err
    d = json.loads(out)
    assert d["plan"]["stage_layers"] == [12, 12]
    assert d["step_time_s"] == pytest.approx(exported["step_time_s"], rel=1e-9)
    assert any("splits the layers equally" in n for n in d["from"]["notes"])


def test_a_launch_without_a_sequence_length_names_the_file(capsys, planned, tmp_path):
    """A DeepSpeed config states no sequence length: the error names the file as well as the
    flag (it said only 'missing option --seq', as if the flag were the mistake)."""
    prob, plan = planned
    path = tmp_path / "ds.json"
    path.write_text(export(prob, plan, "deepspeed")["text"])
    code, _out, err = run(capsys, *BASE, "--from", "deepspeed", str(path), "-t", "5")
    assert code == 2
    assert f"missing option --seq ({path} states none: give --seq)" in " ".join(err.split())


def test_a_megatron_launch_without_a_split_runs_megatron_cores_equal_stages(capsys, tmp_path):
    """Megatron-Core without --decoder-first/last-pipeline-num-layers or a layout builds equal
    stages (``get_num_layers_to_build`` asserts ``num_layers % pp == 0`` and gives each rank
    the quotient): a hand-written launch was priced at 13 / 11 layers, which it does not run."""
    args = tmp_path / "args.txt"
    args.write_text(
        "--tensor-model-parallel-size 2 --pipeline-model-parallel-size 2 --micro-batch-size 2 "
        "--global-batch-size 64 --seq-length 1024 --sequence-parallel\n"
    )
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(args), "--json", "-t", "10")
    assert code == 0, err
    d = json.loads(out)
    assert d["plan"]["stage_layers"] == [12, 12]
    # priced as the same launch with the equal split written out
    text = args.read_text().strip()
    args.write_text(
        text + " --decoder-first-pipeline-num-layers 12 --decoder-last-pipeline-num-layers 12\n"
    )
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(args), "--json", "-t", "10")
    assert code == 0, err
    assert json.loads(out)["step_time_s"] == pytest.approx(d["step_time_s"], rel=1e-12)
    args.write_text(text + "\n")
    assert any("Megatron-LM splits the layers equally" in n for n in d["from"]["notes"])
    # one of the two counts given: Megatron spreads the rest; still left open, as before
    args.write_text(args.read_text().strip() + " --decoder-first-pipeline-num-layers 13\n")
    code, out, err = run(capsys, *BASE, "--from", "megatron", str(args), "--json", "-t", "10")
    assert code == 0, err
    assert not any("splits the layers equally" in n for n in json.loads(out)["from"]["notes"])


def _titan(extra: str) -> str:
    return "[parallelism]\npipeline_parallel_degree = 4\n" + extra


def test_torchtitan_split_follows_its_generator():
    """torchtitan's ``generate_llm_fqn_per_model_part`` (@6404b93) counts the embedding and
    the output as one layer each by default and gives the remainder to the first stages: 32
    layers on 4 ranks run 8 / 9 / 8 / 7 (the split was left open without the keys), and on
    3 ranks 11 / 11 / 10 (was refused: 34 weighted layers do not divide by 3)."""
    from planner.train.launch import stage_layers, torchtitan_stages

    assert torchtitan_stages(32, 4, 1, 1, "x") == (8, 9, 8, 7)
    assert torchtitan_stages(32, 3, 1, 1, "x") == (11, 11, 10)
    assert torchtitan_stages(30, 4, 1, 1, "x") == (7, 8, 8, 7)
    assert torchtitan_stages(32, 2, 0, 0, "x") == (16, 16)
    launch = read_text_launch("torchtitan", _titan(""), "job.toml")
    assert stage_layers(launch, 32) == (8, 9, 8, 7)
    three = _titan("").replace("= 4", "= 3")
    assert stage_layers(read_text_launch("torchtitan", three, "job.toml"), 32) == (11, 11, 10)
    with pytest.raises(InputError, match="last_stage_less_layers 12 exceeds the 11"):
        torchtitan_stages(32, 4, 1, 12, "x")


def test_torchtitan_looped_schedule_defaults_to_two_virtual_stages_per_rank():
    """Interleaved1F1B without ``pipeline_parallel_layers_per_stage`` runs 2 stages per rank
    (``llama3/infra/pipeline.py`` @6404b93); the planner left the virtual stages open."""
    from planner.train.launch import stage_layers

    text = _titan('pipeline_parallel_schedule = "Interleaved1F1B"\n')
    launch = read_text_launch("torchtitan", text, "job.toml")
    assert launch.fixed["interleave"] == 2
    # 8 virtual stages over 34 weighted layers: 4 5 4 4 | 4 4 4 3 (the remainder to the first
    # two, the embedding and the output one layer each); rank j holds stages j and j + 4
    assert stage_layers(launch, 32) == (4 + 4, 5 + 4, 4 + 4, 4 + 3)
