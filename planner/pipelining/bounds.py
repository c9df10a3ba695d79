"""Lower bounds on the initiation interval and the schedule length.

* ResMII: for every unit, ``ceil(sum(count * cycles) / capacity)``.
* RecMII: the smallest ``ii`` for which the dependence graph with edge weights
  ``latency + forced cross-warp delay - distance * ii`` has no positive cycle
  (the maximum cycle ratio, rounded up), found by binary search on ``ii`` with
  Bellman-Ford longest paths: no cycle is ever enumerated.
* WarpMII: every warp group runs one synchronous op at a time, so ``ii`` is at
  least the longest ``warp_cycles``, the variable-latency ops' total (they share
  the producer group) and the rest spread over the remaining groups.
* length at a given ``ii``: the earliest-start longest path from time 0, and the
  work of one iteration on each unit and warp group between its earliest heads and
  tails (the modulo limits hold for one iteration's ops at their absolute times).

The lower bound of the encoded objective is ``encode(MII, length_lb(MII))``:
a schedule at ``MII`` is at least that long, and any larger ``ii`` costs a
whole ``H + 1``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from planner.pipelining.evaluate import encode
from planner.pipelining.instance import Edge, Instance


@dataclass
class Bounds:
    """The II bounds of an instance and what attains them."""

    res_mii: int
    rec_mii: int
    warp_mii: int
    unit_mii: dict[str, int] = field(default_factory=dict)
    critical_cycle: list[str] = field(default_factory=list)
    infeasible: str | None = None

    @property
    def mii(self) -> int:
        """``max(ResMII, RecMII, WarpMII, 1)``."""
        return max(1, self.res_mii, self.rec_mii, self.warp_mii)

    def to_dict(self) -> dict:
        return {
            "res_mii": self.res_mii,
            "rec_mii": self.rec_mii,
            "warp_mii": self.warp_mii,
            "mii": self.mii,
            "unit_mii": dict(self.unit_mii),
            "critical_cycle": list(self.critical_cycle),
        }


def edge_weight(instance: Instance, e: Edge) -> int:
    """Latency plus the cross-warp delay every schedule pays on this edge."""
    return e.latency + (instance.edge_cross_latency(e) if instance.forced_cross(e) else 0)


def res_mii(instance: Instance) -> tuple[int, dict[str, int]]:
    """ResMII and the per-unit values.

    Per unit, the larger of ``ceil(sum(count * cycles) / capacity)`` and the
    longest chain of pairwise incompatible occupations (two occupations whose
    counts exceed the capacity together can never overlap, so their cycles add
    up within one ``ii``). Such a set is pairwise incompatible exactly when its
    two smallest counts are, so trying each occupation as the smallest member
    finds the best one.
    """
    per_unit = {}
    for unit, cap in instance.machine.units.items():
        entries = [
            (r.count, r.cycles) for op in instance.ops for r in op.reservation if r.unit == unit
        ]
        used = sum(c * d for c, d in entries)
        best = math.ceil(used / cap)
        for i, (c1, d1) in enumerate(entries):
            partners = [
                d for j, (c, d) in enumerate(entries) if j != i and c >= c1 and c + c1 > cap
            ]
            if partners or 2 * c1 > cap:  # a lone occupation only bounds ii if it excludes itself
                best = max(best, d1 + sum(partners))
        per_unit[unit] = best
    return max(per_unit.values(), default=0), per_unit


def _longest_paths(instance: Instance, ii: int) -> tuple[dict[str, int] | None, dict[str, str]]:
    """Bellman-Ford longest paths from time 0 with weights ``w(e) - distance * ii``.

    The distances are the earliest starts of a schedule at ``ii``. Returns
    ``(None, parent)`` when a positive cycle exists (``ii`` below RecMII).
    """
    dist = {op.id: 0 for op in instance.ops}
    parent: dict[str, str] = {}
    edges = [(e.src, e.dst, edge_weight(instance, e) - e.distance * ii) for e in instance.edges]
    for _ in range(len(dist) + 1):
        changed = None
        for u, v, w in edges:
            if dist[u] + w > dist[v]:
                dist[v] = dist[u] + w
                parent[v] = u
                changed = v
        if changed is None:
            return dist, parent
    parent["__last__"] = changed  # a node on or behind a positive cycle
    return None, parent


def _cycle_from(parent: dict[str, str]) -> list[str]:
    """The positive cycle behind the last relaxed node, as a closed list of op ids."""
    node = parent["__last__"]
    for _ in range(len(parent) + 1):  # walk back far enough to be on the cycle
        node = parent[node]
    cycle = [node]
    while parent[cycle[-1]] != node:
        cycle.append(parent[cycle[-1]])
    cycle.reverse()
    return [*cycle, cycle[0]]


def rec_mii(instance: Instance) -> tuple[int, list[str]]:
    """RecMII and one critical recurrence (closed list of op ids, empty without cycles)."""
    hi = sum(edge_weight(instance, e) for e in instance.edges)
    if _longest_paths(instance, 0)[0] is not None:
        return 0, []  # no cycle with positive weight even at ii = 0
    lo = 0  # infeasible at lo, feasible at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _longest_paths(instance, mid)[0] is None:
            lo = mid
        else:
            hi = mid
    _, parent = _longest_paths(instance, lo)
    return hi, _cycle_from(parent)


def warp_mii(instance: Instance) -> tuple[int, str | None]:
    """WarpMII, and a reason when no number of cycles helps (too few warp groups)."""
    groups = instance.machine.warp_groups
    vl = [op.warp_cycles for op in instance.ops if op.variable_latency]
    rest = [op.warp_cycles for op in instance.ops if not op.variable_latency]
    free = groups - (1 if vl else 0)
    if rest and free < 1:
        return 0, (
            f"{groups} warp group(s): the variable-latency ops need a dedicated producer group "
            "and the other ops at least one more"
        )
    value = max([0, *vl, *rest])
    if vl:
        value = max(value, sum(vl))
    if rest:
        value = max(value, math.ceil(sum(rest) / free))
    return value, None


def static_infeasibility(instance: Instance) -> str | None:
    """A reason no schedule exists at any ``ii``, found without search (or ``None``)."""
    m = instance.machine
    _, reason = warp_mii(instance)
    if reason:
        return reason
    for op in instance.ops:
        for unit, cap in m.units.items():
            mine = [r for r in op.reservation if r.unit == unit]
            for r in mine:  # peak of the op's own occupations of the unit, at their starts
                load = sum(o.count for o in mine if o.offset <= r.offset < o.offset + o.cycles)
                if load > cap:
                    return f"op {op.id} alone needs {load} x {unit} at once; the machine has {cap}"
        if not _holds_a_value(instance, op.id):
            continue  # a value that can die at once never occupies storage
        if op.registers and m.register_reserved + op.registers > m.register_limit:
            return (
                f"op {op.id} holds {op.registers} registers per thread; with "
                f"{m.register_reserved} reserved that exceeds register_limit {m.register_limit}"
            )
        if op.smem > m.smem:
            return f"op {op.id} needs {op.smem} KiB of shared memory; the machine has {m.smem}"
        if op.tmem > m.tmem:
            return f"op {op.id} needs {op.tmem} tensor-memory columns; the machine has {m.tmem}"
    if m.register_file is not None:
        groups_needed = (1 if instance.has_variable_latency else 0) + (
            1 if any(not op.variable_latency for op in instance.ops) else 0
        )
        if groups_needed * m.register_reserved > m.register_file:
            return (
                f"{groups_needed} warp groups x {m.register_reserved} reserved registers exceed "
                f"register_file {m.register_file}"
            )
    return None


def _holds_a_value(instance: Instance, op_id: str) -> bool:
    """Whether every schedule keeps the op's value for at least one cycle."""
    if instance.op(op_id).latency > 0:
        return True
    return any(
        e.latency + (0 if e.in_place else instance.op(e.dst).latency) > 0
        for e in instance.edges
        if e.src == op_id and not e.order_only
    )


def compute_bounds(instance: Instance) -> Bounds:
    """All II bounds of ``instance``."""
    res, per_unit = res_mii(instance)
    rec, cycle = rec_mii(instance)
    warp, _ = warp_mii(instance)
    return Bounds(res, rec, warp, per_unit, cycle, static_infeasibility(instance))


def length_lb(instance: Instance, ii: int, relax: Collection[str] = ()) -> int:
    """Shortest possible schedule length at ``ii``: the larger of the critical path
    (earliest starts + spans) and the resource bound of :func:`resource_length_lb`.

    ``relax`` names constraint families left out (as in :func:`planner.pipelining.cpsat.build`:
    ``"warps"``, ``"units:<U>"``); the bound then holds for the model without them.
    """
    dist, _ = _longest_paths(instance, ii)
    if dist is None:  # ii below RecMII: no schedule at all
        return instance.effective_horizon
    path = max(dist[op.id] + op.span for op in instance.ops)
    return max(path, resource_length_lb(instance, ii, dist, relax))


def tails(instance: Instance, ii: int) -> dict[str, int]:
    """Per op, the least ``length - start`` of any schedule at ``ii``: its span, or a
    path to a later op plus that op's tail (edge weights ``w(e) - distance * ii``).

    Assumes ``ii >= RecMII`` (no positive cycle), so the longest paths are finite.
    """
    tail = {op.id: op.span for op in instance.ops}
    edges = [(e.src, e.dst, edge_weight(instance, e) - e.distance * ii) for e in instance.edges]
    for _ in range(len(tail) + 1):
        changed = False
        for u, v, w in edges:
            if w + tail[v] > tail[u]:
                tail[u] = w + tail[v]
                changed = True
        if not changed:
            break
    return tail


def resource_length_lb(
    instance: Instance, ii: int, head: dict[str, int], relax: Collection[str] = ()
) -> int:
    """Length bound from the work of one iteration on each unit and on the warp groups.

    The modulo limits hold in particular for the ops of one iteration at their absolute
    times, so on a unit of capacity ``C`` the occupations of any set ``S`` of them fit
    between the earliest head and the latest tail of ``S``::

        length >= min_S head + ceil(sum_S count * cycles / C) + min_S tail

    (a head is the earliest start of an occupation, ``head`` of its op plus the offset;
    a tail what follows its end: the op's tail minus offset and cycles). For ``C = 1`` the
    best ``S`` is the preemptive one-machine bound with heads and tails. The same holds
    for the producer warp group (the variable-latency ops, one at a time) and for the
    other ops' ``warp_cycles`` over the remaining groups.
    """
    tail = tails(instance, ii)
    best = 0
    for unit, cap in instance.machine.units.items():
        if f"units:{unit}" in relax:
            continue
        jobs = [
            (head[op.id] + r.offset, r.count * r.cycles, tail[op.id] - r.offset - r.cycles)
            for op in instance.ops
            for r in op.reservation
            if r.unit == unit
        ]
        best = max(best, _energy_bound(jobs, cap))
    if "warps" not in relax:
        for variable, cap in ((True, 1), (False, _consumer_groups(instance))):
            jobs = [
                (head[op.id], op.warp_cycles, tail[op.id] - op.warp_cycles)
                for op in instance.ops
                if op.variable_latency == variable and op.warp_cycles
            ]
            if cap >= 1:
                best = max(best, _energy_bound(jobs, cap))
    return best


def _consumer_groups(instance: Instance) -> int:
    return instance.machine.warp_groups - (1 if instance.has_variable_latency else 0)


def _energy_bound(jobs: list[tuple[int, int, int]], cap: int) -> int:
    """``max_S min head + ceil(energy / cap) + min tail`` over the sets ``S`` of jobs
    ``(head, energy, tail)`` whose heads and tails are at least two thresholds."""
    best = 0
    for h in sorted({j[0] for j in jobs}):
        energy = 0
        for _head, work, tail in sorted((j for j in jobs if j[0] >= h), key=lambda j: -j[2]):
            energy += work
            best = max(best, h + math.ceil(energy / cap) + tail)
    return best


def lower_bound(instance: Instance) -> float:
    """Valid lower bound of the encoded objective (see the module docstring)."""
    mii = compute_bounds(instance).mii
    return float(encode(instance, mii, min(length_lb(instance, mii), instance.effective_horizon)))
