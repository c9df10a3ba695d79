"""``plan train --json`` and ``plan serve --json`` record the run as a Result does.

The README says every JSON result carries the planner version, the commit, the solvers'
versions, threads and time limit; the plan commands' JSON (a layout of its own) had none of
them, so an archived plan could not be traced to the code that made it.
"""

from __future__ import annotations

import json

import pytest

from planner import __version__
from planner.cli import main

TRAIN = ["plan", "train", "--model", "gpt-1.7b", "--gpus", "32xA100", "-B", "512", "-s", "2048"]
SERVE = [
    *("plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2"),
    *("--prompt-tokens", "512", "--output-tokens", "128", "--ttft", "1s", "--tpot", "50ms"),
]


def run_json(capsys, args: list[str]) -> dict:
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json"])
    assert exc.value.code == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "time_limit"),
    [
        ([*TRAIN, "-t", "20"], 20.0),
        ([*SERVE, "--qps", "3", "-t", "15"], 15.0),
        ([*SERVE, "--profile", "1,3", "-t", "15"], 15.0),  # the day plan's JSON too
    ],
)
def test_plan_json_carries_the_runs_provenance(capsys, args, time_limit):
    d = run_json(capsys, args)
    assert d["status"] == "OPTIMAL"
    assert d["planner_version"] == __version__
    assert set(d["solvers"]) == {"ortools", "highspy"}
    assert "git_commit" in d
    assert d["threads"] == 1 and d["time_limit"] == time_limit
