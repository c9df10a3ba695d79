"""One sequence in one SP group: Ulysses, ring, hybrid, and ZeRO-3's per-micro-batch cost."""

from __future__ import annotations

import pytest

from planner.perfmodel import get_gpu, load_model
from planner.perfmodel.sequence import (
    sequence_time,
    ulysses_alltoall,
    ulysses_inner,
    zero3_microbatch_time,
)

MODEL = load_model("llama-3.1-8b")
GPU = get_gpu("H100")


def test_degree_one_is_the_same_for_every_strategy():
    times = {st: sequence_time(MODEL, GPU, 4096, 1, st) for st in ("ulysses", "ring", "hybrid")}
    assert len({round(t, 12) for t in times.values()}) == 1 and times["ring"] > 0


def test_splitting_a_long_sequence_roughly_divides_its_time():
    one = sequence_time(MODEL, GPU, 65536, 1)
    for st in ("ulysses", "ring"):
        eight = sequence_time(MODEL, GPU, 65536, 8, st)
        assert one / 9 < eight < one / 6  # d = 8 inside a node: compute / 8 plus communication


def test_ulysses_needs_a_divisor_of_the_heads_and_hybrid_inside_a_node_is_ulysses():
    with pytest.raises(ValueError, match="does not divide 32 heads"):
        sequence_time(MODEL, GPU, 4096, 64, "ulysses")
    assert sequence_time(MODEL, GPU, 8192, 8, "hybrid") == pytest.approx(
        sequence_time(MODEL, GPU, 8192, 8, "ulysses")
    )
    assert ulysses_inner(MODEL, GPU, 64) == 8 and ulysses_inner(MODEL, GPU, 4) == 4
    assert sequence_time(MODEL, GPU, 65536, 64, "hybrid") < sequence_time(
        MODEL, GPU, 65536, 64, "ring"
    )
    with pytest.raises(ValueError, match="unknown SP strategy"):
        sequence_time(MODEL, GPU, 100, 2, "tree")


def test_alltoall_and_zero3_terms():
    assert ulysses_alltoall(MODEL, GPU, 1000, 1, 1) == 0.0
    inside = ulysses_alltoall(MODEL, GPU, 1000, 8, 8)
    across = ulysses_alltoall(MODEL, GPU, 1000, 16, 8)  # half the data leaves the node
    assert 0 < inside < across
    assert ulysses_alltoall(MODEL, GPU, 2000, 8, 8) > inside
    assert zero3_microbatch_time(MODEL, GPU, 1) == 0.0
    big = load_model("llama-3.1-70b")
    assert 0 < zero3_microbatch_time(MODEL, GPU, 64) < zero3_microbatch_time(big, GPU, 64)


def test_packing_shares_latencies():
    alone = sequence_time(MODEL, GPU, 256, 32, "ring")
    packed = sequence_time(MODEL, GPU, 256, 32, "ring", batch=64)
    assert packed < alone  # 64 short sequences exchange their K/V blocks together
    long_alone = sequence_time(MODEL, GPU, 65536, 8, "ulysses")
    assert sequence_time(MODEL, GPU, 65536, 8, "ulysses", batch=2) == pytest.approx(
        long_alone, rel=0.02
    )


def test_every_strategy_pays_the_moe_host_wait(monkeypatch):
    """The per-expert launch wait does not depend on the SP strategy (Ulysses used to drop it)."""
    from planner.perfmodel import constants, host

    moe = load_model("qwen3-30b-a3b")
    base = {st: sequence_time(moe, GPU, 16384, 8, st) for st in ("ulysses", "ring", "hybrid")}
    monkeypatch.setattr(host, "EAGER_LAUNCH_S", 1e-3)  # launches far slower than the kernels
    with constants.override({}):  # clears the layer caches (on entry and exit)
        slow = {st: sequence_time(moe, GPU, 16384, 8, st) for st in ("ulysses", "ring", "hybrid")}
    for st in base:
        assert slow[st] > base[st] + 0.1, st


def test_ulysses_moves_mlas_up_projected_keys_and_values():
    """DeepSeek's Ulysses all-to-alls carry Q, K, V and the output of every head: 24,576 +
    24,576 + 16,384 + 16,384 elements per token for V3, not 2 x 128 x 56 for K and V (s17audit)."""
    from planner.perfmodel.sequence import ulysses_width

    ds = load_model("deepseek-v3")
    assert ulysses_width(ds) == 128 * 192 + 128 * 192 + 128 * 128 + 128 * 128
    assert ulysses_width(MODEL) == 4096 + 2 * 1024 + 4096  # GQA unchanged
