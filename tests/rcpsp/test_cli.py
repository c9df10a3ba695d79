"""The rcpsp commands end to end: gen, solve (--json, --plot), bench --reference, bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from planner.cli import main

from .helpers import INSTANCES


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_then_solve_json_and_plot(tmp_path, capsys):
    inst = tmp_path / "dc.json"
    code, _, _ = run(
        capsys,
        "gen",
        "rcpsp",
        "--scenario",
        "datacenter-migration",
        "--jobs",
        "12",
        "--p-downtime",
        "0.5",
        "--p-window",
        "0.3",
        "--seed",
        "2",
        "-o",
        inst,
    )
    assert code == 0 and json.loads(inst.read_text())["meta"]["scenario"] == "datacenter-migration"
    code, out, _ = run(
        capsys, "solve", "rcpsp", inst, "--json", "-t", "5", "--plot", tmp_path / "g.png"
    )
    row = json.loads(out)
    assert code == 0 and row["verified"] and len(row["solution"]["start"]) == 12
    assert (tmp_path / "g.png").exists()


def test_gen_ramp_jsonl(tmp_path, capsys):
    out = tmp_path / "ramp.jsonl"
    code, _, _ = run(capsys, "gen", "rcpsp", "--jobs", "10", "--ramp", "3", "--any", "-o", out)
    assert code == 0 and len(out.read_text().splitlines()) == 3


def test_bench_with_reference(tmp_path, capsys):
    ref = tmp_path / "optimum.csv"
    ref.write_text("problem,optimum\nPSP1.SCH,26\nPSP2.SCH,unsat\n")
    code, out, _ = run(
        capsys,
        "bench",
        "rcpsp",
        INSTANCES / "PSP1.SCH",
        INSTANCES / "PSP2.SCH",
        "--methods",
        "cpsat",
        "-t",
        "5",
        "--reference",
        ref,
        "--csv",
        tmp_path / "r.csv",
    )
    # the Markdown summary goes to stdout: the optimum matched and the unsat instance proven
    assert code == 0 and "| 2/2 | 0 |" in out


def test_bad_input_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.sm"
    shutil.copy(INSTANCES / "j301_1.sm", bad)
    text = bad.read_text().splitlines()
    text[22] = text[22].replace("20", "99")
    bad.write_text("\n".join(text) + "\n")
    code, _, err = run(capsys, "solve", "rcpsp", bad)
    assert code == 2 and "bad.sm:23: job 5: successor 99" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--count", "10001"], "--count 10001: must be an integer from 1 to 10000"),
        (["--ramp", "10001"], "--ramp 10001: must be an integer from 1 to 10000"),
        (["--ramp", "3", "--count", "2"], "--ramp is exclusive with --count and --level"),
        (["--ramp", "3", "--level", "9"], "--ramp is exclusive with --count and --level"),
        (["--level", "-3"], "--level: need 0 or more precedence edges, got -3"),
    ],
)
def test_gen_count_and_ramp_are_checked(capsys, extra, fragment):
    code, out, err = run(capsys, "gen", "rcpsp", "--jobs", "5", *extra)
    assert code == 2 and out == "" and fragment in err


def test_gen_says_when_the_level_does_not_fit(capsys):
    code, out, err = run(capsys, "gen", "rcpsp", "--tasks", "10", "--layers", "1", "--level", "5")
    assert code == 0 and json.loads(out)["meta"]["level"] == 0
    assert err.startswith("planner: note: --level: the layered DAG had room for 0 ")
    assert "of the 5 asked in synthetic-n10-k0-s0" in err
    code, _, err = run(capsys, "gen", "rcpsp", "--tasks", "10", "--ramp", "12")
    assert code == 0 and "--ramp: " in err and "of 12 instances short" in err
    code, _, err = run(capsys, "gen", "rcpsp", "--tasks", "10", "--level", "5")
    assert code == 0 and err == ""


def test_gen_any_without_windows_is_said(capsys):
    code, _, err = run(capsys, "gen", "rcpsp", "--tasks", "8", "--any")
    assert code == 0 and "--any: only deadlines (--p-window)" in err
    code, _, err = run(capsys, "gen", "rcpsp", "--tasks", "8", "--any", "--p-window", "0.5")
    assert code == 0 and err == ""


def test_gen_tasks_keeps_jobs_as_its_former_name(capsys):
    """--jobs counts parallel workers on bench; gen rcpsp's task count is --tasks (-n)."""
    _, new, _ = run(capsys, "gen", "rcpsp", "--tasks", "7", "--seed", "3")
    _, old, _ = run(capsys, "gen", "rcpsp", "--jobs", "7", "--seed", "3")
    _, short, _ = run(capsys, "gen", "rcpsp", "-n", "7", "--seed", "3")
    assert new == old == short and len(json.loads(new)["jobs"]) == 7
    code, out, err = run(capsys, "gen", "rcpsp", "--tasks", "7", "--jobs", "8")
    assert code == 2 and out == "" and "--jobs is the former name of --tasks" in err
