"""Defects fixed in the twenty-fourth session (s24small): the library estimate's cost of an
unpriced GPU, Megatron-FSDP in the megatron profile's notes, DeepSpeed configs with duplicate
keys."""

from __future__ import annotations

import pytest

from planner.core.errors import InputError
from planner.train import make_problem, plan
from planner.train.launch import read_launch
from planner.train.step_time import estimate

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


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


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"train_batch_size": 64, "train_batch_size": 32}', "train_batch_size"),
        ('{"zero_optimization": {"stage": 1, "stage": 3}}', "stage"),
    ],
)
def test_deepspeed_config_with_a_key_given_twice_is_refused(tmp_path, capsys, text, key):
    """DeepSpeed refuses duplicate keys; ``--from deepspeed`` read the last one (ZeRO-3 here)."""
    path = tmp_path / "ds.json"
    path.write_text(text)
    with pytest.raises(InputError, match=f"key '{key}' given twice"):
        read_launch("deepspeed", str(path))
    code, out, err = run(capsys, *BASE, "--from", "deepspeed", str(path), "--json")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    assert f"key '{key}' given twice" in err
