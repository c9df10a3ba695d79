"""Time and cost to train (``--tokens``): checkpoints, failures, restarts, price."""

from __future__ import annotations

import json
import math

import pytest

from planner.core.errors import InputError
from planner.train.time_to_train import (
    FAILURE_RATE_PER_GPU_HOUR,
    TrainingRun,
    checkpoint_bytes,
    parse_tokens,
    time_to_train,
)

from .conftest import problem, tiny_spec
from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("15T", 15e12),
        ("2.5B", 2.5e9),
        ("300m", 3e8),
        ("1e12", 1e12),
        ("4096", 4096.0),
        ("1.1B", 1.1e9),
        ("0.1k", 100.0),
        ("3.3T", 3.3e12),
    ],
)
def test_parse_tokens(text, tokens):
    assert parse_tokens(text) == pytest.approx(tokens)


@pytest.mark.parametrize("text", ["15X", "", "-1T", "0", "T", "1.5.2B", "0.5", "1.5", "1.0001k"])
def test_parse_tokens_rejects(text):
    with pytest.raises(InputError, match="--tokens"):
        parse_tokens(text)


def test_default_failure_rate_is_llama3s():
    # 419 unexpected interruptions in 54 days on 16,384 GPUs
    per_snapshot = FAILURE_RATE_PER_GPU_HOUR * 54 * 24 * 16_384
    assert per_snapshot == pytest.approx(419)


def _ttt(run: TrainingRun, cost_per_hour: float = 100.0, gpus: int = 1024):
    prob = problem(tiny_spec(layers=4), gpus="8xA100", batch=8, seq=512)
    return prob, time_to_train(
        prob, step_time_s=2.0, gpus=gpus, cost_per_hour=cost_per_hour, run=run
    )


def test_wall_time_balances_work_checkpoints_and_failures():
    run_ = TrainingRun(tokens=4096 * 1e6, checkpoint_bytes_per_s=1e6, failure_rate=1e-4)
    prob, out = _ttt(run_)
    steps = math.ceil(4096e6 / (8 * 512))
    assert out["steps"] == steps
    T = steps * 2.0 / 3600
    C = checkpoint_bytes(prob) / 1e6 / 3600
    lam = 1e-4 * 1024
    interval = out["checkpoint"]["interval_h"]
    assert interval == pytest.approx(math.sqrt(2 * C / lam))  # Young
    R = 10 / 60 + C
    wall = out["wall_hours"]
    # the expected wall time satisfies: work + checkpoint writes + (restarts x lost time)
    assert wall == pytest.approx(T + T / interval * C + lam * wall * (interval / 2 + R))
    assert out["failures"]["expected_restarts"] == pytest.approx(lam * wall)
    assert out["gpu_hours"] == pytest.approx(wall * 1024)
    assert out["cost_usd"] == pytest.approx(wall * 100.0)
    assert 0 < out["goodput"] < 1
    # Young's interval beats a much shorter or longer one
    for factor in (0.25, 4.0):
        _p, other = _ttt(
            TrainingRun(
                tokens=4096e6,
                checkpoint_bytes_per_s=1e6,
                failure_rate=1e-4,
                checkpoint_every_h=interval * factor,
            )
        )
        assert other["wall_hours"] > wall


def test_no_failures_no_overhead_and_no_price():
    run_ = TrainingRun(tokens=1e9, failure_rate=0.0)
    _p, out = _ttt(run_, cost_per_hour=0.0)
    assert out["wall_hours"] == pytest.approx(out["compute_hours"])
    assert out["cost_usd"] is None and any("no price" in n for n in out["notes"])
    assert out["checkpoint"]["interval_h"] is None


def test_never_finishes_when_failures_outpace_checkpoints():
    run_ = TrainingRun(tokens=1e12, failure_rate=0.01, checkpoint_every_h=1.0)
    _p, out = _ttt(run_)
    assert out["finishes"] is False and out["wall_days"] is None


def test_an_overflowing_failure_rate_is_bad_input():
    """1e308 failures per GPU-hour times the GPUs overflowed to inf: Young's interval came out
    0 and the CLI died with a ZeroDivisionError (exit 1) (s14bad)."""
    with pytest.raises(InputError, match=r"^failure_rate: 1e\+308 failures per GPU-hour"):
        _ttt(TrainingRun(tokens=1e9, failure_rate=1e308))


def test_cli_tokens(capsys):
    code, out, _err = run(capsys, *BASE, "-t", "20", "--json", "--tokens", "1B")
    assert code == 0
    d = json.loads(out)
    ttt = d["time_to_train"]
    assert ttt["steps"] == math.ceil(1e9 / (64 * 1024))
    assert ttt["compute_hours"] == pytest.approx(ttt["steps"] * d["step_time_s"] / 3600)
    assert ttt["wall_hours"] > ttt["compute_hours"]
    assert ttt["gpu_hours"] == pytest.approx(ttt["wall_hours"] * d["gpus"])
    code, out, _err = run(capsys, *BASE, "-t", "20", "--tokens", "1B")
    assert code == 0 and "time and cost to train" in out and "GPU-hours" in out


@pytest.mark.parametrize(
    ("flags", "name"),
    [
        (("--tokens", "lots"), "--tokens"),
        (("--tokens", "1T", "--failure-rate", "-1"), "--failure-rate"),
        (("--tokens", "1T", "--checkpoint-gbps", "0"), "--checkpoint-gbps"),
        (("--tokens", "1T", "--checkpoint-every", "-2"), "--checkpoint-every"),
        (("--tokens", "1T", "--failure-rate", "1e308"), "--failure-rate: 1e+308"),
    ],
)
def test_cli_bad_run_flags_exit_2(capsys, flags, name):
    code, out, err = run(capsys, *BASE, "--json", *flags)
    assert code == 2 and out == "" and name in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e308", "--checkpoint-gbps 1e+308: too large"),
        ("-1", "--checkpoint-gbps -1: expected a finite positive number of GB/s"),
        ("nan", "--checkpoint-gbps nan: expected"),
    ],
)
def test_cli_checkpoint_gbps_message_quotes_the_gb_per_s_given(capsys, value, message):
    """1e308 GB/s said 'got inf' and -1 said 'got -1000000000.0': the CLI multiplied by 1e9
    before the check (s15bad)."""
    code, out, err = run(capsys, *BASE, "--json", "--tokens", "1T", "--checkpoint-gbps", value)
    assert code == 2 and out == "" and message in err


def test_library_checkpoint_bandwidth_error_names_the_field():
    with pytest.raises(InputError, match="checkpoint_bytes_per_s: expected a positive number"):
        TrainingRun(tokens=1e9, checkpoint_bytes_per_s=-5.0)
