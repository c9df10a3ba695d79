"""Seeded generator of random loops for software pipelining.

There is no standard generator for joint modulo scheduling and warp
specialization; this one follows the shape of the GPU kernels shipped in
``instances/pipelining``. A loop has

* ``units`` functional units ``U0 .. U{u-1}``: ``U0`` has capacity 1 (a tensor
  core), the last is the copy engine the variable-latency loads use, the others
  have capacity 1, 2 or 4;
* about one op in eight a variable-latency load (latency 4..10, a few KiB of
  shared memory, on the copy engine), the rest compute ops with one reservation
  (sometimes a second on another unit at a small offset) of 1..6 cycles, a latency at least as
  long, either asynchronous (busy their warp group 1 cycle) or synchronous (busy
  it for the whole reservation), 0..64 registers;
* a dependence DAG (each compute op reads one or two earlier ops) and
  ``recurrences`` distinct loop-carried edges closing cycles (distance 1 or 2), plus
  accumulator self-loops on some ops updated in place;
* a producer warp group plus 1..4 consumer groups, at least enough that the
  synchronous work keeps each under ~60 % of the busiest unit's time (kernel
  designers pick the warp count so; the solver still decides who does what),
  8 reserved registers per group and a cross-warp latency of 1..3. The register limit per group and the shared memory are sized so that a
  schedule exists (at ``ii`` = the horizon, a value whose longest out-edge has
  distance ``δ`` holds at most ``δ + 2`` copies, and a greedy split of those
  copies over the consumer groups fits) without being generous: they bind at
  small ``ii``.
"""

from __future__ import annotations

import math
import random

from planner.core.errors import InputError
from planner.core.validate import MAX_COUNT
from planner.core.validate import count as check_count
from planner.pipelining.instance import Edge, Instance, Machine, Op, Reservation

#: Largest settings the generator accepts (the exact model proves most loops up to 60 ops).
MAX_OPS = 100
MAX_UNITS = 8
MAX_RECURRENCES = 10


def _span(value: int | tuple[int, int], name: str, low: int, high: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else value
    # a float or None died unpacking (TypeError); 'x' compared with ints (s15bad)
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise InputError(f"--{name}: expected an integer or a (min, max) pair, got {value!r}")
    lo, hi = pair
    if any(isinstance(v, bool) or not isinstance(v, int) for v in pair):
        raise InputError(f"--{name}: expected integers, got {value!r}")
    if not (low <= lo <= hi <= high):
        raise InputError(f"--{name}: expected {low} <= min <= max <= {high}, got {lo}..{hi}")
    return lo, hi


def parse_range(text: str, name: str) -> tuple[int, int]:
    """``"10..60"`` or ``"20"`` -> ``(10, 60)`` / ``(20, 20)``."""
    try:
        if ".." in text:
            lo, hi = text.split("..", 1)
            return int(lo), int(hi)
        return int(text), int(text)
    except ValueError:
        raise InputError(f"--{name}: expected N or MIN..MAX, got {text!r}") from None


def generate(
    ops: int | tuple[int, int] = (10, 60),
    units: int | tuple[int, int] = (3, 5),
    recurrences: int | tuple[int, int] = 2,
    *,
    count: int = 1,
    seed: int = 0,
    prefix: str = "loop",
) -> list[Instance]:
    """``count`` random loops; each draws its size from the given ranges.

    Parameters
    ----------
    ops, units, recurrences
        A value or an inclusive ``(min, max)`` range (at most :data:`MAX_OPS`,
        :data:`MAX_UNITS`, :data:`MAX_RECURRENCES`).
    count
        Number of loops.
    seed
        Random seed; loop ``k`` uses ``random.Random(f"{seed}:{k}")``.
    prefix
        Name prefix (``{prefix}_s{seed}_{k:03d}``).
    """
    ops_range = _span(ops, "ops", 2, MAX_OPS)
    unit_range = _span(units, "units", 2, MAX_UNITS)
    rec_range = _span(recurrences, "recurrences", 0, MAX_RECURRENCES)
    check_count(count, "--count", high=MAX_COUNT)
    return [
        _loop(
            random.Random(f"{seed}:{k}"),
            f"{prefix}_s{seed}_{k:03d}",
            ops_range,
            unit_range,
            rec_range,
        )
        for k in range(count)
    ]


def _loop(
    rng: random.Random,
    name: str,
    ops_range: tuple[int, int],
    unit_range: tuple[int, int],
    rec_range: tuple[int, int],
) -> Instance:
    n = rng.randint(*ops_range)
    u = rng.randint(*unit_range)
    names = [f"U{i}" for i in range(u)]
    caps = {names[0]: 1, names[-1]: 1}
    for unit in names[1:-1]:
        caps[unit] = rng.choice([1, 2, 4])
    compute_units = names[:-1]
    n_loads = max(1, n // 8)
    op_list: list[Op] = []
    for i in range(n_loads):
        cycles = rng.randint(1, 2)
        op_list.append(
            Op(
                id=f"ld{i}",
                reservation=(Reservation(names[-1], 0, cycles),),
                latency=rng.randint(4, 10),
                variable_latency=True,
                warp_cycles=1,
                smem=rng.choice([4, 8, 16]),
                kind="tma",
            )
        )
    for i in range(n - n_loads):
        unit = rng.choice(compute_units)
        cycles = rng.randint(1, 6)
        count = 2 if caps[unit] == 4 and rng.random() < 0.3 else 1
        res = [Reservation(unit, 0, cycles, count)]
        others = [x for x in compute_units if x != unit]
        if others and rng.random() < 0.2:
            res.append(Reservation(rng.choice(others), rng.randint(0, 2), rng.randint(1, 3)))
        end = max(r.offset + r.cycles for r in res)
        sync = rng.random() < 0.4
        op_list.append(
            Op(
                id=f"op{i}",
                reservation=tuple(res),
                latency=end + rng.randint(0, 2),
                warp_cycles=end if sync else 1,
                registers=rng.choice([0, 8, 16, 32, 64]),
                kind="compute",
            )
        )
    edges: list[Edge] = []
    ids = [op.id for op in op_list]
    latency = {op.id: op.latency for op in op_list}
    consumers: dict[str, int] = dict.fromkeys(ids, 0)
    preds: dict[str, set[str]] = {v: set() for v in ids}
    for j in range(n_loads, n):
        earlier = ids[:j]
        unread = [v for v in ids[:n_loads] if consumers[v] == 0]
        chosen = {unread[0]} if unread else set()
        while len(chosen) < min(len(earlier), rng.randint(1, 2)):
            chosen.add(rng.choice(earlier[-8:] if rng.random() < 0.7 else earlier))
        for src in sorted(chosen):
            edges.append(Edge(src, ids[j], latency[src], 0))
            consumers[src] += 1
            preds[ids[j]].add(src)
    # loop-carried edges closing a cycle: dst reaches src through the DAG
    reach = {v: {v} for v in ids}
    for v in ids:  # ids are in topological order
        for p in preds[v]:
            reach[v] |= reach[p]
    compute = ids[n_loads:]
    wanted = rng.randint(*rec_range)
    tries = 0
    closed: set[tuple[str, str]] = set()
    while wanted and tries < 50 * (wanted + 1) and len(compute) > 1:
        tries += 1
        src = rng.choice(compute)
        ancestors = sorted(a for a in reach[src] if a != src and a in compute)
        if not ancestors:
            continue
        dst = rng.choice(ancestors)
        if (src, dst) in closed:
            # drawn twice: a second copy (same latency, distance 1 or 2) adds no constraint the
            # first lacks, yet counted as a recurrence. Skipped before the distance is drawn,
            # so a loop that never drew a duplicate is byte-identical to the earlier generator.
            continue
        closed.add((src, dst))
        edges.append(Edge(src, dst, latency[src], rng.randint(1, 2)))
        wanted -= 1
    for v in compute:
        if rng.random() < 0.1:
            edges.append(Edge(v, v, latency[v], 1, in_place=True))
    # As kernel designers do, enough consumer groups that synchronous work keeps each
    # below ~60 % of the busiest unit's time; the solver still decides who does what.
    unit_load = max(
        sum(r.count * r.cycles for op in op_list for r in op.reservation if r.unit == unit) / cap
        for unit, cap in caps.items()
    )
    sync = sum(op.warp_cycles for op in op_list if not op.variable_latency)
    groups = 1 + min(4, max(1, math.ceil(sync / (0.6 * unit_load)), rng.randint(1, 3)))
    copies = {v: 2 + max([e.distance for e in edges if e.src == v], default=0) for v in ids}
    regs = [op.registers * copies[op.id] for op in op_list if not op.variable_latency]
    reserved = 8
    machine = Machine(
        units=caps,
        warp_groups=groups,
        register_limit=reserved + math.ceil(sum(regs) / (groups - 1)) + max(regs, default=0),
        register_reserved=reserved,
        smem=sum(op.smem * copies[op.id] for op in op_list),
        cross_warp_latency=rng.randint(1, 3),
        name="random",
    )
    return Instance(
        name=name,
        machine=machine,
        ops=tuple(op_list),
        edges=tuple(edges),
        meta={"generator": "planner.pipelining.generate", "ops": n, "units": u},
    )
