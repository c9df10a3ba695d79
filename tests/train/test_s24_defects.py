"""Defects fixed in the twenty-fourth session (s24small): the library estimate's cost of an
unpriced GPU, DeepSpeed configs with duplicate keys, a fixed ZeRO stage outside the framework's
profile (an internal error), Megatron-FSDP in the megatron profile's and export's notes."""

from __future__ import annotations

import json

import pytest

from planner.core.errors import InputError
from planner.train import make_problem, plan
from planner.train.api import solve
from planner.train.export import export as export_launch
from planner.train.frameworks import PROFILES, violations
from planner.train.launch import read_launch
from planner.train.proposal import outside_framework
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


@pytest.mark.parametrize(("framework", "zero"), [("megatron", 3), ("megatron", 2), ("nemo", 0)])
def test_a_fixed_zero_stage_the_framework_lacks_is_infeasible_not_a_crash(capsys, framework, zero):
    """``--framework megatron --fix zero=3`` raised IndexError (exit 1, internal error) in the
    rule of thumb and then max() of no ZeRO stages in the exact search."""
    code, out, err = run(
        capsys, *BASE, "-t", "5", "--framework", framework, "--fix", f"zero={zero}", "--json"
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE"
    assert d["failed_constraint"].startswith(f"zero={zero}: ")
    assert f"--framework {framework}" in d["failed_constraint"]


def test_megatron_zero3_is_labelled_megatron_fsdp_not_missing():
    """Megatron-LM core_v0.15.3 has ZeRO-2/3 (Megatron-FSDP: --use-megatron-fsdp
    --data-parallel-sharding-strategy optim_grads_params); the profile said "Megatron-LM offers
    ZeRO stages 0, 1" and the export "ZeRO-3 is not a Megatron-LM option"."""
    problem = make_problem("gpt-1.7b", "16xA100", global_batch=64, seq_len=1024, zero=3)
    res = solve(problem, time_limit=10)
    assert res.solution is not None and res.solution.zero == 3
    why = violations(PROFILES["megatron"], problem, res.solution)
    assert len(why) == 1
    assert "--use-megatron-fsdp" in why[0] and "export does not write" in why[0]
    assert "offers ZeRO" not in why[0]
    launch = export_launch(problem, res.solution, "megatron")
    # the arguments written run the distributed optimizer (ZeRO-1): the note says so
    assert "--use-distributed-optimizer" in launch["text"]
    assert "--use-megatron-fsdp" not in launch["text"]
    (note,) = [n for n in launch["notes"] if "ZeRO-3" in n]
    assert "launch ZeRO-1" in note and "Megatron-FSDP" in note
    # the proposal of a --from megatron launch names the same reason (proposal.outside_framework)
    assert outside_framework("megatron", problem, res.solution) == why


def test_a_zero3_proposal_on_mixed_pools_is_labelled_for_a_megatron_launch():
    """``outside_framework`` was empty on mixed pools (the profiles describe one pool), so a
    ZeRO-3 proposal for a Megatron launch on H100 + A100 said nothing."""
    problem = make_problem("llama-3.1-8b", "H100:16,A100:16", global_batch=64, seq_len=4096, zero=3)
    res = solve(problem, time_limit=20)
    assert res.solution is not None and res.solution.zero == 3
    (why,) = outside_framework("megatron", problem, res.solution)
    assert "Megatron-FSDP" in why
