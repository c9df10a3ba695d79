"""Bad training inputs the s27bad sweep found: one line naming the file or flag, exit 2.

(bench/session_runs/s27bad/sweep.py derives the cases; each here failed on main.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.cli import main

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
PLAN = ["plan", "train", "--model", "gpt-1.7b", "-B", "64", "-s", "1024", "-t", "2"]


def one_error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, err
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: "), err
    return lines[0]


def test_huge_pool_count_in_a_cluster_file_is_named(tmp_path, capsys):
    """A two-pool cluster with count 1e30 raised OverflowError in the heterogeneous search."""
    text = (INSTANCES / "train/clusters/h100-two-nics.toml").read_text()
    path = tmp_path / "huge.toml"
    path.write_text(text.replace("count = 512\n", "count = " + "1" + "0" * 30 + "\n", 1))
    line = one_error_line([*PLAN, "--gpus", str(path)], capsys)
    assert "huge.toml: pool[0]: field 'count'" in line and "16,777,216" in line


@pytest.mark.parametrize("gpus", ["10000000000000000000000000xH100", "H100:99999999999,A100:8"])
def test_huge_count_in_a_cluster_string_names_the_flag(gpus, capsys):
    line = one_error_line([*PLAN, "--gpus", gpus], capsys)
    assert "--gpus" in line and "above 16,777,216" in line


@pytest.mark.parametrize(
    ("flag", "shown"), [("--seq-length", "--seq"), ("--global-batch-size", "--global-batch")]
)
def test_huge_batch_or_length_in_a_launch_names_the_file(flag, shown, tmp_path, capsys):
    """The workload's own check said "workload: seq_len ... exceeds", naming no file."""
    launch = tmp_path / "launch.sh"
    values = {"--global-batch-size": "64", "--seq-length": "1024", flag: "9" * 30}
    launch.write_text(
        "--tensor-model-parallel-size 1 --pipeline-model-parallel-size 1 --micro-batch-size 4 "
        + " ".join(f"{k} {v}" for k, v in values.items())
        + " --bf16\n"
    )
    line = one_error_line(
        [
            "plan",
            "train",
            "--model",
            "gpt-1.7b",
            "--gpus",
            "16xA100",
            "--from",
            "megatron",
            str(launch),
            "-t",
            "2",
        ],
        capsys,
    )
    assert f"launch.sh: states {shown} {'9' * 30}" in line


@pytest.mark.parametrize("gpus", ["16xA100", "A100:8,H100:8"])
def test_a_huge_interleave_is_infeasible_not_an_internal_error(gpus, capsys):
    """``-v 99999999999`` (s30bad) ended in "internal error: MemoryError": the rule of thumb
    evaluated the plan, building a list of v chunk sizes per stage. It is infeasible (no
    stage has that many layers), as ``-v 30`` on the 24-layer model always was."""
    with pytest.raises(SystemExit) as exc:
        # -t 30: the search ends once infeasibility is proven (the whole command took 1.6 s wall
        # at load 3); -t 2 ran out at load 10 (UNKNOWN)
        main([*PLAN[:-2], "-t", "30", "--gpus", gpus, "-v", "99999999999", "--json"])
    out, err = capsys.readouterr()
    assert exc.value.code == 0 and "Traceback" not in err
    import json

    got = json.loads(out)
    assert got["status"] == "INFEASIBLE"
    assert "interleave=99999999999: needs at least" in got["reason"]
