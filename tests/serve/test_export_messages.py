"""Messages of ``plan serve --export`` name the flag the user gave: an export target the
inventory cannot run is refused as ``--export``, never as an ``--engine`` that was not typed
(s20review: a branch that times an export plan with the target's engine reported the refusal
as "--engine trtllm ... drop --engine")."""

from __future__ import annotations

import pytest

from planner.cli import main

BASE = ["plan", "serve", "--model", "llama-3.1-8b", "--qps", "2", "--prompt-tokens", "300"]
BASE += ["--output-tokens", "50", "--tpot", "50ms", "-t", "20", "--threads", "1"]


def test_export_target_no_gpu_runs_is_refused_as_export(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--gpus", "MI300X:4", "--export", "trtllm"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--export trtllm" in err
    assert "--engine" not in err  # never typed


def test_export_target_on_a_mixed_fleet_names_no_untyped_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--gpus", "H100:4,MI300X:4", "--export", "trtllm"])
    assert exc.value.code == 0
    out, err = capsys.readouterr()
    assert "MI300X" in out + err  # the pool TensorRT-LLM cannot run is named ...
    assert "--engine" not in out + err  # ... but not as a flag that was never typed


def test_a_pool_the_export_target_leaves_out_is_not_warned_unpriced(capsys):
    """The problem was built (warning 'no price for MI300X') before --export's engine left the
    MI300X pool out; a pool the search never uses cannot make the plan cheaper."""
    import json

    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--gpus", "H100:4,MI300X:4", "--export", "trtllm", "--json"])
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert exc.value.code == 0 and not any(w.startswith("no price") for w in warnings)
    assert any("pool MI300X left out" in w for w in warnings)
    with pytest.raises(SystemExit) as exc:  # a pool the target runs keeps the warning
        main([*BASE, "--gpus", "MI300X:4", "--export", "vllm", "--json"])
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert exc.value.code == 0 and any(w.startswith("no price for MI300X") for w in warnings)
