"""Tensor-parallel groups and NVLink domains that the TP size does not divide (NVL72)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.train.api import make_problem
from planner.train.evaluate import verify
from planner.train.instance import TrainingPlan
from planner.train.space import space, structural_violations, tp_gpu_limit

from .test_cli import run


def _straddles(tp: int, gpus: int, per_node: int) -> bool:
    """Brute force: ranks fill nodes of ``per_node`` in order; does a TP group (``tp``
    consecutive ranks) hold ranks of two nodes without spanning whole nodes?"""
    if tp % per_node == 0:
        return False  # whole nodes (cross-node TP, allowed as before)
    return any(len({r // per_node for r in range(k, k + tp)}) > 1 for k in range(0, gpus, tp))


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(1, 4))
def test_gpu_limit_is_exactly_where_groups_stop_straddling(per_node, tp, groups_mult):
    count = per_node * 3
    prob = make_problem(
        "gpt-1.7b", f"{count}xH100", global_batch=8, seq_len=1024, gpus_per_node=per_node
    )
    limit = tp_gpu_limit(prob, tp)
    for gpus in range(tp, count + 1, tp):
        assert (gpus <= limit) == (not _straddles(tp, gpus, per_node)), (gpus, limit)


def test_tp16_in_nvl72_racks():
    prob = make_problem("gpt-175b", "256xGB200", global_batch=64, seq_len=2048)
    assert 16 in space(prob).tps and tp_gpu_limit(prob, 16) == 72
    inside = TrainingPlan(tp=16, pp=1, dp=4, cp=1, microbatch=1)
    across = TrainingPlan(tp=16, pp=1, dp=8, cp=1, microbatch=1)
    assert structural_violations(prob, inside) == []
    assert "ranks 64-79 span two nodes" in structural_violations(prob, across)[0]
    # the family's own verify agrees, written separately (rank by rank)
    assert not any("tile" in v for v in verify(prob, inside))
    assert any("does not tile the 72-GPU nodes" in v for v in verify(prob, across))
    # 64 ranks per rack (the launcher's Slurm segment): tp 16 tiles, any size
    sixty_four = make_problem(
        "gpt-175b", "256xGB200", global_batch=64, seq_len=2048, gpus_per_node=64
    )
    assert tp_gpu_limit(sixty_four, 16) == 256


def test_pinned_tp16_on_nvl72_plans_within_a_rack_or_says_why(capsys):
    base = ("plan", "train", "--model", "gpt-175b", "--gpus", "256xGB200", "-B", "64", "-s")
    code, out, _ = run(capsys, *base, "2048", "--fix", "tp=16", "--json", "-t", "30")
    d = json.loads(out)
    assert code == 0 and d["status"] == "OPTIMAL" and d["plan"]["tp"] == 16
    assert d["gpus"] <= 72
    code, out, _ = run(capsys, *base, "2048", "--fix", "tp=16,dp=8", "--json", "-t", "30")
    d = json.loads(out)
    assert d["status"] == "INFEASIBLE" and "ranks 64-79 span two nodes" in d["reason"]
    assert "--gpus-per-node 64" in d["reason"]


@pytest.mark.parametrize("tp", [3, 16])
def test_several_pools_keep_the_tiling_rule(tp):
    prob = make_problem(
        "gpt-175b",
        {"pools": [{"gpu": "GB200", "count": 144}, {"gpu": "H100", "count": 16}]},
        global_batch=64,
        seq_len=2048,
    )
    assert tp_gpu_limit(prob, tp) == 0
