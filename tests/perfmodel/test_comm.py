"""Collective-time model."""

from __future__ import annotations

from planner.perfmodel import comm
from planner.perfmodel.constants import FITTED
from planner.perfmodel.hardware import get_gpu

FAB = comm.Fabric(get_gpu("A100").nvlink_bw, get_gpu("A100").nic_bw)


def test_single_rank_is_free():
    assert comm.all_reduce(1e9, 1, 1, FAB) == 0.0
    assert comm.all_to_all(1e9, 1, 1, FAB) == 0.0


def test_all_reduce_is_reduce_scatter_plus_all_gather():
    for n, k in ((8, 8), (64, 8), (16, 1)):
        ar = comm.all_reduce(1e9, n, k, FAB)
        assert (
            abs(ar - comm.reduce_scatter(1e9, n, k, FAB) - comm.all_gather(1e9, n, k, FAB)) < 1e-12
        )


def test_nvlink_faster_than_network():
    assert comm.all_reduce(1e9, 8, 8, FAB) < comm.all_reduce(1e9, 8, 1, FAB)
    assert comm.p2p(1e8, FAB, same_node=True) < comm.p2p(1e8, FAB, same_node=False)


def test_monotone_in_size_and_group():
    assert comm.all_reduce(2e9, 16, 8, FAB) > comm.all_reduce(1e9, 16, 8, FAB)
    assert comm.all_to_all(1e9, 64, 8, FAB) > comm.all_to_all(1e9, 8, 8, FAB)


def test_ring_bandwidth_term():
    # one node, 8 ranks: 2 (n-1)/n S / (B eff) plus latency
    t = comm.all_reduce(1e9, 8, 8, FAB)
    ideal = 2 * 7 / 8 * 1e9 / (FAB.nvlink_bw * FITTED["nvlink_efficiency"])
    assert ideal < t < ideal * 1.01
