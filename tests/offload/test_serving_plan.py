"""The plan ``planner solve offload -o`` writes is what ``planner plan serve --offload`` reads."""

from __future__ import annotations

import json

import pytest

from planner.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_solved_mixtral_plan_feeds_the_serving_planner(capsys, tmp_path):
    trace, plan = tmp_path / "mix.json", tmp_path / "plan.json"
    code, _, _ = run(
        capsys, "gen", "offload", "--preset", "mixtral-8x7b", "--steps", 4, "--budget", 2,
        "--overlap", "--out", trace,
    )  # fmt: skip
    assert code == 0
    code, _, _ = run(capsys, "solve", "offload", trace, "-m", "auto", "-t", 20, "-o", plan)
    assert code == 0
    stats = json.loads(plan.read_text())["stats"]
    code, out, err = run(
        capsys, "plan", "serve", "--model", "mixtral-8x7b", "--gpus", "L40S:1",
        "--prompt-tokens", 512, "--output-tokens", 128, "-t", 20, "--offload", plan, "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] in ("OPTIMAL", "FEASIBLE") and data["verified"]
    assert data["offload"]["hit_rate"] == pytest.approx(stats["hit_rate"])
    assert data["offload"]["resident_gib"] * 2**30 == pytest.approx(
        stats["plan"]["resident_bytes_max"]
    )
