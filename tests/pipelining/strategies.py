"""Shared helpers of the pipelining tests: bundled paths, tiny instances, brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import strategies as st

from planner.pipelining.evaluate import verify
from planner.pipelining.instance import Edge, Instance, Machine, Op, Reservation, Solution

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "pipelining"
KERNELS = ["fa3_fwd_hopper", "fa4_fwd_blackwell", "fa3_bwd_hopper", "gemm_hopper"]


def tiny(
    ops: list[Op],
    edges: list[Edge],
    *,
    units: dict[str, int] | None = None,
    warp_groups: int = 2,
    register_limit: int = 100,
    horizon: int | None = None,
    max_ii: int | None = None,
    **machine: int,
) -> Instance:
    """A hand-made instance (units default to one TC and one ALU of capacity 1)."""
    return Instance(
        name="tiny",
        machine=Machine(
            units=units or {"TC": 1, "ALU": 1},
            warp_groups=warp_groups,
            register_limit=register_limit,
            **machine,
        ),
        ops=tuple(ops),
        edges=tuple(edges),
        horizon=horizon,
        max_ii=max_ii,
    )


def op(name: str, unit: str = "TC", cycles: int = 1, latency: int | None = None, **kw) -> Op:
    """An op with one reservation at offset 0."""
    return Op(
        id=name,
        reservation=(Reservation(unit, 0, cycles),),
        latency=cycles if latency is None else latency,
        **kw,
    )


def brute_force(inst: Instance) -> tuple[int, int] | None:
    """Lexicographically smallest (ii, length) by enumerating every ii, start and warp group.

    Its own loops: starts in ``[0, horizon - span]``, every warp assignment, and
    ``verify`` (the definition of a valid schedule) as the only check.
    """
    ids = [o.id for o in inst.ops]
    ranges = [range(inst.effective_horizon - o.span + 1) for o in inst.ops]
    groups = range(inst.machine.warp_groups)
    for ii in range(1, inst.effective_max_ii + 1):
        best = None
        for warps in itertools.product(groups, repeat=len(ids)):
            warp = dict(zip(ids, warps, strict=True))
            for starts in itertools.product(*ranges):
                start = dict(zip(ids, starts, strict=True))
                length = max(s + o.span for s, o in zip(starts, inst.ops, strict=True))
                if best is not None and length >= best:
                    continue
                if not verify(inst, Solution(ii, start, warp, length)):
                    best = length
        if best is not None:
            return ii, best
    return None


def full_smem_copies() -> Instance:
    """gemm_hopper in miniature: 8 shared-memory lanes full at ii 10 (two full-width
    1-cycle stores, four 2-cycle MMAs on one tensor core using 4 lanes, eight 2-cycle
    copies on 2 lanes each issued by one TMA unit). Wherever a store ends, two copies
    would have to start together on the TMA unit: no schedule at ii 10."""
    ops = [Op(f"w{i}", (Reservation("S", 0, 1, 8),), 1) for i in range(2)]
    ops += [Op(f"m{i}", (Reservation("TC", 0, 2), Reservation("S", 0, 2, 4)), 2) for i in range(4)]
    ops += [Op(f"c{i}", (Reservation("T", 0, 1), Reservation("S", 0, 2, 2)), 2) for i in range(8)]
    return tiny(ops, [], units={"S": 8, "TC": 1, "T": 1}, warp_groups=1)


@st.composite
def tiny_instances(draw, max_ops: int = 3) -> Instance:
    """Random loops small enough for :func:`brute_force` (horizon 5, ii <= 4)."""
    n = draw(st.integers(1, max_ops))
    units = {"A": draw(st.integers(1, 2)), "B": 1}
    ops = []
    for i in range(n):
        unit = draw(st.sampled_from(sorted(units)))
        cycles = draw(st.integers(1, 2))
        ops.append(
            Op(
                id=f"o{i}",
                reservation=(Reservation(unit, draw(st.integers(0, 1)), cycles),),
                latency=draw(st.integers(0, 2)),
                variable_latency=draw(st.booleans()) if i == 0 else False,
                single_thread=draw(st.booleans()),
                warp_cycles=draw(st.integers(0, 2)),
                registers=draw(st.integers(0, 2)),
                smem=draw(st.integers(0, 1)),
                cross_warp_latency=draw(st.sampled_from([None, 0, 1])),
                cross_reservation=draw(
                    st.sampled_from([(), (), (Reservation("A", 0, 1),), (Reservation("B", 1, 2),)])
                ),
            )
        )
    edges = []
    for j in range(n):
        for i in range(n):
            if draw(st.integers(0, 3)) == 0:
                distance = 1 if i >= j else draw(st.integers(0, 1))
                edges.append(
                    Edge(
                        f"o{i}",
                        f"o{j}",
                        draw(st.integers(0, 2)),
                        distance,
                        in_place=draw(st.booleans()),
                        cross_warp_latency=draw(st.sampled_from([None, None, 0, 2])),
                    )
                )
    return Instance(
        name="hyp",
        machine=Machine(
            units=units,
            warp_groups=draw(st.integers(1, 2)) + (1 if ops[0].variable_latency else 0),
            register_limit=draw(st.integers(2, 4)),
            register_reserved=draw(st.integers(0, 1)),
            smem=draw(st.integers(1, 2)),
            cross_warp_latency=draw(st.integers(0, 1)),
        ),
        ops=tuple(ops),
        edges=tuple(edges),
        horizon=5,
        max_ii=4,
    )
