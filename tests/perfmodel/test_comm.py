"""Collective-time model."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _brute_hit_probability(total: int, group: int, draws: int) -> float:
    """Share of all draw sets (distinct experts) that include one of the first ``group``."""
    sets = list(itertools.combinations(range(total), draws))
    return sum(any(e < group for e in s) for s in sets) / len(sets)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.data())
def test_hit_probability_matches_enumeration(total, data):
    group = data.draw(st.integers(1, total))
    draws = data.draw(st.integers(1, total))
    assert comm.hit_probability(total, group, draws) == pytest.approx(
        _brute_hit_probability(total, group, draws)
    )


def _logical_rdma_gb_s(gpu: str, ep: int, experts: int, backend: str) -> float:
    """A flex kernel benchmark's RDMA "bottleneck" bandwidth as the model prices it: tokens x
    destination nodes (own node included) x bf16 bytes / time (DeepEP ``test_internode.py``,
    HybridEP ``count_rdma_send_from_routing_map``), 4096 tokens of 7168, top-8."""
    fab = comm.fabric_of(get_gpu(gpu))
    t = comm.dispatch_all_to_all(4096, 8, 7168 * 2, ep, 8, fab, experts=experts, backend=backend)
    nodes = ep // 8 * comm.hit_probability(experts, experts / (ep // 8), 8)
    return 4096 * nodes * 7168 * 2 / t / 1e9


def test_flex_dispatch_reproduces_deepeps_published_bandwidths():
    # DeepEP README (V1 normal kernels, H800 + CX7 400 Gb/s, 256 experts): combine 43 / 57 /
    # 50 GB/s at EP16 / 32 / 64. EP16 is NVLink-forward bound (the constant comes from it),
    # EP32 / EP64 NIC bound at the model's NIC efficiency: an independent check.
    for ep, published in ((16, 43.0), (32, 57.0), (64, 50.0)):
        assert _logical_rdma_gb_s("H800", ep, 256, "deepep") == pytest.approx(published, rel=0.06)
    # HybridEP README, H100 (16 SMs, kernel only, 8 local experts): combine 57.46 / 49.77 GB/s
    # at 32 / 64 ranks, NIC bound as well
    for ep, published in ((32, 57.46), (64, 49.77)):
        got = _logical_rdma_gb_s("H100-SXM", ep, 8 * ep, "hybridep")
        assert got == pytest.approx(published, rel=0.06)


def test_flex_dispatch_sends_once_per_node():
    fab = comm.fabric_of(get_gpu("B200"))
    plain = comm.dispatch_all_to_all(4096, 8, 7168, 32, 8, fab)
    flex = comm.dispatch_all_to_all(4096, 8, 7168, 32, 8, fab, experts=256, backend="deepep")
    # every copy on the NIC (6 of 8 leave the node) against 3.6 nodes (2.7 remote) per token
    assert flex == pytest.approx(plain * 2.71 / 6, rel=0.02)
    # one NVLink domain: once per rank, slower than the model's NVLink rate lets a plain
    # all-to-all go (the kernels are SM-bound, FLEX_NVLINK_BW)
    one_domain = comm.dispatch_all_to_all(4096, 8, 7168, 8, 8, fab, experts=256, backend="deepep")
    assert one_domain > comm.dispatch_all_to_all(4096, 8, 7168, 8, 8, fab)


def test_flex_dispatch_in_one_nvlink_domain_matches_hybrideps_published_rates():
    # README_Hybrid-EP.md GB200 table (16 SMs, Torch API, 8 local experts, top-8): dispatch
    # (bf16) and combine algorithm bandwidth (tokens x distinct ranks x bytes / time) at 8-36
    # ranks of one NVL72 domain; the constant is the 8-rank B200 / GB200 figure
    fab = comm.fabric_of(get_gpu("GB200"))
    published = {8: (550.10, 538.44), 16: (472.84, 474.48), 24: (441.89, 444.40)}
    published |= {32: (485.50, 423.19), 36: (469.96, 418.27)}
    for ep, (dispatch, combine) in published.items():
        experts = 8 * ep
        t = comm.dispatch_all_to_all(
            4096, 8, 7168 * 2, ep, 72, fab, experts=experts, backend="hybridep"
        )
        ranks = ep * comm.hit_probability(experts, 8, 8)
        got = 4096 * ranks * 7168 * 2 / t / 1e9
        assert 0.98 * min(dispatch, combine) < got < 1.3 * min(dispatch, combine), ep


def _brute_destinations(units: int, experts: int, top_k: int, groups: int, group_topk: int):
    """Mean distinct units over every choice of ``group_topk`` groups and, in each chosen
    group, every set of ``top_k // group_topk`` distinct experts (units and groups are
    consecutive expert ranges), enumerated."""
    size, per_group = experts // groups, top_k // group_topk
    per_unit = experts // units
    total = count = 0
    for chosen in itertools.combinations(range(groups), group_topk):
        picks = [itertools.combinations(range(g * size, (g + 1) * size), per_group) for g in chosen]
        for sets in itertools.product(*picks):
            total += len({e // per_unit for s in sets for e in s})
            count += 1
    return total / count


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(8, 4), (8, 2), (12, 4), (12, 3), (16, 4), (16, 2)]), st.data())
def test_group_limited_destinations_match_enumeration(shape, data):
    experts, groups = shape
    group_topk = data.draw(st.integers(1, groups - 1))
    top_k = group_topk * data.draw(st.integers(1, min(2, experts // groups)))
    units = data.draw(st.sampled_from([u for u in (1, 2, 4, 8, 16) if experts % u == 0]))
    if (experts // units) % (experts // groups) and (experts // groups) % (experts // units):
        return  # units and groups do not nest
    got = comm.destinations_hit(units, experts, top_k, groups, group_topk)
    assert got == pytest.approx(_brute_destinations(units, experts, top_k, groups, group_topk))


def test_group_limited_destinations_track_megatrons_router():
    """Megatron-Core ``group_limited_topk`` on random scores (its forced-balance benchmark
    mode): DeepSeek-V3's 256 experts, 8 groups, top-4 groups, top-8, simulated."""
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    experts, groups, group_topk, top_k, tokens = 256, 8, 4, 8, 4000
    scores = rng.random((tokens, experts))
    ranked = np.sort(scores.reshape(tokens, groups, -1), axis=-1)[:, :, -(top_k // group_topk) :]
    chosen = np.argsort(-ranked.sum(-1), axis=1)[:, :group_topk]
    keep = np.zeros((tokens, groups), bool)
    np.put_along_axis(keep, chosen, True, 1)
    top = np.argsort(-np.where(np.repeat(keep, experts // groups, 1), scores, -1), axis=1)
    for units in (4, 8, 16, 32, 64):
        simulated = np.mean([len(set(row)) for row in top[:, :top_k] // (experts // units)])
        got = comm.destinations_hit(units, experts, top_k, groups, group_topk)
        assert simulated * 0.99 < got < simulated * 1.07, units
        # fewer destinations than unrestricted routing (which the old pricing used)
        assert got < comm.destinations_hit(units, experts, top_k) or units <= 1


def test_flex_dispatch_prices_group_limited_routing():
    # DeepSeek-V3 on 8 nodes of 8 (EP64): a group (32 experts) is one node, top-4 groups cap
    # the destination nodes at 4 as node_limit=4 does; the NVLink leg sends to fewer ranks
    fab = comm.fabric_of(get_gpu("H800"))
    kw = dict(experts=256, backend="deepep")
    free = comm.dispatch_all_to_all(4096, 8, 7168, 64, 8, fab, **kw)
    grouped = comm.dispatch_all_to_all(4096, 8, 7168, 64, 8, fab, groups=8, group_topk=4, **kw)
    limited = comm.dispatch_all_to_all(4096, 8, 7168, 64, 8, fab, node_limit=4, **kw)
    assert grouped == pytest.approx(limited, rel=1e-9) and grouped < free
    # one NVL72 domain, EP32: 7.10 ranks per token (7.27 without the groups)
    gb = comm.fabric_of(get_gpu("GB200"))
    one = comm.dispatch_all_to_all(4096, 8, 7168, 32, 72, gb, **kw)
    one_grouped = comm.dispatch_all_to_all(4096, 8, 7168, 32, 72, gb, groups=8, group_topk=4, **kw)
    assert one_grouped / one == pytest.approx(
        comm.destinations_hit(32, 256, 8, 8, 4) / comm.destinations_hit(32, 256, 8), rel=0.01
    )
