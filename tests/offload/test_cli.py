"""planner gen offload / solve offload end to end; bad input exits 2 with the reason."""

from __future__ import annotations

import json

import numpy as np
import pytest

from planner.cli import main
from planner.offload.readers import read


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_then_solve_every_method(capsys, tmp_path):
    trace = tmp_path / "trace.json"
    code, _, _ = run(
        capsys,
        "gen",
        "offload",
        "--preset",
        "llada2-mini",
        "--steps",
        5,
        "--layers",
        1,
        "--seed",
        3,
        "--stability",
        0.9,
        "--zipf",
        0.8,
        "--drift",
        0.05,
        "--out",
        trace,
    )
    assert code == 0
    (inst,) = read(trace)
    assert inst.counts.shape == (5, 1, 256) and inst.meta["zipf"] == 0.8
    values = {}
    for method in ("exact", "tide", "auto", "lru", "lfu", "static", "belady", "d2moe"):
        code, out, _ = run(capsys, "solve", "offload", trace, "-m", method, "-t", 30, "--json")
        row = json.loads(out)
        assert code == 0 and row["verified"], method
        values[method] = row["objective"]
    assert all(v >= values["exact"] * (1 - 1e-9) for v in values.values())


def test_solve_writes_plan_and_plot(capsys, tmp_path):
    trace, plan, png = tmp_path / "t.jsonl", tmp_path / "plan.json", tmp_path / "p.png"
    run(capsys, "gen", "offload", "--steps", 4, "--layers", 1, "--out", trace)
    code, _, _ = run(capsys, "solve", "offload", trace, "-m", "auto", "-o", plan, "--plot", png)
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")
    data = json.loads(plan.read_text())
    assert data["stats"]["plan"]["format"] == "planner.offload.plan/1"
    assert len(data["solution"]["resident"]) == 4


def test_wrap_a_recorded_npy(capsys, tmp_path):
    counts = np.zeros((3, 26, 64), dtype=np.int16)
    counts[:, :, :6] = 1
    np.save(tmp_path / "rec.npy", counts)
    code, _, err = run(
        capsys,
        "gen",
        "offload",
        "--counts",
        tmp_path / "rec.npy",
        "--preset",
        "deepseek-v2-lite",
        "--budget",
        18,
        "--out",
        tmp_path / "rec.json",
    )
    assert code == 0, err
    code, out, _ = run(capsys, "solve", "offload", tmp_path / "rec.npy", "-m", "lru", "--json")
    assert code == 0 and json.loads(out)["verified"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["counts"][0][0].__setitem__(0, -1), "is negative"),
        (lambda d: d["hardware"].__setitem__("budget", 300), "'hardware.budget' = 300 is larger"),
        (lambda d: d["hardware"].__setitem__("budget", 0), "below the 1 shared"),
        (lambda d: [step.pop() for step in d["counts"]], "'counts' has shape [2, 1, 256]"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, edit, message):
    trace = tmp_path / "t.json"
    run(capsys, "gen", "offload", "--steps", 2, "--layers", 2, "--out", trace)
    data = json.loads(trace.read_text())
    edit(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, err = run(capsys, "solve", "offload", bad)
    assert code == 2 and out == "" and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_wrapping_a_trace_of_the_wrong_shape_exits_2(capsys, tmp_path):
    np.save(tmp_path / "w.npy", np.zeros((3, 5, 64), dtype=np.int16))
    code, _, err = run(
        capsys,
        "gen",
        "offload",
        "--counts",
        tmp_path / "w.npy",
        "--preset",
        "deepseek-v2-lite",
        "--out",
        tmp_path / "w.json",
    )
    assert code == 2 and "'counts' has shape [3, 5, 64] but the model has 26 layers" in err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        # an empty file escaped as click's Abort: "planner: aborted", exit 1
        (lambda p: p.write_bytes(b""), "empty file, not a .npy array"),
        (lambda p: p.write_text('{"a": 1}'), "not a .npy file (no NumPy header)"),
        (lambda p: p.mkdir(), "is a directory, expected a .npy file"),
        (lambda p: np.save(p, np.zeros((2, 5, 7), np.int16)), "'counts' has shape [2, 5, 7]"),
    ],
)
def test_bad_counts_file_exits_2_naming_the_option_and_file(capsys, tmp_path, make, message):
    counts = tmp_path / "rec.npy"
    make(counts)
    out_path = tmp_path / "out.json"
    args = ("gen", "offload", "--counts", counts, "--preset", "deepseek-v2-lite", "-o", out_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and not out_path.exists()
    assert err.startswith(f"planner: error: --counts {counts}: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_outputs_never_overwrite_the_npy_counts_or_its_header(capsys, tmp_path):
    """--out trace.npy replaced the counts a trace.json names with the results JSON."""
    header, counts = tmp_path / "t.json", tmp_path / "t.npy"
    code, _, _ = run(capsys, "gen", "offload", "--steps", 3, "--layers", 1, "-o", counts)
    assert code == 0 and header.exists()
    before = (header.read_bytes(), counts.read_bytes())
    for source, target in ((header, counts), (counts, header)):
        for flag in ("--out", "--csv"):
            cmd = ["solve", "offload", source] if flag == "--out" else ["bench", "offload", source]
            code, _, err = run(capsys, *cmd, "-t", 2, flag, target)
            assert code == 2 and "refusing to overwrite an input file" in err, (cmd, err)
            assert str(target) in err
    assert (header.read_bytes(), counts.read_bytes()) == before


def test_generation_options_with_counts_are_refused_not_ignored(capsys, tmp_path):
    """`gen offload --counts rec.npy --steps 5 --zipf 2` wrote the recorded trace unchanged
    (all its steps), exit 0: the generation options were silently ignored."""
    counts = tmp_path / "rec.npy"
    np.save(counts, np.ones((3, 26, 64), dtype=np.int16))
    out_path = tmp_path / "rec.json"
    wrap = ("gen", "offload", "--counts", counts, "--preset", "deepseek-v2-lite", "-o", out_path)
    code, out, err = run(capsys, *wrap, "--steps", 5, "--zipf", 2, "--layers", 3)
    assert code == 2 and out == "" and not out_path.exists()
    assert err.startswith("planner: error: --steps, --zipf, --layers: only for a generated trace")
    code, _, err = run(capsys, *wrap, "--budget", 18)  # hardware options do apply
    assert code == 0, err
