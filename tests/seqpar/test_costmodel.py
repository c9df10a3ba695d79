"""The group cost model: formula, bandwidth by degree, memory in whole tokens, validation."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.seqpar.costmodel import GB, Cluster, CostModel, Tables

from .strategies import tiny_cost


def test_group_time_by_hand():
    cost = tiny_cost(alpha1=0.01, alpha2=2.0, beta1=7.0, bw=(4.0, 2.0, 0.5))
    # d = 1: no all-to-all
    assert cost.group_time_ms(1, [3, 5]) == pytest.approx(0.01 * 9 + 6 + 0.01 * 25 + 10 + 7.0)
    # d = 2: compute halves, all-to-all = bytes / d / bandwidth, 1/(2*4) ms per token here
    comp = (0.01 * 9 + 6 + 0.01 * 25 + 10) / 2
    assert cost.group_time_ms(2, [3, 5]) == pytest.approx(comp + 8 / (2 * 4.0) + 7.0)
    # beyond the largest key the last bandwidth holds
    assert cost.bandwidth(64) == 0.5 and cost.bandwidth(8) == 0.5 and cost.bandwidth(4) == 2.0


def test_comm_uses_binary_gigabytes():
    cost = CostModel(
        alpha1=0,
        alpha2=0,
        beta1=0,
        a2a_bytes_per_token=GB,
        alltoall_gb_s={2: 1.0},
        activation_mb_per_token=1.0,
        model_states_mb=0.0,
    )
    assert cost.comm_ms_per_token(2) == pytest.approx(500.0)  # 1 GiB / 2 at 1 GiB/s
    assert cost.comm_ms_per_token(1) == 0.0


def test_tokens_per_gpu_and_capacity_tables():
    cost = tiny_cost(act=2.0)
    cluster = Cluster(gpus=8, gpus_per_node=4, memory_mb=21.0)
    assert cost.tokens_per_gpu(cluster) == 10  # floor(21 / 2)
    t = Tables.build(cluster, cost)
    assert t.degrees.tolist() == [1, 2, 4, 8]
    assert t.capacity.tolist() == [10, 20, 40, 80]
    # the index of the smallest degree that holds each length (len(degrees) = none)
    assert t.min_degree_index(np.array([10, 11, 80, 81])).tolist() == [0, 1, 3, 4]
    single = t.single_time(np.array([15]))
    assert np.isinf(single[0, 0]) and single[0, 1] == pytest.approx(cost.group_time_ms(2, [15]))


def test_head_limit_removes_degrees():
    cost = CostModel(**{**tiny_cost().to_dict(), "heads": 12, "alltoall_gb_s": {2: 1.0, 4: 1.0}})
    t = Tables.build(Cluster(gpus=16, gpus_per_node=8, memory_mb=10.0), cost)
    assert t.degrees.tolist() == [1, 2, 4]  # 8 and 16 do not divide 12 heads


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"gpus": 60, "gpus_per_node": 8, "memory_mb": 1}, "cluster.gpus"),
        ({"gpus": 12, "gpus_per_node": 6, "memory_mb": 1}, "cluster.gpus_per_node"),
        ({"gpus": 0, "gpus_per_node": 8, "memory_mb": 1}, "cluster.gpus"),
        ({"gpus": 8, "gpus_per_node": 8, "memory_mb": -3}, "cluster.memory_mb"),
        ({"nodes": 2, "gpus_per_node": 8}, "memory_mb"),
    ],
)
def test_cluster_errors_name_the_field(data, field):
    with pytest.raises(InputError, match=field):
        Cluster.from_dict(data)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"gpus": 2**40, "gpus_per_node": 8, "memory_mb": 1}, "'cluster.gpus': 1099511627776 is"),
        ({"gpus": 8, "gpus_per_node": 8, "memory_mb": 1e308}, "'cluster.memory_mb': 1e[+]308"),
        ({"gpus": 8, "gpus_per_node": 8, "memory_mb": 2**62}, "'cluster.memory_mb': 4.6"),
    ],
)
def test_huge_clusters_are_bad_input(data, field):
    """2**40 GPUs was a MemoryError (8 TiB of tables), 1e308 MB an OverflowError and 2**62 MB
    a negative token count in the INFEASIBLE reason (s14bad)."""
    with pytest.raises(InputError, match=field):
        Cluster.from_dict(data)


def test_cost_errors_and_round_trip():
    good = tiny_cost().to_dict()
    assert CostModel.from_dict(good) == tiny_cost()
    with pytest.raises(InputError, match="degree 4 missing"):
        CostModel.from_dict({**good, "alltoall_gb_s": {"2": 1.0, "8": 1.0}})
    with pytest.raises(InputError, match="alpha2"):
        CostModel.from_dict({**good, "alpha2": -1})
    with pytest.raises(InputError, match="unknown key 'gamma'"):
        CostModel.from_dict({**good, "gamma": 1})
    assert Cluster.from_dict({"nodes": 2, "gpus_per_node": 4, "memory_mb": 5}).gpus == 8
