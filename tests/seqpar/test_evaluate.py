"""verify finds every broken rule; evaluate is the sum over micro-batches of the slowest group."""

from __future__ import annotations

import pytest

from planner.seqpar.evaluate import describe, evaluate, verify
from planner.seqpar.instance import Group, Solution

from .strategies import tiny_instance


@pytest.fixture
def inst():
    return tiny_instance([3, 6, 15, 4], gpus=4, per_node=2, tokens=10)


def test_valid_plan_and_objective(inst):
    sol = Solution([[Group(2, [2]), Group(1, [0, 1])], [Group(4, [3])]])
    assert verify(inst, sol) == []
    c = inst.cost
    first = max(c.group_time_ms(2, [15]), c.group_time_ms(1, [3, 6]))
    assert evaluate(inst, sol) == pytest.approx((first + c.group_time_ms(4, [4])) / 1000)
    info = describe(inst, sol)["microbatches"]
    assert info[0]["groups"] == {"2": 1, "1": 1} and info[1]["tokens"] == 4


@pytest.mark.parametrize(
    ("mbs", "match"),
    [
        ([[Group(3, [0, 1, 2, 3])]], "not a power of two"),
        ([[Group(4, [0, 1, 2]), Group(1, [3])]], "add up to 5 > 4"),
        ([[Group(1, [2]), Group(2, [0, 1, 3])]], "15 tokens on 1 GPUs"),
        ([[Group(4, [0, 1, 2])]], "sequences in no group: 3"),
        ([[Group(4, [0, 1, 2, 3, 3])]], "already in"),
        ([[Group(4, [0, 1, 2, 7, 3])]], "out of range"),
        ([[Group(4, [0, 1, 2, 3])], []], "micro-batch 1: no group"),
        ([[Group(4, [0, 1, 2, 3]), Group(0, [])]], "not a positive integer"),
        ([[Group(2, [0, 1, 2, 3]), Group(2, [])]], "holds no sequence"),
        ([], "no micro-batch"),
    ],
)
def test_violations(inst, mbs, match):
    problems = verify(inst, Solution(mbs))
    assert any(match in p for p in problems), problems


def test_memory_counts_whole_tokens_per_gpu():
    inst = tiny_instance([10, 11], gpus=2, per_node=2, tokens=10)
    # 21 tokens on 2 GPUs: one of them holds 11 > 10
    assert any("21 tokens on 2 GPUs" in p for p in verify(inst, Solution([[Group(2, [0, 1])]])))
    assert verify(inst, Solution([[Group(1, [0])], [Group(2, [1])]])) == []
