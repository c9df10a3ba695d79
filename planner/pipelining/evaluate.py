"""Objective and independent feasibility check of a pipelined schedule.

The objective is lexicographic, initiation interval first, then schedule
length. It is encoded as one number the core can compare::

    objective = ii * (H + 1) + length        (H = the instance's horizon)

Every accepted schedule has ``length <= H``, so a smaller ``ii`` always wins
and, at equal ``ii``, a shorter ``length``; :func:`decode` recovers both.

:func:`verify` re-derives every constraint from the instance with plain loops
over the ``ii`` residues (no solver code): dependences with cross-warp delays,
modulo resource limits (with the units a hand-off to another warp group occupies), the warp rules, warp-group occupancy, register
pressure per warp group from value lifetimes, shared and tensor memory.
"""

from __future__ import annotations

from typing import Any

from planner.pipelining.instance import Instance, Solution


def encode(instance: Instance, ii: int, length: int) -> int:
    """``ii * (H + 1) + length``."""
    return ii * (instance.effective_horizon + 1) + length


def decode(instance: Instance, objective: float) -> tuple[int, int]:
    """Inverse of :func:`encode`: ``(ii, length)``.

    Parameters
    ----------
    instance
        The loop the objective belongs to (its horizon is the encoding's base).
    objective
        A result's ``objective`` or ``bound``.
    """
    ii, length = divmod(round(objective), instance.effective_horizon + 1)
    return ii, length


def schedule_length(instance: Instance, start: dict[str, int]) -> int:
    """``max(start + span)`` over the ops (every start is ``>= 0``)."""
    return max(start[op.id] + op.span for op in instance.ops)


def evaluate(instance: Instance, solution: Solution) -> float:
    """The encoded lexicographic objective of ``solution``."""
    return float(encode(instance, int(solution.ii), schedule_length(instance, solution.start)))


def lifetime_end(instance: Instance, op_id: str, start: dict[str, int], ii: int) -> int:
    """When the value of ``op_id`` (issued at ``start[op_id]``) stops occupying storage.

    The later of its own completion and, for every consumer reached by an edge
    that is not ``order_only``, the consumer's completion (or its issue when the
    edge is ``in_place``), shifted by the edge's distance.
    """
    op = instance.op(op_id)
    end = start[op_id] + op.latency
    for e in instance.edges:
        if e.src != op_id or e.order_only:
            continue
        consumer = instance.op(e.dst)
        use = start[e.dst] + e.distance * ii + (0 if e.in_place else consumer.latency)
        end = max(end, use)
    return end


def _peak(ii: int, pieces: list[tuple[int, int, int]]) -> tuple[int, int]:
    """Peak load of ``[begin, end)`` intervals with their amounts folded modulo ``ii``, and the
    first residue where it occurs.

    Only the residues a partial wrap touches are stored (every full wrap loads all ``ii``
    alike): a list of ``ii`` counters overflowed for ``ii = 2**70`` (OverflowError in verify).
    """
    base = 0
    partial: dict[int, int] = {}
    for begin, end, amount in pieces:
        if amount == 0 or end <= begin:
            continue
        full, rest = divmod(end - begin, ii)
        base += full * amount
        for tau in range(begin, begin + rest):
            partial[tau % ii] = partial.get(tau % ii, 0) + amount
    if not partial:
        return base, 0
    top = max(partial.values())  # > 0: amounts are counts, never negative
    return base + top, min(r for r, v in partial.items() if v == top)


def verify(instance: Instance, solution: Any) -> list[str]:
    """Every violated constraint of ``solution``, empty when it is a valid schedule."""
    problems = _check_shape(instance, solution)
    if problems:
        return problems
    ii = solution.ii
    start, warp = solution.start, solution.warp
    m = instance.machine
    out: list[str] = []

    length = schedule_length(instance, start)
    if solution.length is not None and solution.length != length:
        out.append(f"length {solution.length} differs from max(start + span) = {length}")
    if length > instance.effective_horizon:
        out.append(f"length {length} exceeds the horizon {instance.effective_horizon}")
    if ii > instance.effective_max_ii:
        out.append(f"ii {ii} exceeds max_ii {instance.effective_max_ii}")

    # Dependences, with the producer's cross-warp latency when the warp groups differ or
    # when exactly one end is a single-thread op (an mbarrier handshake on any group).
    for i, e in enumerate(instance.edges):
        src, dst = instance.op(e.src), instance.op(e.dst)
        handshake = warp[e.src] != warp[e.dst] or src.single_thread != dst.single_thread
        need = e.latency + (instance.edge_cross_latency(e) if handshake else 0)
        have = start[e.dst] + e.distance * ii - start[e.src]
        if have < need:
            out.append(
                f"edge {i} {e.src} -> {e.dst}: t_dst + {e.distance}*ii - t_src = {have} < {need}"
            )

    # Modulo resource limits, with the hand-offs to another warp group (once per edge whose
    # ends sit on different groups, from the producer's completion).
    for unit, cap in m.units.items():
        pieces = [
            (start[op.id] + r.offset, start[op.id] + r.offset + r.cycles, r.count)
            for op in instance.ops
            for r in op.reservation
            if r.unit == unit
        ]
        for e in instance.edges:
            src = instance.op(e.src)
            if warp[e.src] == warp[e.dst]:
                continue
            done = start[e.src] + src.latency
            pieces += [
                (done + r.offset, done + r.offset + r.cycles, r.count)
                for r in src.cross_reservation
                if r.unit == unit
            ]
        worst, at = _peak(ii, pieces)
        if worst > cap:
            out.append(f"unit {unit}: {worst} in use at cycle {at} mod ii > {cap}")

    # Warp rules: variable-latency ops alone on one dedicated warp group.
    vl_groups = {warp[op.id] for op in instance.ops if op.variable_latency}
    if len(vl_groups) > 1:
        out.append(f"variable-latency ops spread over warp groups {sorted(vl_groups)}")
    for op in instance.ops:
        if not op.variable_latency and warp[op.id] in vl_groups:
            out.append(f"op {op.id} shares the producer warp group {warp[op.id]} of the TMA ops")

    # Warp-group occupancy: one synchronous op at a time per group.
    groups = sorted(set(warp.values()))
    for g in groups:
        pieces = [
            (start[op.id], start[op.id] + op.warp_cycles, 1)
            for op in instance.ops
            if warp[op.id] == g and op.warp_cycles
        ]
        busy, at = _peak(ii, pieces)
        if busy > 1:
            out.append(f"warp group {g}: {busy} ops busy at cycle {at} mod ii")

    # Storage from lifetimes.
    ends = {op.id: lifetime_end(instance, op.id, start, ii) for op in instance.ops}
    allocations = []
    for g in groups:
        pieces = [
            (start[op.id], ends[op.id], op.registers)
            for op in instance.ops
            if warp[op.id] == g and op.registers
        ]
        peak = _peak(ii, pieces)[0] if pieces else 0
        alloc = m.register_reserved + peak
        allocations.append(alloc)
        if alloc > m.register_limit:
            out.append(
                f"warp group {g}: {m.register_reserved} reserved + {peak} live registers per thread "
                f"> register_limit {m.register_limit}"
            )
    if m.register_file is not None and sum(allocations) > m.register_file:
        out.append(
            f"register file: warp groups {groups} need {sum(allocations)} registers per thread "
            f"> register_file {m.register_file}"
        )
    for memory, cap in (("smem", m.smem), ("tmem", m.tmem)):
        pieces = [
            (start[op.id], ends[op.id], getattr(op, memory))
            for op in instance.ops
            if getattr(op, memory)
        ]
        if not pieces:
            continue
        used, at = _peak(ii, pieces)
        if used > cap:
            out.append(f"{memory}: {used} in use at cycle {at} mod ii > {cap}")
    return out


def _check_shape(instance: Instance, solution: Any) -> list[str]:
    """Types and ranges; the other checks assume these hold."""
    if not isinstance(solution, Solution):
        return [f"not a pipelining Solution: {type(solution).__name__}"]
    ii = solution.ii
    if isinstance(ii, bool) or not isinstance(ii, int) or ii < 1:
        return [f"ii must be a positive integer, got {ii!r}"]
    out = []
    ids = set(instance.index)
    for field_name in ("start", "warp"):
        mapping = getattr(solution, field_name)
        if not isinstance(mapping, dict):
            return [f"{field_name} must map op ids to integers"]
        missing = sorted(ids - set(mapping))
        extra = sorted(set(mapping) - ids)
        if missing:
            out.append(f"{field_name}: no value for ops {missing[:5]}")
        if extra:
            out.append(f"{field_name}: unknown ops {extra[:5]}")
        for key, value in mapping.items():
            if isinstance(value, bool) or not isinstance(value, int):
                out.append(f"{field_name}[{key}] = {value!r} is not an integer")
    if out:
        return out
    for key, t in solution.start.items():
        if t < 0:
            out.append(f"start[{key}] = {t} is negative")
    groups = instance.machine.warp_groups
    for key, g in solution.warp.items():
        if not 0 <= g < groups:
            out.append(f"warp[{key}] = {g} outside [0, {groups})")
    return out
