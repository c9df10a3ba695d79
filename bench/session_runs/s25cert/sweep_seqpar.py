"""s25cert: seqpar edge shapes x every method, against an own brute force.

The brute force enumerates every split of the batch into micro-batches, of each micro-batch
into groups, and every group type, with its own memory rule; times come from the instance's
cost model (``group_time_ms``: the objective's definition, not a solver's model).

Usage: nice -n 10 python sweep_seqpar.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import sys
from pathlib import Path

from harness import audit, emit

import planner

ROOT = Path(__file__).resolve().parents[3]
BASE = json.loads((ROOT / "instances/seqpar/example.json").read_text())


def set_partitions(items):
    """Every partition of ``items`` into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1 :]]
        yield [[first], *part]


def brute(inst) -> float | None:
    """Own optimum (seconds), None when no plan exists."""
    cost, n, gpus = inst.cost, inst.n, inst.gpus
    mem = inst.cluster.memory_mb
    shard = cost.model_states_mb / gpus
    types = [t for t in cost.group_types(gpus)]

    def options(group):
        tokens = sum(inst.lengths[i] for i in group)
        out = []
        for d, st in types:
            if math.ceil(tokens / d) * cost.activation_mb_per_token + shard <= mem * (1 + 1e-9):
                out.append((d, cost.group_time_ms(d, [inst.lengths[i] for i in group], st)))
        return out

    @functools.cache
    def mb_cost(subset: frozenset) -> float:
        best = math.inf
        for part in set_partitions(sorted(subset)):
            opts = [options(g) for g in part]
            if any(not o for o in opts):
                continue
            for combo in itertools.product(*opts):
                if sum(d for d, _ in combo) <= gpus:
                    best = min(best, max(t for _, t in combo))
        return best

    @functools.cache
    def opt(rest: frozenset) -> float:
        if not rest:
            return 0.0
        low = min(rest)
        others = sorted(rest - {low})
        best = math.inf
        for k in range(len(others) + 1):
            for extra in itertools.combinations(others, k):
                s = frozenset((low, *extra))
                best = min(best, mb_cost(s) + opt(rest - s))
        return best

    value = opt(frozenset(range(n)))
    return None if math.isinf(value) else value / 1000.0


def make(name, lengths, gpus, memory_mb=None, cost=None, max_len=None, **cost_changes):
    """An instance from the bundled example with its fields changed."""
    data = {k: v for k, v in BASE.items() if k not in ("n", "seed", "generator", "source")}
    data = json.loads(json.dumps(data))
    data.update(name=name, lengths=list(lengths))
    data["cluster"]["gpus"] = gpus
    data["cluster"]["gpus_per_node"] = min(8, gpus & -gpus)
    if memory_mb is not None:
        data["cluster"]["memory_mb"] = memory_mb
    if cost is not None:
        data["cost"] = cost
    data["cost"].update(cost_changes)
    if max_len is not None:
        data["max_len"] = max_len
    else:
        data.pop("max_len", None)
    return (
        planner.get_family("seqpar").from_dict(data)
        if hasattr(planner.get_family("seqpar"), "from_dict")
        else _from_dict(data)
    )


def _from_dict(data):
    from planner.seqpar import Instance

    return Instance.from_dict(data)


TAB = {
    "kind": "perfmodel",
    "name": "toy-tab",
    "grid": [1, 1000, 4000, 16000],
    "types": [[1, "ulysses"], [2, "ulysses"], [2, "ring"], [4, "ring"], [4, "hybrid"]],
    "time_ms": [
        [0.0, 10.0, 80.0, 1200.0],
        [0.0, 6.0, 45.0, 700.0],
        [0.0, 9.0, 30.0, 400.0],
        [0.0, 4.0, 25.0, 300.0],
        [0.0, 8.0, 20.0, 250.0],
    ],
    "fixed": [0.0, 2.5, 3.0, 4.0, 5.0],
    "activation_mb_per_token": 2.0,
    "model_states_mb": 0.0,
    "static_strategy": "ring",
}


def shapes():
    """Edge shapes: (name, instance)."""
    act, states, mem = 4.71, 114688, 30720

    # tokens one GPU holds next to its shard, on N GPUs
    def fit(d, n_gpus):
        return int((mem - states / n_gpus) // act) * d

    yield "one_sequence", make("one_sequence", [5000], 8)
    yield "one_gpu", make("one_gpu", [900, 300, 1200], 1, model_states_mb=1000.0)
    yield "one_gpu_one_seq", make("one_gpu_one_seq", [6000], 1, model_states_mb=1000.0)
    yield "all_max_len", make("all_max_len", [fit(4, 8)] * 4, 8, max_len=fit(4, 8))
    yield "just_fits_d1", make("just_fits_d1", [fit(1, 8), 1, 1], 8)
    yield "just_fits_d8", make("just_fits_d8", [fit(8, 8)], 8)
    yield "just_over_d8", make("just_over_d8", [fit(8, 8) + 1], 8)
    yield "over_all", make("over_all", [fit(8, 8) + 8, 10], 8)
    yield "gpus_3", make("gpus_3", [4000, 3000, 2000, 100], 3)
    yield "gpus_6", make("gpus_6", [8000, 3000, 2000, 100, 50], 6)
    yield "heads_6", make("heads_6", [8000, 3000, 2000, 100], 8, heads=6)
    yield "all_equal", make("all_equal", [2048] * 5, 8)
    yield "one_token", make("one_token", [1, 1, 1, 1, 1], 8)
    yield "max_len_above", make("max_len_above", [100, 200], 4, max_len=fit(4, 4))
    yield (
        "tab_mixed",
        make("tab_mixed", [15000, 900, 3000, 100, 7000], 4, memory_mb=40000, cost=dict(TAB)),
    )
    yield "tab_one_gpu", make("tab_one_gpu", [500, 1500, 20000], 1, memory_mb=60000, cost=dict(TAB))
    yield (
        "tab_beyond_grid",
        make("tab_beyond_grid", [30000, 20000, 1], 4, memory_mb=80000, cost=dict(TAB)),
    )
    yield (
        "tab_tight_mem",
        make("tab_tight_mem", [4000, 4000, 4000], 4, memory_mb=4000, cost=dict(TAB)),
    )
    yield "zero_beta", make("zero_beta", [3000, 2000, 1000, 500], 8, beta1=0.0)


def big_shapes():
    """Many GPUs, few sequences (last session's bug was a bound on 65,536 GPUs)."""
    yield "g1024_three", make("g1024_three", [400_000, 100_000, 5_000], 1024)
    yield "g4096_one_2m", make("g4096_one_2m", [2_000_000], 4096)
    yield "g4096_one_max", make("g4096_one_max", [2_000_000], 4096, max_len=3_000_000)
    yield "g65536_four", make("g65536_four", [3_000_000, 1_000_000, 70_000, 1], 65536)
    yield "g65536_one_small", make("g65536_one_small", [1000], 65536)
    yield "g16_all_max", make("g16_all_max", [16_000] * 4, 16, max_len=16_000)
    yield "g2048_heads64", make("g2048_heads64", [900_000, 300_000, 40_000], 2048, heads=64)
    yield (
        "tab_g1024",
        make("tab_g1024", [15_000, 9_000, 3_000, 100], 1024, memory_mb=40000, cost=dict(TAB)),
    )


def derived_shapes():
    """Cost models derived from planner.perfmodel (``planner plan seqpar``): ring / hybrid."""
    from planner.seqpar.api import make_instance

    yield (
        "llama8b_g8",
        make_instance([32768, 8192, 2048, 300], 8, "llama-3.1-8b", name="llama8b_g8"),
    )
    yield (
        "llama8b_g16_long",
        make_instance([131072, 65536, 1000], 16, "llama-3.1-8b", name="llama8b_g16_long"),
    )
    yield (
        "llama70b_g64",
        make_instance([262144, 100000, 5000, 5], 64, "llama-3.1-70b", name="llama70b_g64"),
    )
    yield (
        "llama8b_g8_tiny",
        make_instance([4096, 2048, 1], 8, "llama-3.1-8b", name="llama8b_g8_tiny"),
    )
    yield (
        "llama8b_g8_a100",
        make_instance(
            [65536, 16384, 4096], 8, "llama-3.1-8b", gpu="A100-80GB", name="llama8b_g8_a100"
        ),
    )


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    which = {"big": big_shapes, "derived": derived_shapes}.get(mode, shapes)
    fam = planner.get_family("seqpar")
    with open(out_path, "w") as out:
        for shape, inst in which():
            opt = brute(inst)
            for method in fam.methods:
                emit(audit("seqpar", shape, inst, method, time_limit=limit, opt=opt), out)


if __name__ == "__main__":
    main()
