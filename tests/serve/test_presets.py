"""Serving plans for the public-model presets (the serve family reads the same catalogue)."""

from __future__ import annotations

import json

import pytest

from planner.cli import main


@pytest.mark.parametrize("model", ["gpt-oss-120b", "llama-4-scout"])
def test_serve_plan_for_new_presets_is_verified(capsys, model):
    args = ["plan", "serve", "--model", model, "--gpus", "H100:16", "--qps", "5"]
    args += ["--prompt-tokens", "1024", "--output-tokens", "256", "--ttft", "2s"]
    args += ["--tpot", "100ms", "--json", "-t", "30"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "OPTIMAL" and d["verified"] and d["model"] == model
    assert d["ttft_s"] <= 2.0 and d["tpot_s"] <= 0.1
