"""s25cert: pipelining edge shapes x every method, against an own exhaustive search.

The search tries every ii up to max_ii, every warp assignment and every start vector inside
the horizon, in lexicographic (ii, length) order; the feasibility of a candidate is the
family's ``verify`` (plain loops over the ii residues, no solver code), so this checks the
methods and the bounds, not ``verify`` itself.

Usage: nice -n 10 python sweep_pipelining.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import itertools
import sys

from harness import audit, emit

import planner
from planner.pipelining.evaluate import encode
from planner.pipelining.instance import Instance, Solution


def brute(inst: Instance) -> int | None:
    """Own optimum (encoded objective), None when no schedule exists within the limits."""
    fam = planner.get_family("pipelining")
    ops = [op.id for op in inst.ops]
    span = {op.id: op.span for op in inst.ops}
    H = inst.effective_horizon
    warps = range(inst.machine.warp_groups)
    for ii in range(1, inst.effective_max_ii + 1):
        best = None
        for length in range(max(span.values()), H + 1):
            ranges = [range(0, length - span[o] + 1) for o in ops]
            for starts in itertools.product(*ranges):
                if max(s + span[o] for s, o in zip(starts, ops, strict=True)) != length:
                    continue
                for ws in itertools.product(warps, repeat=len(ops)):
                    sol = Solution(
                        ii=ii,
                        start=dict(zip(ops, starts, strict=True)),
                        warp=dict(zip(ops, ws, strict=True)),
                    )
                    if not fam.verify(inst, sol):
                        best = length
                        break
                if best is not None:
                    break
            if best is not None:
                return encode(inst, ii, best)
    return None


def op(i, unit="ALU", cycles=1, latency=1, **kw):
    return {
        "id": i,
        "reservation": [
            {
                "unit": unit,
                "offset": kw.pop("offset", 0),
                "cycles": cycles,
                "count": kw.pop("count", 1),
            }
        ],
        "latency": latency,
        **kw,
    }


def make(name, ops, edges, *, units=None, warps=1, horizon=None, max_ii=None, **machine):
    data = {
        "name": name,
        "machine": {
            "units": units or {"ALU": 1},
            "warp_groups": warps,
            "register_limit": machine.pop("register_limit", 256),
            **machine,
        },
        "ops": ops,
        "edges": edges,
    }
    if horizon is not None:
        data["horizon"] = horizon
    if max_ii is not None:
        data["max_ii"] = max_ii
    return Instance.from_dict(data)


def edge(a, b, latency, distance=0, **kw):
    return {"src": a, "dst": b, "latency": latency, "distance": distance, **kw}


def shapes():
    yield "one_op", make("one_op", [op("a")], [])
    yield "one_op_long", make("one_op_long", [op("a", cycles=3, latency=4)], [])
    yield (
        "one_op_rec_binds",
        make("one_op_rec_binds", [op("a")], [edge("a", "a", 5, 1)], horizon=3, max_ii=8),
    )
    yield "one_op_rec_default", make("one_op_rec_default", [op("a")], [edge("a", "a", 5, 1)])
    yield (
        "chain3",
        make("chain3", [op("a"), op("b"), op("c")], [edge("a", "b", 1), edge("b", "c", 1)]),
    )
    yield (
        "rec_cycle",
        make(
            "rec_cycle",
            [op("a"), op("b")],
            [edge("a", "b", 2), edge("b", "a", 3, 1)],
            horizon=6,
            max_ii=7,
        ),
    )
    yield (
        "rec_dist2",
        make(
            "rec_dist2",
            [op("a"), op("b")],
            [edge("a", "b", 3), edge("b", "a", 4, 2)],
            horizon=6,
            max_ii=6,
        ),
    )
    yield (
        "unit_count2",
        make(
            "unit_count2",
            [op("a", count=2), op("b"), op("c")],
            [edge("a", "c", 1)],
            units={"ALU": 2},
        ),
    )
    yield (
        "res_offset",
        make(
            "res_offset",
            [op("a", offset=2, cycles=2, latency=1), op("b")],
            [edge("a", "b", 1)],
            horizon=7,
        ),
    )
    yield (
        "two_warps_cross",
        make(
            "two_warps_cross",
            [op("a", warp_cycles=2), op("b", unit="TC", warp_cycles=2)],
            [edge("a", "b", 1)],
            units={"ALU": 1, "TC": 1},
            warps=2,
            cross_warp_latency=2,
            horizon=6,
        ),
    )
    yield (
        "warp_cycles_bind",
        make(
            "warp_cycles_bind",
            [op("a", warp_cycles=3), op("b", unit="TC", warp_cycles=3)],
            [],
            units={"ALU": 1, "TC": 1},
            horizon=7,
        ),
    )
    yield (
        "variable_latency",
        make(
            "variable_latency",
            [op("load", unit="TMA", latency=3, variable_latency=True), op("use")],
            [edge("load", "use", 3)],
            units={"TMA": 1, "ALU": 1},
            warps=2,
            cross_warp_latency=1,
            horizon=7,
        ),
    )
    yield (
        "registers_bind",
        make(
            "registers_bind",
            [op("a", registers=100, latency=2), op("b", registers=100), op("c")],
            [edge("a", "c", 2), edge("b", "c", 1)],
            register_limit=150,
            horizon=6,
        ),
    )
    yield "registers_over", make("registers_over", [op("a", registers=300)], [], register_limit=256)
    yield (
        "in_place_acc",
        make(
            "in_place_acc",
            [op("a", registers=64), op("acc", registers=64)],
            [edge("a", "acc", 1), edge("acc", "acc", 1, 1, in_place=True)],
            register_limit=128,
            horizon=5,
        ),
    )
    yield (
        "zero_latency",
        make(
            "zero_latency",
            [op("a", latency=0, cycles=1), op("b", latency=0)],
            [edge("a", "b", 0)],
            horizon=3,
        ),
    )
    yield (
        "smem_bind",
        make(
            "smem_bind",
            [op("a", smem=64, latency=2), op("b", smem=64)],
            [edge("a", "b", 2)],
            smem=100,
            horizon=6,
        ),
    )


def random_shapes(count: int):
    """Seeded random loops: 1-3 ops on 1-2 units, recurrences, 1-2 warp groups, storage."""
    import random

    rng = random.Random(2025)
    made = 0
    while made < count:
        n = rng.randint(1, 3)
        names = [f"o{i}" for i in range(n)]
        ops = []
        for name in names:
            extra = {}
            if rng.random() < 0.3:
                extra["registers"] = rng.choice([32, 100])
            if rng.random() < 0.3:
                extra["warp_cycles"] = rng.randint(1, 2)
            ops.append(
                op(
                    name,
                    unit=rng.choice(["ALU", "TC"]),
                    cycles=rng.randint(1, 2),
                    latency=rng.randint(0, 3),
                    offset=rng.choice([0, 0, 1]),
                    count=rng.choice([1, 1, 2]),
                    **extra,
                )
            )
        edges = []
        for _ in range(rng.randint(0, 3)):
            a, b = rng.choice(names), rng.choice(names)
            dist = rng.choice([0, 1, 1, 2]) if a != b else rng.randint(1, 2)
            if dist == 0 and names.index(a) >= names.index(b):
                continue  # keep distance-0 edges acyclic
            edges.append(edge(a, b, rng.randint(0, 4), dist))
        warps = rng.randint(1, 2)
        try:
            inst = make(
                f"rand_{made}",
                ops,
                edges,
                units={"ALU": rng.randint(1, 2), "TC": 1},
                warps=warps,
                horizon=rng.randint(4, 7),
                max_ii=rng.randint(3, 7),
                register_limit=rng.choice([128, 256]),
                cross_warp_latency=1,
            )
        except Exception:
            continue
        made += 1
        yield inst.name, inst


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    fam = planner.get_family("pipelining")
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open(out_path, "w") as out:
        for shape, inst in random_shapes(count) if count else shapes():
            opt = brute(inst)
            for method in fam.methods:
                emit(audit("pipelining", shape, inst, method, time_limit=limit, opt=opt), out)


if __name__ == "__main__":
    main()
