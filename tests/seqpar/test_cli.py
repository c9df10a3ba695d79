"""The seqpar commands end to end: gen, solve (--json, --plot), plan seqpar, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from planner.cli import main
from planner.seqpar.readers import read

from .strategies import INSTANCES, preset_instance

SAMPLE = INSTANCES / "wikipedia_sample.txt"


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_solve_plot(capsys, tmp_path):
    target = tmp_path / "b.json"
    code, _, _ = run(
        capsys,
        "gen",
        "seqpar",
        "--lengths",
        SAMPLE,
        "--batch",
        64,
        "--gpus",
        16,
        "--max-len",
        32768,
        "--seed",
        3,
        "--out",
        target,
    )
    assert code == 0
    (inst,) = read(target)
    assert inst.n == 64 and inst.gpus == 16 and inst.max_len == 32768
    png = tmp_path / "p.png"
    code, out, _ = run(capsys, "solve", "seqpar", target, "-t", 0.5, "--json", "--plot", png)
    row = json.loads(out)
    assert code == 0 and row["verified"] and png.exists()
    mbs = row["solution"]["microbatches"]
    assert sorted(i for mb in mbs for g in mb["groups"] for i in g["sequences"]) == list(range(64))
    assert row["stats"]["speedup_static"] >= row["stats"]["speedup_adaptive"] >= 1.0 - 1e-9
    code, out, _ = run(capsys, "gen", "seqpar", "--mix", "github", "--batch", 8, "--gpus", 8)
    assert code == 0 and json.loads(out)["n"] == 8


def test_plan_seqpar(capsys, tmp_path):
    out_file = tmp_path / "run.json"
    code, out, _err = run(
        capsys,
        "plan",
        "seqpar",
        "--lengths",
        SAMPLE,
        "--batch",
        32,
        "--steps",
        2,
        "--gpus",
        16,
        "--max-len",
        65536,
        "-t",
        0.5,
        "--json",
        "--out",
        out_file,
    )
    assert code == 0
    summary = json.loads(out)
    assert summary["steps"] == 2 and summary["speedup_static"] >= summary["speedup_adaptive"]
    assert set(summary["solve_s"]) == {"mean", "p50", "p90", "p99", "max"}
    saved = json.loads(out_file.read_text())
    assert len(saved["steps"]) == 2
    code, out, _ = run(
        capsys,
        "plan",
        "seqpar",
        "--lengths",
        SAMPLE,
        "--batch",
        16,
        "--steps",
        1,
        "--gpus",
        8,
        "-t",
        0.3,
    )
    assert code == 0 and "batch-adaptive SP" in out and "solve time per step" in out


def test_bad_input_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "gen", "seqpar", "--lengths", SAMPLE, "--gpus", 60)
    assert code == 2 and "--gpus: 60 is not a multiple of the node size 8" in err
    bad = preset_instance([10, 20]).to_dict()
    bad["lengths"] = [10, -4]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(bad))
    code, _, err = run(capsys, "solve", "seqpar", f)
    assert code == 2 and "'lengths' item 1: -4 is not positive" in err and "Traceback" not in err
    lf = tmp_path / "l.txt"
    lf.write_text("5\n-1\n")
    code, _, err = run(capsys, "plan", "seqpar", "--lengths", lf, "--steps", 1)
    assert code == 2 and "l.txt:2" in err
    code, _, err = run(capsys, "gen", "seqpar", "--batch", 4)
    assert code == 2 and "exactly one of --lengths" in err


def test_too_long_is_infeasible_exit_0(capsys, tmp_path):
    f = tmp_path / "long.json"
    f.write_text(json.dumps(preset_instance([100, 400_000], gpus=64).to_dict()))
    code, out, _ = run(capsys, "solve", "seqpar", f, "--json")
    row = json.loads(out)
    assert code == 0 and row["status"] == "INFEASIBLE" and "400000 tokens" in row["reason"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--batch", "-1"], "--batch: expected 1..131072, got -1"),
        (["--batch", "1000000"], "--batch: expected 1..131072, got 1000000"),
        (["--gpus", "0"], "--gpus: expected 1..65536, got 0"),
        (["--max-len", "5"], "--max-len: no document of at most 5 tokens"),
        (["--over", "keep"], "--over: expected drop or truncate"),
    ],
)
def test_plan_seqpar_bad_setting_is_one_line_before_any_step(extra, fragment):
    """Settings are checked before the progress bar draws (one stderr line, exit 2)."""
    line = ["plan", "seqpar", "--lengths", str(SAMPLE), "--steps", "2", "--gpus", "16", *extra]
    proc = subprocess.run(
        [sys.executable, "-c", "from planner.cli import main; main()", *line],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--count", "10001"], "--count 10001: must be an integer from 1 to 10000"),
        (
            ["--gpus-per-node", "0"],
            "--gpus-per-node 0: must be an integer",
        ),  # was ZeroDivisionError
    ],
)
def test_gen_seqpar_count_and_node_size_are_checked(capsys, extra, fragment):
    code, out, err = run(capsys, "gen", "seqpar", "--mix", "github", "--batch", "4", *extra)
    assert code == 2 and out == "" and fragment in err


def test_gpu_with_a_flexsp_preset_exits_2(capsys):
    """--gpu was ignored with a FlexSP preset (its constants are its own A100s')."""
    code, out, err = run(
        capsys, "gen", "seqpar", "--mix", "github", "--batch", "4", "--gpu", "H100"
    )
    assert code == 2 and out == "" and "--gpu H100: FlexSP preset flexsp-7b" in err


def test_plan_seqpar_draws_no_progress_bar_on_a_redirected_stderr():
    """solve, plan and bench draw their progress on a terminal only; plan seqpar wrote its bar
    into a redirected stderr (s20user)."""
    line = ["plan", "seqpar", "--lengths", str(SAMPLE), "--steps", "2", "--gpus", "16"]
    line += ["--batch", "32", "-t", "0.5"]
    proc = subprocess.run(
        [sys.executable, "-c", "from planner.cli import main; main()", *line],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    # a time-limit overrun warning is not a bar: at load 13 "step0: auto ran 1.02 s over its
    # 0.50 s limit" failed this test (s23walk); nothing else may reach stderr
    rest = [
        ln for ln in proc.stderr.splitlines() if not re.search(r" ran .* over its .* limit$", ln)
    ]
    assert "static SP" in proc.stdout and rest == [], proc.stderr


def test_lengths_takes_the_bundled_sample_by_name(capsys, tmp_path, monkeypatch):
    """--lengths looks a bare name up in instances/seqpar/ as instance paths do, so the
    bundled Wikipedia sample works from any directory (it was "no such file"; s20user)."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "w.json"
    line = ["gen", "seqpar", "--lengths", "wikipedia_sample.txt", "--batch", "16"]
    code, _, err = run(capsys, *line, "--gpus", "8", "-o", target)
    assert code == 0, err
    assert len(read(target, None)[0].lengths) == 16
    code, _, err = run(capsys, "gen", "seqpar", "--lengths", "no_such_lengths.txt")
    assert code == 2 and "no_such_lengths.txt" in err


def test_gen_strategies_with_a_preset_exit_2(capsys, tmp_path):
    target = tmp_path / "g.json"
    code, out, err = run(
        capsys, "gen", "seqpar", "--mix", "github", "--strategies", "ring,foo", "-o", target
    )
    assert code == 2 and out == "" and not target.exists()
    assert err.count("\n") == 1 and "--strategies ring,foo: FlexSP preset flexsp-7b" in err
    code, _, err = run(capsys, "gen", "seqpar", "--mix", "github", "--max-len", 10, "-o", target)
    assert code == 2 and "--max-len: 10 tokens keeps 0 of the github mix" in err
    assert not target.exists()


def test_plan_seqpar_without_a_plan_says_so(capsys, tmp_path):
    """`-m static` where no single degree of the 32 GPUs holds the 196,608-token context: every
    step is UNKNOWN. The table printed "planner 0.0" s (a run that costs nothing) and the JSON
    "total_s": 0 for 0 planned steps (twenty-third session, s23walk)."""
    args = ["plan", "seqpar", "--lengths", SAMPLE, "--batch", 64, "--steps", 2, "--gpus", 32]
    args += ["-t", 0.5, "-m", "static"]
    code, out, _ = run(capsys, *args, "--json")
    summary = json.loads(out)
    assert code == 0 and summary["planned"] == 0 and summary["total_s"] is None
    unplanned = summary["unplanned"]
    assert unplanned["steps"] == 2 and unplanned["first"] == 0
    assert unplanned["reason"].startswith("no single degree holds the maximum context length")
    code, out, _ = run(capsys, *args, "--out", tmp_path / "run.json")
    planner_row = next(line for line in out.splitlines() if "│ planner" in line)
    assert code == 0 and "0.0" not in planner_row and "–" in planner_row
    assert "planned 0 of 2 steps" in out and "no single degree holds" in out
    steps = json.loads((tmp_path / "run.json").read_text())["steps"]
    assert [s["reason"] for s in steps] == [unplanned["reason"]] * 2


def test_gen_seqpar_notes_a_batch_without_a_plan(capsys, tmp_path):
    """The default --max-len (196,608, FlexSP's for 64 GPUs) on 16 GPUs sampled a github
    document of 80,077 tokens that no group holds: a batch every method reports INFEASIBLE, written
    without a word (twenty-third session, s23walk). Now one stderr line says so, and how to avoid
    it; the batches are still written (an infeasible batch is a valid instance)."""
    args = ["gen", "seqpar", "--mix", "github", "--batch", 64, "--gpus", 16, "--count", 3]
    code, _, err = run(capsys, *args, "-o", tmp_path / "a.jsonl")
    assert code == 0 and len((tmp_path / "a.jsonl").read_text().splitlines()) == 3
    (line,) = err.splitlines()
    assert line.startswith("planner: note: 1 of 3 batches have no plan (solve reports INFEASIBLE)")
    assert "a --max-len of at most 80,000 or more --gpus avoids it" in line
    code, _, err = run(capsys, *args, "--max-len", 80000, "-o", tmp_path / "b.jsonl")
    assert code == 0 and err == ""
