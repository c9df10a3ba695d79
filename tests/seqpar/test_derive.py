"""Cost models derived from perfmodel: group types, tabulated times, memory, solving with them."""

from __future__ import annotations

import json

import numpy as np
import pytest

import planner
from planner.core.errors import InputError
from planner.perfmodel import get_gpu, load_model
from planner.perfmodel.memory import (
    GRAD_BYTES,
    OPTIMIZER_BYTES,
    WEIGHT_BYTES,
    default_headroom_gib,
)
from planner.perfmodel.sequence import sequence_time
from planner.seqpar.costmodel import TabulatedCost, cost_from_dict
from planner.seqpar.derive import derive, pack_count
from planner.seqpar.instance import Instance


@pytest.fixture(scope="module")
def derived():
    return derive("llama-3.1-8b", "H100", 32)


def test_types_follow_heads_and_nodes(derived):
    cluster, cost = derived
    assert cluster.gpus == 32 and cluster.gpus_per_node == 8
    assert (1, "ulysses") in cost.types and (32, "ulysses") in cost.types  # 32 heads
    assert all(st != "hybrid" or d > 8 for d, st in cost.types)  # hybrid only across nodes
    assert {(16, "hybrid"), (32, "ring"), (2, "ring")} <= set(cost.types)
    assert cost.static_strategy == "ring" and cost.heads == 32
    # 64 does not divide the 32 heads: no Ulysses group of 64 on a 64-GPU cluster
    _, big = derive("llama-3.1-8b", "H100", 64)
    assert (64, "ring") in big.types and (64, "ulysses") not in big.types


def test_tabulated_times_are_perfmodel_times(derived):
    _, cost = derived
    model, gpu = load_model("llama-3.1-8b"), get_gpu("H100")
    cluster, _ = derived
    c = cost.tokens_per_gpu(cluster)

    def exact(s: int, d: int, st: str) -> float:
        return sequence_time(model, gpu, s, d, st, batch=pack_count(s, d, c)) * 1000

    for d, st in ((1, "ulysses"), (8, "ring"), (16, "hybrid")):
        for s in (cost.grid[20], cost.grid[60]):
            assert cost.work_ms(d, st, np.array([s]))[0] == pytest.approx(exact(s, d, st), rel=1e-9)
        mid = int(np.sqrt(cost.grid[80] * cost.grid[81]))
        approx = cost.work_ms(d, st, np.array([mid]))[0]
        assert approx == pytest.approx(exact(mid, d, st), rel=0.02)
    # a long sequence fills its group alone: no sharing
    s = cost.grid[-3]
    assert pack_count(s, 16, c) == 1
    assert cost.work_ms(16, "ring", np.array([s]))[0] == pytest.approx(
        sequence_time(model, gpu, s, 16, "ring") * 1000, rel=1e-9
    )
    assert cost.source["interpolation_error"] < 0.02
    # times never decrease with the length (the bounds round lengths down)
    s = np.arange(1, 200_000, 997)
    for d, st in cost.types:
        assert np.all(np.diff(cost.work_ms(d, st, s)) >= 0)
    bad = {**cost.to_dict(), "time_ms": [list(reversed(r)) for r in cost.to_dict()["time_ms"]]}
    with pytest.raises(InputError, match="decrease with the length"):
        cost_from_dict(bad)


def test_memory_from_perfmodel(derived):
    cluster, cost = derived
    # The driver's capacity (81,559 MiB on an H100 80GB) minus the training headroom, as the
    # train family sizes a GPU; was the datasheet's 80 GiB minus the serving runtime reserve
    # (4 GiB), 77,824 MiB, about 0.24 GiB more than any other training family allowed.
    gpu = get_gpu("H100")
    assert cluster.memory_mb == pytest.approx(81559 - default_headroom_gib(gpu) * 1024)
    assert cluster.memory_mb < (80 - 4) * 1024
    per_param = GRAD_BYTES + OPTIMIZER_BYTES + WEIGHT_BYTES  # perfmodel's mixed-precision Adam
    states = 8.030261248e9 * per_param / 2**20  # all GPUs together (ZeRO-3 shards them)
    assert cost.model_states_mb == pytest.approx(states, rel=1e-6)
    assert 4 < cost.activation_mb_per_token < 7  # 32 layers x 34 h bytes + fp32 logits
    assert cost.tokens_per_gpu(cluster) > 10_000


def test_memory_headroom_and_override():
    full, _ = derive("llama-3.1-8b", "H100", 32, memory_headroom_gib=0)
    assert full.memory_mb == 81559  # the driver's capacity, all of it
    kept, _ = derive("llama-3.1-8b", "H100", 32, memory_headroom_gib=10)
    assert kept.memory_mb == 81559 - 10 * 1024
    # a memory override is the part's capacity: the catalog's driver figure no longer applies
    small, _ = derive("llama-3.1-8b", "H100", 32, memory_gib=40, memory_headroom_gib=0)
    assert small.memory_mb == 40 * 1024
    for bad in (-1, 80, "2", True):
        with pytest.raises(InputError, match="memory_headroom_gib"):
            derive("llama-3.1-8b", "H100", 32, memory_headroom_gib=bad)


def test_round_trip_restrict_and_solve(derived):
    cluster, cost = derived
    again = cost_from_dict(json.loads(json.dumps(cost.to_dict())))
    assert isinstance(again, TabulatedCost) and again == cost
    only = cost.restricted(["ulysses"])
    assert {st for _, st in only.types} == {"ulysses"} and only.static_strategy == "ulysses"
    rng = np.random.default_rng(1)
    lengths = [60_000, 20_000, *rng.integers(200, 4000, size=60).tolist()]
    inst = Instance("l8", lengths, cluster, cost, max_len=131072)
    res = planner.solve(inst, "auto", time_limit=3)
    assert res.verified and res.bound <= res.objective + 1e-9
    assert res.stats["static_strategy"] == "ring"
    narrow = planner.solve(Instance("l8u", lengths, cluster, only), "auto", time_limit=3)
    assert res.objective <= narrow.objective * 1.02  # more strategies never hurt (up to search)
    with pytest.raises(InputError, match="neither a FlexSP preset"):
        planner.seqpar.generate.make_cluster_cost(32, "no-such-model")


def test_a_memory_override_that_leaves_nothing_is_refused_naming_it():
    # 1 GiB is below the training headroom (1.5 GiB + 3 %): the error names the argument the
    # caller gave, not the derived cluster's memory_mb (s30review1)
    with pytest.raises(InputError, match="memory_gib") as info:
        derive("llama-3.1-8b", "H100", 32, memory_gib=1)
    assert "memory_mb" not in str(info.value)
