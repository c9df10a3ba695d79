"""The pipelining commands end to end: gen, solve, plan pipelining (--warps, --explain, --json, --plot), bad input."""

from __future__ import annotations

import json

import pytest

from planner.cli import main

from .strategies import INSTANCES


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_gen_then_solve_json(capsys, tmp_path):
    target = tmp_path / "loops.jsonl"
    code, _, _ = run(
        capsys,
        "gen",
        "pipelining",
        "--ops",
        "8..12",
        "--units",
        "3",
        "--recurrences",
        "1",
        "--count",
        "2",
        "--seed",
        "3",
        "-o",
        target,
    )
    assert code == 0 and len(target.read_text().splitlines()) == 2
    code, out, _ = run(capsys, "solve", "pipelining", target, "-m", "exact", "-t", "20", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2 and all(r["verified"] for r in rows)
    assert all(set(r["solution"]) == {"ii", "length", "start", "warp"} for r in rows)


def test_plan_pipelining_explain_and_plot(capsys, tmp_path):
    png = tmp_path / "fa3.png"
    code, out, _ = run(
        capsys,
        "plan",
        "pipelining",
        INSTANCES / "fa3_fwd_hopper.json",
        "-m",
        "exact",
        "-t",
        "60",
        "--threads",
        "2",
        "--explain",
        "--plot",
        png,
    )
    assert code == 0, out
    assert "OPTIMAL" in out and "binding: resource TC" in out and "WG0: load_k" in out
    assert png.stat().st_size > 5000
    # the bounds line once, with its time unit (--explain printed it a second time; s20user)
    assert out.count("bounds: ResMII") == 1 and "(time units of 29 cycles)" in out


def test_plan_pipelining_with_too_few_warps(capsys, tmp_path):
    png = tmp_path / "none.png"
    line = ["plan", "pipelining", "fa3_fwd_hopper.json", "--warps", "1", "-t", "5", "--json"]
    code, out, err = run(capsys, *line, "--plot", png)
    assert code == 0
    row = json.loads(out)
    assert row["status"] == "INFEASIBLE" and "producer" in row["reason"]
    # no plot and, until now, no word about it
    assert not png.exists() and len(err.strip().splitlines()) == 1
    assert f"--plot {png} not written: fa3_fwd_hopper has no solution (INFEASIBLE: " in err


def test_solve_plot_of_an_infeasible_loop_says_why_not_written(capsys, tmp_path):
    raw = json.loads((INSTANCES / "fa3_fwd_hopper.json").read_text())
    raw["machine"]["warp_groups"] = 1
    loop, png = tmp_path / "one_group.json", tmp_path / "none.png"
    loop.write_text(json.dumps(raw))
    code, out, err = run(capsys, "solve", "pipelining", loop, "-t", "5", "--plot", png)
    assert code == 0 and "INFEASIBLE" in out and not png.exists()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"--plot {png} not written: fa3_fwd_hopper has no solution (INFEASIBLE: " in err


def test_bad_input_exits_2_naming_the_item(capsys, tmp_path):
    raw = json.loads((INSTANCES / "fa3_fwd_hopper.json").read_text())
    raw["edges"][0]["src"] = "nowhere"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    code, _, err = run(capsys, "solve", "pipelining", bad)
    assert code == 2 and "nowhere" in err and "Traceback" not in err
    raw = json.loads((INSTANCES / "fa3_fwd_hopper.json").read_text())
    raw["edges"].append({"src": "exp_a", "dst": "qk_a", "latency": 0, "distance": 0})
    bad.write_text(json.dumps(raw))
    code, _, err = run(capsys, "plan", "pipelining", bad)
    assert code == 2 and "total distance 0" in err


def test_gen_count_above_the_limit_exits_2(capsys):
    code, out, err = run(capsys, "gen", "pipelining", "--ops", "3", "--count", "10001")
    assert code == 2 and out == "" and "--count 10001: must be an integer from 1 to 10000" in err


def test_plan_pipelining_warps_above_one_loops_machine_clamps_that_loop(capsys, tmp_path):
    """One loop on a 2-group machine used to refuse the whole file (exit 2) for --warps 4."""
    raw = json.loads((INSTANCES / "gemm_hopper.json").read_text())
    small = {**raw, "name": "gemm_two_groups", "machine": {**raw["machine"], "warp_groups": 2}}
    loops = tmp_path / "loops.jsonl"
    loops.write_text(json.dumps(raw) + "\n" + json.dumps(small) + "\n")
    code, out, err = run(capsys, "plan", "pipelining", loops, "--warps", "4", "-t", "5", "--json")
    assert code == 0 and "Traceback" not in err
    rows = {r["instance"]: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == {"gemm_hopper", "gemm_two_groups"}
    assert "--warps 4: gemm_two_groups's machine has 2 warp groups; scheduled with 2" in err
    assert "gemm_hopper's" not in err and "warps_clamped" not in rows["gemm_hopper"]["stats"]
    assert rows["gemm_two_groups"]["stats"]["warps_clamped"] == {"asked": 4, "machine": 2}
    clamped = rows["gemm_two_groups"]["solution"]
    assert clamped is None or len(set(clamped["warp"].values())) <= 2


def test_plan_pipelining_warps_above_any_sm_exits_2(capsys):
    """--warps 10000 grew the CP-SAT model until -t 2 ran 12.8 s: no SM holds more than 64."""
    code, out, err = run(
        capsys, "plan", "pipelining", "gemm_hopper.json", "--warps", "65", "-t", "2"
    )
    assert code == 2 and out == ""
    assert "--warps 65: at most 64" in err and "Traceback" not in err


def test_plan_pipelining_of_a_loop_in_cycles_says_one_cycle(capsys, tmp_path):
    loop = tmp_path / "loop.json"
    code, _, err = run(capsys, "gen", "pipelining", "--ops", 6, "--units", 2, "-o", loop)
    assert code == 0, err
    code, out, err = run(capsys, "plan", "pipelining", loop, "-t", 5, "--threads", 1)
    assert code == 0, err
    assert "(time units of 1 cycle)" in out and "1 cycles" not in out
