"""The objective encoding and the independent verifier, on hand-made schedules."""

from __future__ import annotations

from planner.pipelining.evaluate import decode, encode, evaluate, lifetime_end, verify
from planner.pipelining.instance import Edge, Reservation, Solution

from .strategies import op, tiny


def _two_ops(**kw):
    return tiny(
        [op("a", "TC", cycles=2, latency=3, warp_cycles=1, registers=4), op("b", "TC", cycles=2)],
        [Edge("a", "b", 3, 0)],
        **kw,
    )


def test_encoding_is_lexicographic_and_decodes():
    inst = _two_ops()
    h = inst.effective_horizon
    assert encode(inst, 3, h) < encode(inst, 4, 0)  # a smaller ii always wins
    assert encode(inst, 3, 5) < encode(inst, 3, 6)
    assert decode(inst, encode(inst, 7, h - 1)) == (7, h - 1)
    sol = Solution(5, {"a": 0, "b": 3}, {"a": 0, "b": 0}, 5)
    assert evaluate(inst, sol) == encode(inst, 5, 5)


def test_a_valid_schedule_passes():
    inst = _two_ops()
    # TC busy at residues 0, 1 (a) and 3, 4 (b) of ii 5
    assert verify(inst, Solution(5, {"a": 0, "b": 3}, {"a": 0, "b": 0}, 5)) == []


def test_dependence_and_cross_warp_delay():
    inst = _two_ops(cross_warp_latency=2)
    assert any("edge 0" in v for v in verify(inst, Solution(8, {"a": 0, "b": 2}, {"a": 0, "b": 0})))
    # on different groups the producer's cross-warp latency is added
    bad = verify(inst, Solution(8, {"a": 0, "b": 3}, {"a": 0, "b": 1}))
    assert any("edge 0" in v and "< 5" in v for v in bad)
    assert verify(inst, Solution(8, {"a": 0, "b": 5}, {"a": 0, "b": 1})) == []


def test_single_thread_op_pays_the_handshake_on_one_warp_group():
    # b is issued by one thread (tcgen05.mma): a's result reaches it through a barrier
    inst = tiny(
        [op("a", "ALU", latency=3), op("b", "TC", single_thread=True)],
        [Edge("a", "b", 3, 0)],
        cross_warp_latency=2,
    )
    same = {"a": 0, "b": 0}
    assert any("< 5" in v for v in verify(inst, Solution(8, {"a": 0, "b": 3}, same)))
    assert verify(inst, Solution(8, {"a": 0, "b": 5}, same)) == []
    # two single-thread ops on one group are ordered by the issuing thread: no handshake
    both = tiny(
        [op("a", "ALU", latency=3, single_thread=True), op("b", "TC", single_thread=True)],
        [Edge("a", "b", 3, 0)],
        cross_warp_latency=2,
    )
    assert verify(both, Solution(8, {"a": 0, "b": 3}, same)) == []


def test_an_edge_can_carry_its_own_cross_warp_delay():
    # a hands a big tile to b (edge delay 4) and a scalar to c (the producer's 1)
    inst = tiny(
        [op("a", "ALU", latency=1, cross_warp_latency=1), op("b"), op("c", "ALU")],
        [Edge("a", "b", 1, 0, cross_warp_latency=4), Edge("a", "c", 1, 0)],
    )
    warp = {"a": 0, "b": 1, "c": 1}
    bad = verify(inst, Solution(9, {"a": 0, "b": 2, "c": 2}, warp))
    assert any("edge 0" in v and "< 5" in v for v in bad)
    assert not any("edge 1" in v for v in bad)
    assert verify(inst, Solution(9, {"a": 0, "b": 5, "c": 2}, warp)) == []


def test_a_hand_off_to_another_group_occupies_its_units():
    # a's tile goes through the 2-lane pipe S for 2 cycles after a completes (t = 1),
    # but only when b sits on another group; c holds S at residues 2 and 3 of ii 4
    hand_off = (Reservation("S", 0, 2, 2),)
    inst = tiny(
        [op("a", "ALU", cross_reservation=hand_off), op("b", "ALU"), op("c", "S", cycles=2)],
        [Edge("a", "b", 1, 0)],
        units={"ALU": 1, "S": 2},
    )
    start = {"a": 0, "b": 3, "c": 2}
    assert verify(inst, Solution(4, start, {"a": 0, "b": 0, "c": 0})) == []
    bad = verify(inst, Solution(4, start, {"a": 0, "b": 1, "c": 0}))
    assert any("unit S: 3 in use at cycle 2" in v for v in bad)
    assert verify(inst, Solution(4, start | {"c": 3}, {"a": 0, "b": 1, "c": 0})) == []


def test_modulo_resource_conflict_wraps_around():
    inst = _two_ops()
    # b occupies TC at 3,4 -> residues 3, 0 with ii 4: clashes with a at 0
    bad = verify(inst, Solution(4, {"a": 0, "b": 4}, {"a": 0, "b": 0}))
    assert any("unit TC" in v for v in bad)
    assert verify(inst, Solution(4, {"a": 0, "b": 6}, {"a": 0, "b": 0})) == []


def test_variable_latency_ops_alone_on_one_group():
    inst = tiny(
        [
            op("l1", "ALU", variable_latency=True),
            op("l2", "ALU", variable_latency=True),
            op("c", "TC"),
        ],
        [],
        units={"TC": 1, "ALU": 2},
        warp_groups=3,
    )
    spread = verify(inst, Solution(3, {"l1": 0, "l2": 0, "c": 0}, {"l1": 0, "l2": 1, "c": 2}))
    assert any("spread" in v for v in spread)
    shared = verify(inst, Solution(3, {"l1": 0, "l2": 0, "c": 0}, {"l1": 0, "l2": 0, "c": 0}))
    assert any("shares the producer" in v for v in shared)
    assert verify(inst, Solution(3, {"l1": 0, "l2": 0, "c": 0}, {"l1": 0, "l2": 0, "c": 1})) == []


def test_warp_group_occupancy():
    inst = tiny([op("s1", "TC", warp_cycles=2), op("s2", "ALU", warp_cycles=2)], [], warp_groups=2)
    bad = verify(inst, Solution(3, {"s1": 0, "s2": 1}, {"s1": 0, "s2": 0}))
    assert any("warp group 0" in v for v in bad)
    assert verify(inst, Solution(3, {"s1": 0, "s2": 1}, {"s1": 0, "s2": 1})) == []
    # an op busy longer than ii overlaps its own next iteration
    long = tiny([op("s", "TC", warp_cycles=3)], [])
    assert any("warp group" in v for v in verify(long, Solution(2, {"s": 0}, {"s": 0})))


def test_register_pressure_counts_overlapping_lifetimes():
    # a's value (4 registers) lives until b completes: [0, 5) at ii 2 -> 3 copies at most
    inst = _two_ops(register_limit=11, register_reserved=0)
    sol = Solution(2, {"a": 0, "b": 3}, {"a": 0, "b": 0}, 5)
    assert lifetime_end(inst, "a", sol.start, 2) == 5
    assert any("register_limit" in v for v in verify(inst, sol))
    roomy = _two_ops(register_limit=12, register_reserved=0)
    assert not any("register" in v for v in verify(roomy, sol))


def test_in_place_and_order_only_edges_shorten_lifetimes():
    inst = tiny(
        [op("a", registers=8), op("b", "ALU", cycles=3)],
        [Edge("a", "b", 1, 0, in_place=True)],
    )
    assert lifetime_end(inst, "a", {"a": 0, "b": 2}, 10) == 2  # released at b's issue
    plain = tiny([op("a", registers=8), op("b", "ALU", cycles=3)], [Edge("a", "b", 1, 0)])
    assert lifetime_end(plain, "a", {"a": 0, "b": 2}, 10) == 5  # until b completes
    order = tiny(
        [op("a", registers=8), op("b", "ALU", cycles=3)], [Edge("a", "b", 1, 1, order_only=True)]
    )
    assert lifetime_end(order, "a", {"a": 0, "b": 2}, 10) == 1  # only its own latency


def test_register_file_and_shared_memory():
    inst = tiny(
        [op("a", registers=30, smem=5), op("b", "ALU", registers=30)],
        [],
        register_limit=40,
        register_reserved=8,
        register_file=70,
        smem=4,
    )
    sol = Solution(5, {"a": 0, "b": 0}, {"a": 0, "b": 1})
    problems = verify(inst, sol)
    assert any("register file" in v for v in problems)  # 38 + 38 > 70
    assert any("smem" in v for v in problems)


def test_shape_errors():
    inst = _two_ops()
    assert verify(inst, "not a solution")
    assert any("ii" in v for v in verify(inst, Solution(0, {"a": 0, "b": 3}, {"a": 0, "b": 0})))
    assert any("no value" in v for v in verify(inst, Solution(4, {"a": 0}, {"a": 0, "b": 0})))
    assert any(
        "outside" in v for v in verify(inst, Solution(4, {"a": 0, "b": 3}, {"a": 0, "b": 9}))
    )
    assert any(
        "negative" in v for v in verify(inst, Solution(4, {"a": -1, "b": 3}, {"a": 0, "b": 0}))
    )
    stale = verify(inst, Solution(4, {"a": 0, "b": 3}, {"a": 0, "b": 0}, length=99))
    assert any("length 99" in v for v in stale)


def test_a_huge_ii_is_a_violation_not_an_overflow():
    """ii = 2**70 raised OverflowError building the modulo profile (s15bad)."""
    inst = _two_ops()
    found = verify(inst, Solution(2**70, {"a": 0, "b": 3}, {"a": 0, "b": 0}))
    assert any("exceeds max_ii" in v for v in found), found
