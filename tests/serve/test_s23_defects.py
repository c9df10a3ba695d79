"""Defects fixed in the twenty-third session (s23small): engine option ``pad=N`` bounds, engine
versions past every rule, unpriced pools' cost in JSON, ``-o`` with ``--export``."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.perfmodel import graph_padding
from planner.perfmodel.engines import (
    GRAPH_PAD_MAX,
    NEWEST_NAMED_RELEASES,
    Engine,
    parse_engine,
    version_note,
)
from planner.serve import make_problem, solve

from .test_cli import run

LINE = [
    "plan",
    "serve",
    "--model",
    "llama-3.1-8b",
    "--qps",
    "5",
    "--prompt-tokens",
    "512",
    "--output-tokens",
    "128",
    "--ttft",
    "1s",
    "--tpot",
    "50ms",
    "-t",
    "10",
]


@pytest.mark.parametrize("spec", ["vllm,pad=0", "trtllm,pad=-1", "trtllm,pad=1e9", "sglang,pad="])
def test_pad_needs_a_whole_number_of_at_least_one(spec):
    """pad=0 (which pads nothing) was accepted; -1 and 1e9 were called unknown options."""
    with pytest.raises(InputError, match=r"engine option pad=.*whole number >= 1"):
        parse_engine(spec)


@pytest.mark.parametrize("name", ["trtllm", "vllm", "sglang"])
def test_pad_is_at_most_the_engines_largest_captured_batch(name):
    cap = GRAPH_PAD_MAX[name]
    assert parse_engine(f"{name},pad={cap}").graph_pad == cap
    with pytest.raises(InputError, match=f"pad={cap + 1}.*at most {cap}"):
        parse_engine(f"{name},pad={cap + 1}")
    with pytest.raises(InputError, match="pad=1000000000"):  # was accepted
        parse_engine(f"{name},pad=1000000000")
    with pytest.raises(InputError, match="at most"):  # the JSON form too
        parse_engine({"name": name, "graph_pad": cap + 1})


def test_pad_bounds_are_the_capture_lists_largest_sizes():
    lists = {
        "trtllm": graph_padding.TRTLLM_SIZES,
        "vllm": graph_padding.VLLM_V0_SIZES + graph_padding.VLLM_V1_SIZES,
        "sglang": graph_padding.SGLANG_SIZES,
    }
    assert {name: max(sizes) for name, sizes in lists.items()} == GRAPH_PAD_MAX


def test_bad_pad_exits_2_through_the_cli(capsys):
    code, out, err = run(capsys, *LINE, "--gpus", "H100:2", "--engine", "vllm,pad=0")
    assert code == 2 and out == ""
    assert "pad=0" in err and "Traceback" not in err


def test_version_note_names_the_fallback():
    assert version_note(parse_engine("vllm")) == ""
    assert version_note(parse_engine("vllm:0.6.3")) == ""
    assert version_note(parse_engine("trtllm:1.1.2")) == ""  # inside the blocking-PP window
    note = version_note(parse_engine("vllm:9.9"))
    assert "vllm 9.9" in note and "0.23.0" in note and "current release" in note
    assert "1.1.x" in version_note(parse_engine("trtllm:1.2"))
    for name, newest in NEWEST_NAMED_RELEASES.items():
        later = ".".join(map(str, (newest[0], newest[1] + 1)))
        assert version_note(Engine(name, later)), name


def test_unknown_version_is_timed_as_the_current_release_and_said():
    """vllm:9.9 was accepted silently; it is planned exactly as vllm without a version."""
    common = {
        "qps": 5,
        "prompt_tokens": "512",
        "output_tokens": "128",
        "ttft": "1s",
        "tpot": "50ms",
    }
    late = make_problem("llama-3.1-8b", "H100:4", engine="vllm:9.9", **common)
    plain = make_problem("llama-3.1-8b", "H100:4", engine="vllm", **common)
    assert any("vllm 9.9" in w for w in late.meta["warnings"])
    assert not any("version rules" in w for w in plain.meta.get("warnings", []))
    a, b = solve(late, time_limit=10), solve(plain, time_limit=10)
    assert a.objective == b.objective
    ma, mb = a.stats["metrics"], b.stats["metrics"]
    assert ma["ttft_s"] == mb["ttft_s"] and ma["tpot_s"] == mb["tpot_s"]


def test_unpriced_pool_cost_is_null_and_the_table_says_no_price(capsys):
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["status"] == "OPTIMAL" and d["replicas"]
    assert d["cost_per_hour"] is None  # was 0.0, read as free
    assert "usd_per_million_output_tokens" not in d
    assert any(w.startswith("no price for MI300X") for w in d["warnings"])
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4")
    assert code == 0 and "cost: no price known" in out and "$0.00/h for" not in out


def test_priced_pool_cost_is_a_number(capsys):
    code, out, _ = run(capsys, *LINE, "--gpus", "MI300X:4", "--pricing", "on-demand", "--json")
    assert code == 0
    d = json.loads(out)
    price = d["pricing"]["gpus"]["MI300X"]["usd_per_gpu_hour"]
    assert price > 0
    assert d["cost_per_hour"] == pytest.approx(d["gpus"]["MI300X"] * price)
    assert d["usd_per_million_output_tokens"] > 0


def test_out_with_export_writes_the_launch_commands_as_train_does(capsys, tmp_path):
    """-o wrote the JSON with --export here and the launch file in plan train."""
    path = tmp_path / "launch.sh"
    code, out, _ = run(
        capsys, *LINE, "--gpus", "H100:2", "--export", "vllm", "-o", str(path), "--json"
    )
    assert code == 0
    d = json.loads(out)  # the plan JSON is on stdout
    text = path.read_text()
    assert text.startswith("#!/bin/sh\n")
    commands = d["export"]["commands"]
    assert commands and all(c["shell"] in text for c in commands)
    assert not text.lstrip().startswith("{")
    # without --export, -o still writes the JSON
    plain = tmp_path / "plan.json"
    code, _, _ = run(capsys, *LINE, "--gpus", "H100:2", "-o", str(plain))
    assert code == 0 and json.loads(plain.read_text())["status"] == "OPTIMAL"


def test_prices_module_is_shared():
    from planner.perfmodel import prices as shared
    from planner.serve import prices as serve_prices

    assert serve_prices.load_prices is shared.load_prices
    assert serve_prices.apply_pricing is shared.apply_pricing
