"""A name written as a number or a boolean in an input file is bad input naming the field.

``name = 5`` / ``name = true`` was turned into the text "5" / "True" by ``str()`` and planned
under it (s28bad); each case here was accepted on main.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
INST = ROOT / "instances"
SERVE = ["plan", "serve", "--model", "llama-3.1-8b", "--qps", "2", "--prompt-tokens", "600"]
SERVE += ["--output-tokens", "150", "--tpot", "50ms", "-t", "2"]


def one_error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: ") and out == "", err
    return lines[0]


@pytest.mark.parametrize(("value", "shown"), [("5", "5"), ("true", "True")])
def test_problem_names(value, shown, tmp_path, capsys):
    serve = tmp_path / "chat.toml"
    text = (INST / "serve/chat-70b.toml").read_text()
    serve.write_text(text.replace('name = "chat-70b"', f"name = {value}"))
    line = one_error_line(["solve", "serve", str(serve), "-t", "2"], capsys)
    assert f"chat.toml: field 'name' must be a string, got {shown}" in line
    shutil.copytree(INST / "train/configs", tmp_path / "configs")
    train = tmp_path / "train.json"
    text = (INST / "train/toy-8xa100.json").read_text()
    train.write_text(text.replace('"name": "toy-8xa100"', f'"name": {value}'))
    line = one_error_line(["solve", "train", str(train), "-t", "2"], capsys)
    assert f"train.json: field 'name' must be a string, got {shown}" in line


def test_a_workload_name_in_a_file(tmp_path, capsys):
    wl = tmp_path / "wl.toml"
    wl.write_text(
        "[[workloads]]\nname = 7\ntraffic = { qps = 1, prompt_tokens = 500, output_tokens = 90 }\n"
    )
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "50ms"]
    line = one_error_line([*args, "--workloads", str(wl), "-t", "2"], capsys)
    assert "wl.toml: workloads[0]: field 'name' must be a string, got 7" in line


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace('name = "mixed-h100-a100"', "name = 5"), "field 'name'"),
        (lambda t: t.replace('gpu = "H100"\n', 'gpu = "H100"\nname = 5\n', 1), "pool[0]: field"),
    ],
)
def test_cluster_and_pool_names(edit, field, tmp_path, capsys):
    path = tmp_path / "cluster.toml"
    path.write_text(edit((INST / "train/clusters/mixed-h100-a100.toml").read_text()))
    line = one_error_line([*SERVE, "--gpus", str(path)], capsys)
    assert "cluster.toml" in line and field in line and "must be a string, got 5" in line


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('name = "H100-SXM"', "name = 100", "'name' must be a string, got 100"),
        ('architecture = "Hopper"', "architecture = true", "'architecture' must be a string"),
    ],
)
def test_gpu_table_text_fields(old, new, field, tmp_path, capsys):
    path = tmp_path / "my_gpu.toml"
    text = (ROOT / "models/hardware/h100-sxm.toml").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    line = one_error_line([*SERVE, "--gpus", f"{path}:2"], capsys)
    assert "my_gpu.toml" in line and f"field {field}" in line
