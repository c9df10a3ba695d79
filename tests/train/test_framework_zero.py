"""ZeRO stages and the frameworks' profiles: a fixed stage a framework lacks is INFEASIBLE with
the reason, and Megatron-LM's ZeRO-2/3 is Megatron-FSDP (named, not missing)."""

from __future__ import annotations

import json

import pytest

from planner.train import make_problem
from planner.train.api import solve
from planner.train.export import export as export_launch
from planner.train.frameworks import PROFILES, violations
from planner.train.proposal import outside_framework

from .test_cli import run

BASE = ("plan", "train", "--model", "gpt-1.7b", "--gpus", "16xA100", "-B", "64", "-s", "1024")


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
