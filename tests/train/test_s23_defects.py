"""Defects fixed in the twenty-third session (s23small): contradictory gradient-accumulation
settings, ``plan compare`` on dense plans, ``memory_gib_per_gpu``, ``--from`` with
``--framework`` / ``--export``, unpriced GPUs' cost in JSON, ``--pricing`` / ``--prices``."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.perfmodel.options import Software
from planner.train.compare import compare
from planner.train.export import export as export_launch
from planner.train.fixes import parse_software

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")
BOTH = "grad_accumulation_fusion=true,unfused_grad_accumulation=true"


def test_software_refuses_both_accumulation_modes():
    with pytest.raises(InputError, match="contradict"):
        Software(grad_accumulation_fusion=True, unfused_grad_accumulation=True)
    with pytest.raises(InputError, match=r"^--software: grad_accumulation_fusion and"):
        parse_software(BOTH)
    with pytest.raises(InputError, match=r"^job\.toml: grad_accumulation_fusion"):
        Software.from_dict(
            {"grad_accumulation_fusion": True, "unfused_grad_accumulation": True},
            where="job.toml",
        )
    # each alone is still a setting
    assert Software(grad_accumulation_fusion=True).grad_accumulation_fusion
    assert Software(unfused_grad_accumulation=True).unfused_grad_accumulation


def test_cli_refuses_both_accumulation_modes(capsys):
    code, out, err = run(capsys, *BASE, "--software", BOTH, "--json")
    assert code == 2 and out == ""
    assert err.startswith("planner: error: --software: grad_accumulation_fusion")
    assert "Traceback" not in err


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


@pytest.fixture(scope="module")
def megatron_launch(tmp_path_factory):
    from planner.train.api import make_problem, solve

    prob = make_problem("gpt-1.7b", "16xA100", global_batch=64, seq_len=1024, tp=2, pp=2)
    res = solve(prob, "auto", time_limit=20)
    assert res.solution is not None
    path = tmp_path_factory.mktemp("launch") / "args.txt"
    path.write_text(export_launch(prob, res.solution, "megatron")["text"])
    return path


def test_from_names_the_framework_and_exports_the_proposal(capsys, megatron_launch, tmp_path):
    out_file = tmp_path / "out.txt"
    code, out, _ = run(
        capsys,
        *BASE,
        "--from",
        "megatron",
        str(megatron_launch),
        "--export",
        "megatron",
        "-o",
        str(out_file),
        "--json",
        "-t",
        "20",
    )
    assert code == 0
    d = json.loads(out)
    assert d["framework"] == "megatron"  # was null
    # the top-level export and -o are the launch read (a conversion), as documented ...
    assert out_file.read_text() == d["export"]["text"]
    assert "--tensor-model-parallel-size 2" in d["export"]["text"]
    # ... and the proposal carries its own launch
    prop = d["proposal"]
    tp = prop["plan"]["tp"]
    assert f"--tensor-model-parallel-size {tp} " in prop["export"]["text"]
    assert prop["export"]["format"] == "megatron"


def test_from_table_says_which_launch_is_exported(capsys, megatron_launch):
    code, out, _ = run(
        capsys,
        *BASE,
        "--from",
        "megatron",
        str(megatron_launch),
        "--export",
        "megatron",
        "-t",
        "20",
    )
    assert code == 0
    assert "the launch read (--from), converted" in out


def test_unpriced_gpus_cost_is_null(capsys):
    line = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xMI300X", "-B", "64", "-s", "1024")
    code, out, _ = run(capsys, *line, "-t", "20", "--json", "--tokens", "1B")
    assert code == 0
    d = json.loads(out)
    assert d["status"] in ("OPTIMAL", "FEASIBLE")
    # were 0.0: read as free GPUs
    assert d["cost_per_hour"] is None and d["cost_per_step"] is None
    assert d["usd_per_million_tokens"] is None
    assert d["time_to_train"]["cost_usd"] is None
    code, out, _ = run(capsys, *line, "-t", "20")
    assert code == 0 and "no price known" in out


def test_pricing_from_the_serving_price_table(capsys, tmp_path):
    line = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xMI300X", "-B", "64", "-s", "1024")
    table = tmp_path / "prices.toml"
    table.write_text("[gpu.MI300X]\non_demand = 2.0\nreserved = 1.5\n")
    code, out, _ = run(
        capsys, *line, "-t", "20", "--json", "--prices", str(table), "--pricing", "reserved"
    )
    assert code == 0
    d = json.loads(out)
    assert d["pricing"]["tier"] == "reserved" and d["pricing"]["file"] == str(table)
    assert d["cost_per_hour"] == pytest.approx(1.5 * d["gpus"])
    assert d["cost_per_step"] == pytest.approx(d["cost_per_hour"] * d["step_time_s"] / 3600)
    code, out, err = run(capsys, *line, "--pricing", "spot", "--prices", str(table))
    assert code == 2 and "no spot price for GPU MI300X" in err
    code, out, err = run(capsys, *line, "--pricing", "gold")
    assert code == 2 and err.startswith("planner: error: --pricing must be one of")
    # --prices is an input: never overwritten by --out
    code, out, err = run(capsys, *line, "--prices", str(table), "--out", str(table))
    assert code == 2 and "refusing to overwrite" in err
    assert "reserved = 1.5" in table.read_text()
