"""Bounds: ResMII (with the packing bound), RecMII against an explicit cycle search, validity."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings

from planner.core.result import Status
from planner.core.solve import solve
from planner.pipelining.bounds import (
    compute_bounds,
    length_lb,
    lower_bound,
    rec_mii,
    res_mii,
    static_infeasibility,
)
from planner.pipelining.evaluate import encode, verify
from planner.pipelining.generate import generate
from planner.pipelining.ims import ims
from planner.pipelining.instance import Edge, Reservation
from planner.pipelining.instance import Op as _Op

from .strategies import brute_force, op, tiny, tiny_instances


def test_res_mii_sums_and_packs():
    inst = tiny([op("a", cycles=3), op("b", cycles=2), op("c", "ALU", cycles=1)], [])
    value, per_unit = res_mii(inst)
    assert per_unit == {"TC": 5, "ALU": 1} and value == 5
    # two occupations of 3 of 4 lanes can never overlap: 2 + 2 cycles, not ceil(12 / 4)
    wide = tiny(
        [
            _Op("x", (Reservation("L", 0, 2, 3),), 2),
            _Op("y", (Reservation("L", 0, 2, 3),), 2),
        ],
        [],
        units={"L": 4},
    )
    assert res_mii(wide)[1]["L"] == 4


def _max_cycle_ratio(inst) -> int:
    """Max over simple cycles of ceil(latency / distance), by enumerating node sequences."""
    ids = [o.id for o in inst.ops]
    best = 0
    for k in range(1, len(ids) + 1):
        for cyc in itertools.permutations(ids, k):
            if cyc[0] != min(cyc):
                continue
            total_lat = total_dist = 0
            ok = True
            for u, v in zip(cyc, cyc[1:] + cyc[:1], strict=True):
                options = [e for e in inst.edges if e.src == u and e.dst == v]
                if not options:
                    ok = False
                    break
                # the edge with the largest latency - distance trade-off is tried per choice below
                total_lat += max(e.latency for e in options)
                total_dist += min(e.distance for e in options)
            if ok and total_dist > 0:
                best = max(best, math.ceil(total_lat / total_dist))
    return best


def test_rec_mii_of_a_known_cycle():
    inst = tiny(
        [op("a"), op("b", "ALU"), op("c")],
        [Edge("a", "b", 4, 0), Edge("b", "c", 3, 0), Edge("c", "a", 2, 2), Edge("b", "b", 5, 1)],
    )
    value, cycle = rec_mii(inst)
    assert value == 5 and cycle[0] == cycle[-1]
    assert value == _max_cycle_ratio(inst)


@settings(max_examples=40, deadline=None)
@given(tiny_instances(max_ops=4))
def test_rec_mii_matches_cycle_enumeration(inst):
    # with single edges per pair the enumeration above is exact
    pairs = [(e.src, e.dst) for e in inst.edges]
    if len(pairs) != len(set(pairs)) or any(inst.forced_cross(e) for e in inst.edges):
        return
    assert rec_mii(inst)[0] == _max_cycle_ratio(inst)


@settings(max_examples=30, deadline=None)
@given(tiny_instances())
def test_lower_bound_never_exceeds_the_brute_force_optimum(inst):
    best = brute_force(inst)
    if best is None:
        return
    ii, length = best
    assert compute_bounds(inst).mii <= ii
    assert lower_bound(inst) <= encode(inst, ii, length)
    assert length_lb(inst, ii) <= length


def test_one_iteration_work_bounds_the_length():
    # three 2-cycle ops share TC (capacity 1) and all feed d: the critical path says 2 + 3,
    # the unit says 3 x 2 before d can start, then d's 3 cycles
    ops = [op(n, cycles=2) for n in "abc"] + [op("d", "ALU", cycles=3)]
    inst = tiny(ops, [Edge(n, "d", 2, 0) for n in "abc"], warp_groups=1)
    assert length_lb(inst, 6) == 9
    assert length_lb(inst, 6, relax={"units:TC"}) == 5
    result = solve(inst, "exact", time_limit=10, threads=1)
    assert result.status is Status.OPTIMAL and result.solution.length == 9
    # one warp group runs one synchronous op at a time: four 2-cycle ops take 8 cycles
    busy = [op(n, u, cycles=1, warp_cycles=2) for n, u in zip("wxyz", "TTAA", strict=True)]
    inst = tiny(busy, [], units={"T": 2, "A": 2}, warp_groups=1)
    assert length_lb(inst, 8) == 8
    assert length_lb(inst, 8, relax={"warps"}) == 2


def test_length_bound_never_exceeds_a_verified_schedule():
    checked = 0
    for inst in generate((10, 40), (3, 5), (1, 3), count=8, seed=5):
        solution, _ = ims(inst, time_limit=5)
        if solution is None:
            continue
        assert verify(inst, solution) == []
        assert length_lb(inst, solution.ii) <= solution.length
        checked += 1
    assert checked >= 6


def test_static_infeasibility_reasons():
    needs_two = tiny([op("l", variable_latency=True), op("c")], [], warp_groups=1)
    assert "warp group" in static_infeasibility(needs_two)
    fat = tiny([op("c", registers=50)], [], register_limit=40)
    assert "register_limit" in static_infeasibility(fat)
    self_clash = tiny([_Op("c", (Reservation("TC", 0, 3), Reservation("TC", 1, 1)), 3)], [])
    assert "alone needs 2" in static_infeasibility(self_clash)
    assert static_infeasibility(tiny([op("c")], [])) is None
