"""GPUs without a known price: costs are null / "no price known", never 0.0 (read as free), in
the CLI's JSON and the library estimate; ``--pricing`` / ``--prices`` from the serving table."""

from __future__ import annotations

import json

import pytest

from planner.train import make_problem, plan
from planner.train.step_time import estimate

from .test_cli import run


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


def test_estimate_summary_cost_is_none_for_an_unpriced_gpu():
    """``Estimate.summary()`` gave cost_per_hour 0.0 on MI300X (no catalog price), as
    ``plan train --json`` did before s23small."""
    problem = make_problem("gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024)
    res = plan("gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024, time_limit=10)
    assert res.solution is not None
    s = estimate(problem, res.solution).summary()
    assert s["cost_per_hour"] is None and s["usd_per_million_tokens"] is None
    assert res.stats["summary"]["cost_per_hour"] is None  # the CLI's JSON, since s23small
    priced = make_problem(
        "gpt-1.7b", "16xMI300X", global_batch=64, seq_len=1024, pricing="on-demand"
    )
    s = estimate(priced, res.solution).summary()
    assert s["cost_per_hour"] == pytest.approx(16 * priced.cluster.pools[0].gpu.price_per_gpu_hour)
    assert s["usd_per_million_tokens"] > 0


def test_cost_objective_without_a_price_says_where_one_comes_from(capsys, tmp_path):
    # "(none is recorded in the catalog): set price_per_gpu_hour in a cluster TOML" for an H20,
    # which the price table prices, and for a GPU table of the user's own (s31user)
    line = ["plan", "train", "--model", "gpt-1.7b", "-B", "16", "-s", "1024", "-t", "2"]
    code, out, err = run(capsys, *line, "--gpus", "8xH20", "--objective", "cost")
    assert code == 2 and out == "" and "--pricing on-demand" in err and "prices H20" in err
    gpu = tmp_path / "mine.toml"
    gpu.write_text(
        'name = "Mine"\nmemory_gib = 40\nhbm_tb_s = 1.5\nnvlink_gb_s = 300\nnic_gbit_s = 100\n'
        "[tflops]\nbf16 = 300\n"
    )
    code, out, err = run(capsys, *line, "--gpus", f"8x{gpu}", "--objective", "cost")
    assert code == 2 and "its GPU table has no price_per_gpu_hour" in err, err
    assert "--pricing" not in err and "catalog" not in err
    code, out, _ = run(
        capsys, *line, "--gpus", "8xH20", "--objective", "cost", "--pricing", "on-demand", "--json"
    )
    assert code == 0 and json.loads(out)["cost_per_hour"] > 0
