"""A million sequences: the instance, ``verify`` and the cheap bound by numpy, same answers.

The twenty-fifth session's sweep: ``solve seqpar`` on 1,048,576 sequences used 7-8 CPU s at
``-t 1``, ``verify`` 3.9 s of it (profiled), all outside the deadline. Main, load 8-10: the
item walk over a million sequences in one group takes 0.66 CPU s (1.7 s over the 131,072-group
static plan); numpy 0.1-0.2 s.
"""

from __future__ import annotations

import copy
import json
import random
import time
from pathlib import Path

import pytest

import planner
from planner.seqpar import bounds as bounds_module
from planner.seqpar.bounds import area_bound_ms, lower_bound, single_bound_ms
from planner.seqpar.evaluate import verify
from planner.seqpar.instance import Instance, Solution

EXAMPLE = Path(__file__).resolve().parents[2] / "instances" / "seqpar" / "example.json"


@pytest.fixture(scope="module")
def example() -> tuple[dict, Instance, dict]:
    data = json.loads(EXAMPLE.read_text())
    inst = Instance.from_dict(data)
    plan = planner.solve(inst, "greedy", time_limit=1).solution.to_dict()
    return data, inst, plan


@pytest.fixture(scope="module")
def million(example) -> Instance:
    """The example's batch repeated to about a million sequences."""
    data, small, _ = example
    big = {key: v for key, v in data.items() if key != "n"}
    big["lengths"] = list(small.lengths) * (1_000_000 // small.n)
    return Instance.from_dict(big)


def test_the_cheap_bound_of_a_million_sequences_is_computed_per_distinct_length(
    million, monkeypatch
):
    inst = million
    t, s = inst.tables, inst.array
    direct = max(area_bound_ms(t, s), single_bound_ms(t, s)) / 1000.0  # over [n, types] matrices
    # the rows the [n, types] matrices are built for, counted (a CPU ratio to the direct
    # formula measured beside it was 0.30 / 0.54 / 0.70 against a 0.6 bound in three runs at
    # load 5, s26review: 128 distinct lengths leave the sort of a million, a small gain here;
    # 1.6 -> 0.16 CPU s on the commoncrawl million)
    rows: list[int] = []
    for name in ("min_area", "single_bound_ms"):
        original = getattr(bounds_module, name)

        def counted(tables, lengths, _original=original):
            rows.append(len(lengths))
            return _original(tables, lengths)

        monkeypatch.setattr(bounds_module, name, counted)
    bound = lower_bound(inst)
    # main's lower_bound evaluates both over the million sequences
    assert rows and max(rows) == len(set(inst.lengths)) < inst.n // 1000
    assert bound == direct  # the same float


def test_a_million_sequences_in_one_group_are_checked_by_numpy(million):
    inst = million
    degree = max(d for d, _ in inst.cost.group_types(inst.gpus))
    sol = Solution.from_dict(
        {"microbatches": [{"groups": [{"degree": degree, "sequences": list(range(inst.n))}]}]}
    )
    start = time.process_time()
    problems = verify(inst, sol)
    # 0.11-0.15 CPU s at load 5 (s26review; 0.4 was less than 3x that); main's walk 0.66 s
    assert time.process_time() - start < 0.5
    tokens = sum(inst.lengths)
    # at most the memory rule fires (a whole batch on one group), with the exact token count
    assert all(p.startswith(f"micro-batch 0 group 0: {tokens} tokens") for p in problems)


def _mutations(plan: dict, n: int, rnd: random.Random) -> dict:
    out = copy.deepcopy(plan)
    groups = [g for mb in out["microbatches"] for g in mb["groups"]]
    g = rnd.choice(groups)
    op = rnd.randrange(6)
    if op == 0 and g["sequences"]:
        g["sequences"][0] = rnd.choice([-1, n, n + 5, 0, 1])
    elif op == 1:
        g["sequences"].append(rnd.randrange(n))
    elif op == 2 and g["sequences"]:
        g["sequences"].pop()
    elif op == 3:
        g["sequences"].append(True)
    elif op == 4:
        g["sequences"] = []
    return out


def _walk(inst: Instance, sol: Solution) -> tuple[list[str], list[int]]:
    """Sequence faults and per-group tokens by the item walk (what numpy must agree with)."""
    where: dict[int, str] = {}
    faults, tokens = [], []
    for k, mb in enumerate(sol.microbatches):
        for g, group in enumerate(mb):
            label, total = f"micro-batch {k} group {g}", 0
            for i in group.sequences:
                if isinstance(i, bool) or not isinstance(i, int):
                    faults.append(f"{label}: {i!r} is not a sequence index")
                elif not 0 <= i < inst.n:
                    faults.append(f"{label}: sequence {i} out of range 0..{inst.n - 1}")
                elif i in where:
                    faults.append(f"{label}: sequence {i} already in {where[i]}")
                else:
                    where[i] = label
                    total += inst.lengths[i]
            tokens.append(total)
    missing = [i for i in range(inst.n) if i not in where]
    if missing:
        faults.append("sequences in no group: " + ", ".join(map(str, missing[:10])))
    return faults, tokens


def test_verify_names_the_faults_the_item_walk_finds(example):
    _, inst, plan = example
    rnd = random.Random(0)
    assert verify(inst, Solution.from_dict(plan)) == []
    for _ in range(300):
        try:
            sol = Solution.from_dict(_mutations(plan, inst.n, rnd))
        except Exception:  # a mutation the solution reader refuses (e.g. an empty group)
            continue
        problems = verify(inst, sol)
        faults, _ = _walk(inst, sol)
        sequence_faults = [p for p in problems if "tokens on" not in p and "no sequence" not in p]
        assert [f.split(" ...")[0] for f in faults] == [p.split(" ...")[0] for p in sequence_faults]
