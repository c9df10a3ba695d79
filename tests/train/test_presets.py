"""Plans for the public-model presets (gpt-oss, Llama 4, Kimi-K2, Nemotron-4 340B) via the CLI."""

from __future__ import annotations

import json

import pytest

from planner.cli import main
from planner.train.api import make_problem
from planner.train.evaluate import verify
from planner.train.instance import TrainingPlan


def run_json(capsys, *args) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    assert exc.value.code == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("model", "gpus", "batch"),
    [("gpt-oss-120b", "64xH100", 1280), ("gpt-oss-20b", "8xH100", 256)],
)
def test_gpt_oss_plan_is_optimal_and_verifies(capsys, model, gpus, batch):
    args = ("--model", model, "--gpus", gpus, "-B", str(batch), "-s", "4096")
    d = run_json(capsys, "plan", "train", *args, "--json", "-t", "60", "--threads", "1")
    assert d["status"] == "OPTIMAL" and d["gap"] == 0
    assert d["model"]["name"] == model
    # the returned plan passes the independent checker (memory on every stage included)
    plan = TrainingPlan.from_dict({k: v for k, v in d["plan"].items() if k != "stage_pools"})
    problem = make_problem(model, gpus, global_batch=batch, seq_len=4096)
    assert verify(problem, plan) == []
    assert sum(d["breakdown"].values()) == pytest.approx(d["step_time_s"], rel=1e-6)


def test_llama4_scout_plan_verifies(capsys):
    args = ("--model", "llama-4-scout", "--gpus", "64xH100", "-B", "512", "-s", "8192")
    d = run_json(capsys, "plan", "train", *args, "--json", "-t", "60")
    assert d["status"] in ("OPTIMAL", "FEASIBLE") and d["gap"] <= 0.05
    plan = TrainingPlan.from_dict({k: v for k, v in d["plan"].items() if k != "stage_pools"})
    problem = make_problem("llama-4-scout", "64xH100", global_batch=512, seq_len=8192)
    assert verify(problem, plan) == []


def test_kimi_k2_and_nemotron_plan(capsys):
    d = run_json(
        capsys,
        "plan", "train", "--model", "nemotron-4-340b", "--gpus", "768xH100",
        "-B", "768", "-s", "4096", "--fix", "tp=8,pp=12", "--json", "-t", "60",
    )  # fmt: skip
    assert d["status"] in ("OPTIMAL", "FEASIBLE") and d["plan"]["tp"] == 8
    d = run_json(
        capsys,
        "plan", "train", "--model", "kimi-k2", "--gpus", "1024xH100", "-B", "2048",
        "-s", "4096", "--fix", "pp=16,ep=64", "--json", "-t", "60",
    )  # fmt: skip
    assert d["status"] in ("OPTIMAL", "FEASIBLE") and d["plan"]["ep"] == 64
