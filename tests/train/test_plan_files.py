"""Plan JSON files: the memory key's unit (GiB, with the old alias) and ``plan compare`` on
dense plans (no expert rows)."""

from __future__ import annotations

import json

import pytest

from planner.train.compare import compare

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


def _solve(capsys, tmp_path, name, *extra):
    path = tmp_path / name
    code, _out, _err = run(capsys, *BASE, *extra, "-t", "20", "--out", str(path))
    assert code == 0
    return json.loads(path.read_text())


def test_compare_hides_expert_rows_of_dense_plans(capsys, tmp_path):
    """A dense plan's expert_tp is its tp: compare listed 'expert_tp 2 vs 1' beside tp."""
    a = _solve(capsys, tmp_path, "a.json", "--fix", "tp=2")
    b = _solve(capsys, tmp_path, "b.json", "--fix", "tp=1")
    assert a["model"]["experts"] == 0
    decided = {d["decision"] for d in compare(a, b)["decisions"]}
    assert "tp" in decided and "expert_tp" not in decided and "ep" not in decided
    # a file written before model.experts existed: dense by its parameter counts
    for s in (a, b):
        del s["model"]["experts"]
    assert "expert_tp" not in {d["decision"] for d in compare(a, b)["decisions"]}
    # a MoE model's expert_tp is a decision of its own
    a["model"]["experts"] = 8
    assert "expert_tp" in {d["decision"] for d in compare(a, b)["decisions"]}


def test_memory_key_names_gib_and_keeps_the_old_alias(capsys):
    code, out, _ = run(capsys, *BASE, "-t", "20", "--json", "--top", "3")
    assert code == 0
    d = json.loads(out)
    assert d["memory_gib_per_gpu"] == pytest.approx(d["memory"]["total"], abs=1e-3)
    assert d["memory_gb_per_gpu"] == d["memory_gib_per_gpu"]  # deprecated alias
    for alt in d["alternatives"]:
        assert alt["memory_gb_per_gpu"] == alt["memory_gib_per_gpu"] > 0
