"""What a person sees: tables at 80 columns, the live progress line, nothing extra in pipes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from planner.cli import main
from planner.core import progress
from planner.core.console import LiveProgress

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
TRAIN = ["plan", "train", "--model", "llama-3.1-8b", "--gpus", "64xH100", "-B", "512", "-s", "8192"]
TRAIN += ["-t", "10", "-k", "2"]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "smtt", INSTANCES / "smtt" / "tkindt_n100_sample.jsonl", "-m", "edd"],
        [
            "solve",
            "rcpsp",
            INSTANCES / "rcpsp" / "PSP2.SCH",
            INSTANCES / "rcpsp" / "datacenter_migration.json",
            "-m",
            "sgs-basic",
        ],
        ["families"],
        # the memory table: one stage, then one row per stage (a stage column more)
        [*TRAIN, "--fix", "tp=1,pp=1,dp=32,cp=2,mb=1,zero=1,recompute=none"],
        [*TRAIN, "--fix", "tp=1,pp=4,dp=16,mb=1,zero=1,recompute=none,v=1"],
    ],
)
def test_tables_fit_80_columns_without_cutting_values(capsys, monkeypatch, args):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, *args)
    assert code == 0 and err == ""
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out  # nothing truncated
    if args[0] == "plan":  # a plan was found and its memory table shown, legend and all
        assert "memory per GPU" in out and "rsvd = reserved headroom" in out
    if args[0] == "solve":
        code, jsonl, _ = run(capsys, *args, "--json")
        for row in map(json.loads, jsonl.splitlines()):
            assert row["status"] in out
            for key in ("objective", "bound"):
                if row[key] is not None:
                    assert f" {row[key]} " in out  # numbers are never folded


def test_no_live_line_when_stderr_is_not_a_terminal(capsys):
    code, out, err = run(
        capsys, "solve", "smtt", INSTANCES / "smtt" / "example.json", "-m", "cpsat", "-t", "2"
    )
    assert code == 0 and err == "" and "example20" in out


def test_live_line_follows_begin_updates_and_end():
    from rich.console import Console

    live = LiveProgress(Console(file=open("/dev/null", "w"), force_terminal=True))  # noqa: SIM115
    live({"event": "begin", "title": "smtt x · cpsat"})
    live({"event": "update", "stage": "loading compiled kernels"})
    assert "loading compiled kernels" in live.line()
    live({"event": "update", "objective": 120, "bound": 90, "source": "cp-sat"})
    line = live.line()
    assert line.endswith("cp-sat · smtt x · cpsat")
    assert "best 120 · bound 90 · gap 25.00%" in line and "loading" not in line
    live({"event": "end"})
    live({"event": "begin", "title": "smtt y · cpsat"})  # the next run starts clean
    assert "best" not in live.line()
    live({"event": "end"})


def test_solver_helpers_report_progress():
    from ortools.sat.python import cp_model

    from planner.core import cpsat, mip

    events = []
    model = cp_model.CpModel()
    xs = [model.new_int_var(0, 9, f"x{i}") for i in range(4)]
    model.add(sum(xs) >= 17)
    model.minimize(sum((i + 1) * x for i, x in enumerate(xs)))
    with progress.listening(events.append):
        out = cpsat.run(model, cpsat.make_solver(time_limit=5))
        assert (
            cpsat.run(model, cpsat.make_solver(time_limit=5), report=False).objective
            == out.objective
        )
    assert out.objective == 25 and events
    assert all(e["source"] == "cp-sat" for e in events)
    assert events[-1]["objective"] == 25

    events.clear()
    with progress.listening(events.append):
        h = mip.new_highs(time_limit=5)
        x = [h.addIntegral(lb=0, ub=9) for _ in range(4)]
        h.addConstr(sum(x) >= 17)
        h.setObjective(sum((i + 1) * v for i, v in enumerate(x)))
        h.run()
    assert events and events[-1]["source"] == "highs" and events[-1]["objective"] == 25

    events.clear()
    with progress.listening(events.append), progress.muted():
        cpsat.run(model, cpsat.make_solver(time_limit=5))
    assert events == []


def test_plan_serve_live_line_shows_only_the_users_objective(capsys):
    """The live line showed the tie-break solves' objectives (10 GPUs, then -10.67 req/s of
    headroom) after the $29.90/h plan, and the day MIP's internal objective."""
    serve = ["plan", "serve", "--model", "llama-3.1-70b", "--gpus", "H100:16,A100:32"]
    serve += ["--prompt-tokens", "exp:1024", "--output-tokens", "exp:256", "--ttft", "1s"]
    serve += ["--tpot", "50ms", "-t", "60", "--json"]
    events: list[dict] = []
    with progress.listening(events.append):
        code, out, _ = run(capsys, *serve, "--qps", "10")
    cost = json.loads(out)["cost_per_hour"]
    shown = [e["objective"] for e in events if e.get("objective") is not None]
    assert code == 0 and shown and shown[-1] == pytest.approx(cost)
    assert all(x >= cost - 1e-9 for x in shown)  # incumbents' $/h, never below the plan's
    events.clear()
    with progress.listening(events.append):
        code, out, _ = run(capsys, *serve, "--profile", "1,5,3")
    assert code == 0 and json.loads(out)["day"]["cost_per_day"] > 0
    assert not [e for e in events if e.get("objective") is not None]  # nothing, not the MIP's


def test_plan_serve_throughput_live_line_shows_tokens_per_s(capsys):
    """Without --qps the MIP minimises -tokens/s; the live line showed 'best -50015.2'."""
    serve = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:8,A100:8"]
    serve += ["--prompt-tokens", "1000", "--output-tokens", "200", "--ttft", "2s"]
    serve += ["--tpot", "100ms", "-t", "60", "--json"]
    events: list[dict] = []
    with progress.listening(events.append):
        code, out, _ = run(capsys, *serve)
    assert code == 0
    tokens = json.loads(out)["throughput_tokens_per_s"]
    shown = [e for e in events if e.get("objective") is not None]
    assert shown and all(e["sense"] == "max" for e in shown)
    assert shown[-1]["objective"] == pytest.approx(tokens, rel=1e-6)
    assert all(0 < e["objective"] <= tokens * (1 + 1e-9) for e in shown)
    bounds = [e["bound"] for e in shown if e.get("bound") is not None]
    assert all(b >= tokens * (1 - 1e-9) for b in bounds)  # an upper bound, not below the plan
    from rich.console import Console

    live = LiveProgress(Console(file=io.StringIO()))
    live({"event": "update", "objective": 90.0, "bound": 100.0, "sense": "max"})
    assert "best 90" in live.line() and "gap 11.11%" in live.line()
