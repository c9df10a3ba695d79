"""Bad serving flags the s28bad sweep found: one line naming the flag, exit 2.

(bench/session_runs/s28bad/sweep.py derives the cases; each here failed on main: the line
named no flag, or the run went ahead.)
"""

from __future__ import annotations

import pytest

from planner.cli import main

BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "-t", "2"]
LENGTHS = ["--prompt-tokens", "600", "--output-tokens", "150", "--tpot", "50ms"]
SERVE = [*BASE, "--qps", "2", *LENGTHS]


def one_error_line(args: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2, out + err
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("extra", "starts"),
    [
        (["--precision", "fp3"], "--precision: unknown precision 'fp3'"),
        (["--kv-precision", "int3"], "--kv-precision: unknown precision 'int3'"),
        (["--engine", "bogus"], "--engine: engine must be one of"),
        (["--engine", "vllm,steps=0"], "--engine: engine scheduler steps"),
        (["--engine", "vllm:0.6.3,bogus"], "--engine: engine option must be"),
        (["--engine", "trtllm,mem=0.95"], "--engine: engine option mem=0.95 is vLLM's"),
        (["--engine", "vllm,mem=1.5"], "--engine: engine option mem=1.5: the GPU memory"),
        (["--engine", ""], "--engine is empty"),
        (["--gpu-type", "B200"], "--gpu-type 'B200': no such pool in the inventory (H100-SXM)"),
        (["--kv-block", "0"], "--kv-block must be a positive integer, got 0"),
        (["--kv-admission", "bogus"], "--kv-admission must be one of on-demand, reserve"),
        (["--speculative", "bogus"], "--speculative must be one of draft, eagle, mtp"),
        (["--speculative", "eagle", "--spec-tokens", "0"], "--spec-tokens must be a positive"),
        (["--speculative", "draft"], "--speculative draft needs --draft-model"),
        (["--pricing", ""], "--pricing must be one of on-demand, reserved, spot, got ''"),
        (["--method", "bogus"], "--method: unknown serve method 'bogus'"),
    ],
)
def test_a_bad_flag_is_named(extra, starts, capsys):
    line = one_error_line([*SERVE, *extra], capsys)
    assert line.startswith("planner: error: " + starts), line


@pytest.mark.parametrize(
    ("extra", "starts"),
    [
        (["--profile", "-1,2"], "--profile: rate of period 0 must be >= 0"),
        (["--profile", "nan,1"], "--profile: rate of period 0 must be a number"),
        (["--profile", "1,2", "--period-hours", "0"], "--period-hours must be a finite number"),
        (["--profile", "1,2", "--spot", "--spot-max-share", "1.5"], "--spot-max-share must lie"),
    ],
)
def test_a_bad_profile_is_named(extra, starts, capsys):
    line = one_error_line([*BASE, *LENGTHS, *extra], capsys)
    assert line.startswith("planner: error: " + starts), line


@pytest.mark.parametrize("text", ['{"workloads": null}', "null"])
def test_workloads_null_is_bad_input_not_an_index_error(text, tmp_path, capsys):
    path = tmp_path / "wl.json"
    path.write_text(text)
    line = one_error_line([*BASE, "--tpot", "50ms", "--workloads", str(path)], capsys)
    assert (
        "wl.json: workloads must be a non-empty list" in line or "--workloads: no workload" in line
    )
