"""Defects found walking the serve docs as a new user (twenty-second session, s22walk)."""

from __future__ import annotations

import json

import pytest

import planner.serve

from .test_cli import run


def test_one_gpu_is_one_gpu(capsys):
    # the summary read "cost $2.99/h for 1 GPUs"
    code, out, _ = run(
        capsys,
        *("plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:1", "--qps", "1"),
        *("--prompt-tokens", "512", "--output-tokens", "128", "--ttft", "1s", "-t", "10"),
    )
    text = " ".join(out.split())
    assert code == 0 and "/h for 1 GPU; capacity" in text and "1 GPUs" not in text


def test_json_has_the_worst_groups_percentiles(capsys):
    # docs/serve.md lists worst_ttft_s / worst_tpot_s beside the mixture's ttft_s / tpot_s;
    # the --json object had neither (the README's example: two H100 groups, 914 / 815 ms)
    code, out, _ = run(
        capsys,
        *("plan", "serve", "--model", "llama-3.1-70b", "--gpus", "H100:16,A100:32"),
        *("--qps", "10", "--prompt-tokens", "exp:1024", "--output-tokens", "exp:256"),
        *("--ttft", "1s", "--tpot", "50ms", "-t", "30", "--json"),
    )
    assert code == 0
    data = json.loads(out)
    assert len(data["groups"]) == 2
    assert data["worst_ttft_s"] == max(g["ttft_s"] for g in data["groups"])
    assert data["worst_tpot_s"] == max(g["tpot_s"] for g in data["groups"])
    assert data["ttft_s"] <= data["worst_ttft_s"] <= 1.0
    assert data["tpot_s"] <= data["worst_tpot_s"] <= 0.05


def test_a_slow_target_names_the_unit_rule_only_when_no_unit_was_given():
    # from Python a number is seconds; tpot=50 was told "(bare numbers are milliseconds)"
    from planner.core.errors import InputError
    from planner.serve.units import parse_slo

    with pytest.raises(InputError) as exc:
        planner.serve.make_problem(
            "llama-3.1-8b", "H100:8", qps=5, prompt_tokens=512, output_tokens=128, tpot=50
        )
    assert "50 s is over 10 s" in str(exc.value) and "milliseconds" not in str(exc.value)
    for text, hint in (("20000", True), ("50s", False), ("1min", False)):
        with pytest.raises(InputError) as exc:
            parse_slo(text, what="--tpot", limit=10.0, allow_slow=False)
        assert ("bare numbers are milliseconds" in str(exc.value)) is hint, text
