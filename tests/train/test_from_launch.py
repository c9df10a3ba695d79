"""``--from``: the framework read is named, ``--export`` converts the launch read while the
proposal carries its own launch; DeepSpeed configs with duplicate keys are refused."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.train.export import export as export_launch
from planner.train.launch import read_launch

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


@pytest.fixture(scope="module")
def megatron_launch(tmp_path_factory):
    from planner.train.api import make_problem, solve

    prob = make_problem("gpt-1.7b", "16xA100", global_batch=64, seq_len=1024, tp=2, pp=2)
    res = solve(prob, "auto", time_limit=20)
    assert res.solution is not None
    path = tmp_path_factory.mktemp("launch") / "args.txt"
    path.write_text(export_launch(prob, res.solution, "megatron")["text"])
    return path


def test_from_names_the_framework_and_exports_the_proposal(capsys, megatron_launch, tmp_path):
    out_file = tmp_path / "out.txt"
    code, out, _ = run(
        capsys,
        *BASE,
        "--from",
        "megatron",
        str(megatron_launch),
        "--export",
        "megatron",
        "-o",
        str(out_file),
        "--json",
        "-t",
        "20",
    )
    assert code == 0
    d = json.loads(out)
    assert d["framework"] == "megatron"  # was null
    # the top-level export and -o are the launch read (a conversion), as documented ...
    assert out_file.read_text() == d["export"]["text"]
    assert "--tensor-model-parallel-size 2" in d["export"]["text"]
    # ... and the proposal carries its own launch
    prop = d["proposal"]
    tp = prop["plan"]["tp"]
    assert f"--tensor-model-parallel-size {tp} " in prop["export"]["text"]
    assert prop["export"]["format"] == "megatron"


def test_from_table_says_which_launch_is_exported(capsys, megatron_launch):
    code, out, _ = run(
        capsys,
        *BASE,
        "--from",
        "megatron",
        str(megatron_launch),
        "--export",
        "megatron",
        "-t",
        "20",
    )
    assert code == 0
    assert "the launch read (--from), converted" in out


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"train_batch_size": 64, "train_batch_size": 32}', "train_batch_size"),
        ('{"zero_optimization": {"stage": 1, "stage": 3}}', "stage"),
    ],
)
def test_deepspeed_config_with_a_key_given_twice_is_refused(tmp_path, capsys, text, key):
    """DeepSpeed refuses duplicate keys; ``--from deepspeed`` read the last one (ZeRO-3 here)."""
    path = tmp_path / "ds.json"
    path.write_text(text)
    with pytest.raises(InputError, match=f"key '{key}' given twice"):
        read_launch("deepspeed", str(path))
    code, out, err = run(capsys, *BASE, "--from", "deepspeed", str(path), "--json")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert f"key '{key}' given twice" in err


@pytest.mark.parametrize(
    ("fmt", "text", "key"),
    [
        ("megatron", "--grad-reduce-in-bf16=maybe", "--grad-reduce-in-bf16"),
        ("megatron", "--fp8-format hybrid --fp8-param-gather=maybe", "--fp8-param-gather"),
        (
            "deepspeed",
            '{"zero_optimization": {"zero_quantized_gradients": "maybe"}}',
            "zero_optimization.zero_quantized_gradients",
        ),
        (
            "deepspeed",
            '{"zero_optimization": {"zero_quantized_weights": "maybe"}}',
            "zero_optimization.zero_quantized_weights",
        ),
    ],
)
def test_a_malformed_switch_is_named_by_its_key(tmp_path, fmt, text, key):
    """The message named "bf16", "fp8", "qg" or "qw", no key of the file (s25review)."""
    path = tmp_path / ("launch.json" if fmt == "deepspeed" else "launch.args")
    path.write_text(text)
    with pytest.raises(InputError, match=f"{key} must be true or false, got 'maybe'"):
        read_launch(fmt, str(path))


@pytest.mark.parametrize("nodes", ["4", "1" + "0" * 30])
def test_a_launch_on_more_gpus_than_the_cluster_names_the_file(capsys, tmp_path, nodes):
    """A NeMo launch on 4 x 8 GPUs against 16xA100 said "gpt-1.7b@16xA100-80GB: max_gpus=32
    exceeds the cluster's 16 GPUs" (the problem's name and field, s30bad)."""
    path = tmp_path / "launch.nemo"
    path.write_text(
        f"trainer.num_nodes={nodes} trainer.devices=8 "
        "trainer.strategy.tensor_model_parallel_size=1 data.micro_batch_size=4 "
        "data.global_batch_size=64 data.seq_length=1024"
    )
    code, out, err = run(capsys, *BASE[:6], "-t", "2", "--from", "nemo", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        f"planner: error: {path}: runs on {int(nodes) * 8} GPUs, more than the 16 of --gpus" in err
    )
