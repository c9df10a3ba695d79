"""The joint modulo-scheduling + warp-assignment model at a fixed ``ii`` (CP-SAT).

Variables per op ``v``: start ``t_v = ii * k_v + x_v`` (``x_v`` its residue),
warp-group literals ``a[v, g]``; per edge a "crosses groups" literal. Modulo
resources use the classic unrolled-once trick: an occupation of residue length
``rem`` starting at residue ``y`` is the interval ``[y, y + rem)`` plus its copy
``[y - ii, y - ii + rem)``; a cumulative (or no-overlap) over both is exactly
the modulo constraint (occupations of a whole ``ii`` or more become a constant
base load); a hand-off to another warp group (``cross_reservation``) adds optional
occupations present with the edge's "on different groups" literal. Value lifetimes ``[t_v, end_v)`` are folded the same way:
``end_v - t_v = ii * q_v + rem_v`` gives ``q_v`` copies everywhere plus one
interval of length ``rem_v``; register pressure is a cumulative per warp group
over optional intervals (present when the op sits on that group) whose
capacity is the group's peak minus the ``q`` copies; the register file bounds
the sum of the groups' allocations. Redundant "area" constraints (demand x
lifetime summed over the ops fits in capacity x ``ii``) make the lifetime
reasoning propagate. The objective is the schedule length.

``relax`` drops constraint families (``"registers"``, ``"smem"``, ``"tmem"``,
``"warps"`` = warp-group occupancy, ``"cross"`` = the cross-warp delays that
depend on the assignment (forced ones stay),
``"units:<U>"``) for ``--explain``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from planner.pipelining.instance import Instance, Solution


@dataclass
class Model:
    """A built model and the handles to read a solution back."""

    model: cp_model.CpModel
    ii: int
    start: dict[str, Any]
    assign: dict[str, dict[int, Any]]
    length: Any
    trivially_infeasible: str | None = None
    crossing: list[Any] = field(default_factory=list)
    #: the cross-warp delay of each ``crossing`` literal's edge
    crossing_delay: list[int] = field(default_factory=list)
    #: the instance's ops by id
    ops: dict[str, Any] = field(default_factory=dict)
    #: ops with an in-edge from a variable-latency op (their group waits for the copy)
    variable_waits: frozenset[str] = frozenset()

    def solution(self, solver: cp_model.CpSolver) -> Solution:
        """The schedule of the solver's current solution."""
        start = {v: int(solver.value(t)) for v, t in self.start.items()}
        warp = {}
        for v, lits in self.assign.items():
            warp[v] = next(g for g, lit in lits.items() if _value(solver, lit))
        return Solution(ii=self.ii, start=start, warp=warp, length=int(solver.value(self.length)))

    def fix_starts(self, start: dict[str, int]) -> None:
        """Pin every start time (the warp assignment stays free)."""
        for v, t in self.start.items():
            self.model.add(t == start[v])

    def fix_warps(self, warp: dict[str, int]) -> None:
        """Pin every op's warp group (a check of a given assignment; start times stay free)."""
        for v, lits in self.assign.items():
            if warp[v] not in lits:
                self.model.add_bool_or([])  # that group is not open to this op
                continue
            lit = lits[warp[v]]
            if not isinstance(lit, int):
                self.model.add(lit == 1)

    def hint(self, solution: Solution) -> None:
        """Warm start from a schedule at the same ``ii``."""
        if solution.ii != self.ii:
            return
        self.model.clear_hints()
        for v, t in self.start.items():
            self.model.add_hint(t, solution.start[v])
        for v, lits in self.assign.items():
            for g, lit in lits.items():
                if not isinstance(lit, int):
                    self.model.add_hint(lit, int(solution.warp[v] == g))
        if solution.length is not None:
            self.model.add_hint(self.length, solution.length)


def _value(solver: cp_model.CpSolver, lit: Any) -> bool:
    return bool(lit) if isinstance(lit, int) else bool(solver.boolean_value(lit))


def _groups(instance: Instance) -> tuple[list[int], list[int]]:
    """(groups of variable-latency ops, groups of the others); the producer group is 0."""
    w = instance.machine.warp_groups
    if instance.has_variable_latency:
        return [0], list(range(1, w))
    return [], list(range(w))


def build(
    instance: Instance,
    ii: int,
    *,
    horizon: int | None = None,
    relax: Collection[str] = (),
    length_lb: int = 0,
    absolute: bool = False,
) -> Model:
    """The model at ``ii`` (see the module docstring); ``absolute`` adds the redundant
    one-iteration resource constraints of :func:`_one_iteration`."""
    m = cp_model.CpModel()
    mach = instance.machine
    horizon = instance.effective_horizon if horizon is None else horizon
    ops = instance.ops
    vl_groups, groups = _groups(instance)
    reason = None

    start: dict[str, Any] = {}
    resid: dict[str, Any] = {}
    for op in ops:
        hi = horizon - op.span
        if hi < 0:
            reason = f"op {op.id} is longer than the horizon {horizon}"
            hi = 0
        t = m.new_int_var(0, hi, f"t[{op.id}]")
        k = m.new_int_var(0, hi // ii, f"k[{op.id}]")
        x = m.new_int_var(0, ii - 1, f"x[{op.id}]")
        m.add(t == ii * k + x)
        start[op.id], resid[op.id] = t, x
    length = m.new_int_var(min(length_lb, horizon), horizon, "length")
    for op in ops:
        m.add(length >= start[op.id] + op.span)

    # Warp groups: variable-latency ops on the producer group 0, the others elsewhere.
    assign: dict[str, dict[int, Any]] = {}
    free_ops = [op.id for op in ops if not op.variable_latency]
    for op in ops:
        if op.variable_latency:
            assign[op.id] = {0: 1}
        elif not groups:
            reason = reason or "no warp group left for the ops that are not variable-latency"
            assign[op.id] = {}
        else:
            lits = {g: m.new_bool_var(f"a[{op.id},{g}]") for g in groups}
            m.add_exactly_one(lits.values())
            assign[op.id] = lits
    # Symmetry: the consumer groups are interchangeable; open them in order of first use.
    for j, v in enumerate(free_ops):
        for pos, g in enumerate(groups[1:], start=1):
            earlier = [assign[u][groups[pos - 1]] for u in free_ops[:j]]
            if not earlier:
                m.add(assign[v][g] == 0)
            else:
                m.add(assign[v][g] <= sum(earlier))

    # Dependences with cross-warp delays; hand-offs to another group that occupy units.
    crossing, crossing_delay = [], []
    handoffs: list[tuple[Any, Any]] = []  # (producer op, "on different groups" literal)

    def differ(e: Any) -> Any:
        lit = m.new_bool_var(f"differ[{e.src}->{e.dst}]")
        for g in groups:
            m.add(lit >= assign[e.src][g] - assign[e.dst][g])
        return lit

    for e in instance.edges:
        cw = instance.edge_cross_latency(e)
        base = e.latency - e.distance * ii
        src = instance.op(e.src)
        paid = bool(src.cross_reservation) and "cross" not in relax and e.src != e.dst
        if instance.forced_cross(e):  # paid by every schedule, kept in every relaxation
            m.add(start[e.dst] - start[e.src] >= base + cw)
            if paid:
                vl = src.variable_latency != instance.op(e.dst).variable_latency
                handoffs.append((src, 1 if vl else differ(e)))
            continue
        if "cross" in relax:
            cw = 0
        if cw == 0 or (e.src == e.dst) or src.variable_latency:
            m.add(start[e.dst] - start[e.src] >= base)
            if paid and not src.variable_latency:
                handoffs.append((src, differ(e)))
        else:
            cross = differ(e)
            crossing.append(cross)
            crossing_delay.append(cw)
            m.add(start[e.dst] - start[e.src] >= base + cw * cross)
            if paid:
                handoffs.append((src, cross))

    # Modulo resources.
    for unit, cap in mach.units.items():
        if f"units:{unit}" in relax:
            continue
        base_load = 0
        intervals, demands = [], []
        for op in ops:
            for j, r in enumerate(op.reservation):
                if r.unit != unit:
                    continue
                full, rem = divmod(r.cycles, ii)
                base_load += full * r.count
                if rem == 0:
                    continue
                y = _residue(m, start[op.id], resid[op.id], r.offset, ii, f"{op.id}.{j}")
                intervals += wrapped_intervals(m, y, rem, ii, f"{unit}:{op.id}.{j}")
                demands += [r.count, r.count]
        # A hand-off to another group occupies the unit from the producer's completion.
        whole = []  # occupations of a whole ii, present when the hand-off happens
        for h, (op, lit) in enumerate(handoffs):
            for j, r in enumerate(op.cross_reservation):
                if r.unit != unit:
                    continue
                full, rem = divmod(r.cycles, ii)
                if full and isinstance(lit, int):
                    base_load += full * r.count
                elif full:
                    whole.append(full * r.count * lit)
                if rem == 0:
                    continue
                offset = op.latency + r.offset
                y = _residue(m, start[op.id], resid[op.id], offset, ii, f"h{h}.{op.id}.{j}")
                intervals += wrapped_intervals(m, y, rem, ii, f"{unit}:h{h}.{op.id}.{j}", lit)
                demands += [r.count, r.count]
        room = cap - base_load
        if room < 0:
            reason = reason or f"unit {unit}: occupations of a whole ii exceed its capacity"
            continue
        if not intervals:
            if whole:
                m.add(sum(whole) <= room)
            continue
        if whole:
            # a cumulative's capacity must be one variable (affine), not a sum of literals
            left = m.new_int_var(0, room, f"{unit}:room")
            m.add(left == room - sum(whole))
            m.add_cumulative(intervals, demands, left)
        elif room == 1 and all(d == 1 for d in demands):
            m.add_no_overlap(intervals)
        else:
            m.add_cumulative(intervals, demands, room)
    if absolute:
        _one_iteration(m, instance, start, relax)

    # Warp-group occupancy: one synchronous op at a time per group.
    if "warps" not in relax:
        for g in vl_groups + groups:
            members = []
            for op in ops:
                if not op.warp_cycles or g not in assign[op.id]:
                    continue
                if op.warp_cycles > ii:
                    lit = assign[op.id][g]
                    if isinstance(lit, int):
                        reason = reason or f"op {op.id} keeps its warp group busy longer than ii"
                    else:
                        m.add(lit == 0)
                    continue
                members += wrapped_intervals(
                    m, resid[op.id], op.warp_cycles, ii, f"w{g}:{op.id}", assign[op.id][g]
                )
            if len(members) > 2:
                m.add_no_overlap(members)

    # Lifetimes (only for ops that hold storage that is checked).
    kinds = [k for k in ("registers", "smem", "tmem") if k not in relax]
    holders = [op for op in ops if any(getattr(op, k) for k in kinds)]
    q: dict[str, Any] = {}
    rem: dict[str, Any] = {}
    max_dist = max([e.distance for e in instance.edges], default=0)
    max_len = horizon + (max_dist + 1) * ii + max((op.latency for op in ops), default=0)
    q_max = max_len // ii + 1
    ends: dict[str, Any] = {}
    for op in holders:
        end = m.new_int_var(0, horizon + max_len, f"end[{op.id}]")
        ends[op.id] = end
        m.add(end >= start[op.id] + op.latency)
        for e in instance.edges:
            if e.src == op.id and not e.order_only:
                use = 0 if e.in_place else instance.op(e.dst).latency
                m.add(end >= start[e.dst] + e.distance * ii + use)
        q[op.id] = m.new_int_var(0, q_max, f"q[{op.id}]")
        rem[op.id] = m.new_int_var(0, ii - 1, f"rem[{op.id}]")
        m.add(end - start[op.id] == ii * q[op.id] + rem[op.id])

    if "registers" in kinds:
        _registers(
            m, instance, ii, holders, assign, vl_groups + groups, resid, q, rem, q_max, ends, start
        )
    for kind in ("smem", "tmem"):
        if kind not in kinds:
            continue
        cap = getattr(mach, kind)
        users = [op for op in holders if getattr(op, kind)]
        if not users:
            continue
        # Redundant: the load integrated over one period is the sum of demand x lifetime.
        m.add(sum(getattr(op, kind) * (ends[op.id] - start[op.id]) for op in users) <= cap * ii)
        base = sum(getattr(op, kind) * q[op.id] for op in users)
        intervals, demands = [], []
        for op in users:
            intervals += wrapped_intervals(m, resid[op.id], rem[op.id], ii, f"{kind}:{op.id}")
            demands += [getattr(op, kind)] * 2
        room = m.new_int_var(0, cap, f"room[{kind}]")
        m.add(room == cap - base)
        m.add_cumulative(intervals, demands, room)

    if reason:
        # the constraint behind ``reason`` was skipped, not posted: an empty clause keeps every
        # solve of this model (pinned starts included) from returning a schedule that breaks it
        m.add_bool_or([])
    m.minimize(length)
    waits = frozenset(e.dst for e in instance.edges if instance.op(e.src).variable_latency)
    by_id = {op.id: op for op in ops}
    return Model(m, ii, start, assign, length, reason, crossing, crossing_delay, by_id, waits)


def _one_iteration(
    m: cp_model.CpModel, instance: Instance, start: dict[str, Any], relax: Collection[str]
) -> None:
    """Redundant: the modulo limits hold for one iteration's ops at their absolute times.

    The residue constraints say nothing the length can propagate through; these
    absolute-time copies (per unit, the producer warp group, and the other ops'
    ``warp_cycles`` over the remaining groups) let the scheduling propagators and the
    LP relate the work of one iteration to its length.
    """
    for unit, cap in instance.machine.units.items():
        if f"units:{unit}" in relax:
            continue
        intervals, demands = [], []
        for op in instance.ops:
            for j, r in enumerate(op.reservation):
                if r.unit == unit:
                    intervals.append(
                        m.new_fixed_size_interval_var(
                            start[op.id] + r.offset, r.cycles, f"abs[{unit}:{op.id}.{j}]"
                        )
                    )
                    demands.append(r.count)
        if len(intervals) < 2:
            continue
        if cap == 1 and all(d == 1 for d in demands):
            m.add_no_overlap(intervals)
        else:
            m.add_cumulative(intervals, demands, cap)
    if "warps" in relax:
        return
    consumers = instance.machine.warp_groups - (1 if instance.has_variable_latency else 0)
    for variable, cap in ((True, 1), (False, consumers)):
        intervals = [
            m.new_fixed_size_interval_var(start[op.id], op.warp_cycles, f"absw[{op.id}]")
            for op in instance.ops
            if op.variable_latency == variable and op.warp_cycles
        ]
        if len(intervals) < 2 or cap < 1:
            continue
        if cap == 1:
            m.add_no_overlap(intervals)
        else:
            m.add_cumulative(intervals, [1] * len(intervals), cap)


def full_units(instance: Instance, ii: int) -> list[str]:
    """Units whose occupations fill all ``capacity * ii`` of their slots at ``ii``."""
    return [
        u
        for u, cap in instance.machine.units.items()
        if sum(r.cycles * r.count for op in instance.ops for r in op.reservation if r.unit == u)
        == cap * ii
    ]


def build_packing(instance: Instance, ii: int) -> cp_model.CpModel | None:
    """The modulo resource limits alone, time-indexed, when some unit is full at ``ii``.

    Literals ``at[v, q]``: op ``v`` starts at residue ``q``; per unit and residue the
    occupations covering it fit its capacity (Twill's formulation). A unit full at
    ``ii`` is busy to capacity at every residue, so at every residue the demand that
    starts equals the demand that ends: with it the solver sees, e.g., that where a
    full-width occupation ends two ops would have to start together on a unit of
    capacity 1 (gemm_hopper at its ResMII; the interval model cannot prove that).
    Dependences, warps and storage are left out: infeasible here is infeasible at
    ``ii``. ``None`` when no unit is full (then this adds nothing to ResMII).
    """
    full = full_units(instance, ii)
    if not full:
        return None
    m = cp_model.CpModel()
    at: dict[str, list[Any]] = {}
    for op in instance.ops:
        if op.reservation:
            at[op.id] = [m.new_bool_var(f"at[{op.id},{q}]") for q in range(ii)]
            m.add_exactly_one(at[op.id])
    for unit, cap in instance.machine.units.items():
        occupations = [(op, r) for op in instance.ops for r in op.reservation if r.unit == unit]
        base = sum((r.cycles // ii) * r.count for _, r in occupations)
        for q in range(ii):
            cover = [
                r.count * at[op.id][(q - r.offset - d) % ii]
                for op, r in occupations
                for d in range(r.cycles % ii)
            ]
            if cover:
                m.add(sum(cover) <= cap - base)
            if unit in full:
                starts = [r.count * at[op.id][(q - r.offset) % ii] for op, r in occupations]
                ends = [
                    r.count * at[op.id][(q - r.offset - r.cycles) % ii] for op, r in occupations
                ]
                m.add(sum(starts) == sum(ends))
    return m


def _registers(
    m: cp_model.CpModel,
    instance: Instance,
    ii: int,
    holders: list[Any],
    assign: dict[str, dict[int, Any]],
    all_groups: list[int],
    resid: dict[str, Any],
    q: dict[str, Any],
    rem: dict[str, Any],
    q_max: int,
    ends: dict[str, Any],
    start: dict[str, Any],
) -> None:
    mach = instance.machine
    room_max = max(0, mach.register_limit - mach.register_reserved)
    allocations = []
    for g in all_groups:
        members = [op for op in instance.ops if g in assign[op.id]]
        if not members:
            continue
        used = m.new_bool_var(f"used[{g}]")
        for op in members:
            lit = assign[op.id][g]
            if isinstance(lit, int):
                m.add(used == 1)
            else:
                m.add_implication(lit, used)
        peak = m.new_int_var(0, room_max, f"peak[{g}]")
        m.add(peak == 0).only_enforce_if(~used)
        allocations.append(peak + mach.register_reserved * used)
        regs = [op for op in holders if op.registers and g in assign[op.id]]
        if not regs:
            continue
        base_terms = []
        area = []
        intervals, demands = [], []
        for op in regs:
            lit = assign[op.id][g]
            # Redundant: registers x lifetime summed over the group fits in peak x ii.
            span = m.new_int_var(0, (q_max + 1) * ii, f"la[{op.id},{g}]")
            if isinstance(lit, int):
                m.add(span == ends[op.id] - start[op.id])
            else:
                m.add(span == ends[op.id] - start[op.id]).only_enforce_if(lit)
                m.add(span == 0).only_enforce_if(~lit)
            area.append(op.registers * span)
            qa = m.new_int_var(0, q_max, f"qa[{op.id},{g}]")
            if isinstance(lit, int):
                m.add(qa == q[op.id])
            else:
                m.add(qa == q[op.id]).only_enforce_if(lit)
                m.add(qa == 0).only_enforce_if(~lit)
            base_terms.append(op.registers * qa)
            intervals += wrapped_intervals(m, resid[op.id], rem[op.id], ii, f"r{g}:{op.id}", lit)
            demands += [op.registers] * 2
        room = m.new_int_var(0, room_max, f"regroom[{g}]")
        m.add(room == peak - sum(base_terms))
        m.add_cumulative(intervals, demands, room)
        m.add(sum(area) <= ii * peak)
    if mach.register_file is not None and allocations:
        m.add(sum(allocations) <= mach.register_file)


def _residue(m: cp_model.CpModel, t: Any, x: Any, offset: int, ii: int, name: str) -> Any:
    """``(t + offset) mod ii`` as a variable (``x`` itself when ``offset == 0``)."""
    if offset % ii == 0:
        return x
    y = m.new_int_var(0, ii - 1, f"y[{name}]")
    wrap = m.new_bool_var(f"wrap[{name}]")
    shift = offset % ii
    m.add(y == x + shift - ii * wrap)
    return y


def wrapped_intervals(
    m: cp_model.CpModel, y: Any, size: Any, ii: int, name: str, present: Any = None
) -> list[Any]:
    """The interval ``[y, y + size)`` and its copy one ``ii`` earlier (optional if ``present``)."""
    fixed = isinstance(size, int)
    optional = not (present is None or (isinstance(present, int) and present == 1))
    if fixed:
        if not optional:
            return [
                m.new_fixed_size_interval_var(y, size, f"iv[{name}]"),
                m.new_fixed_size_interval_var(y - ii, size, f"iv'[{name}]"),
            ]
        return [
            m.new_optional_fixed_size_interval_var(y, size, present, f"iv[{name}]"),
            m.new_optional_fixed_size_interval_var(y - ii, size, present, f"iv'[{name}]"),
        ]
    end = m.new_int_var(0, 2 * ii, f"e[{name}]")
    m.add(end == y + size)
    if not optional:
        return [
            m.new_interval_var(y, size, end, f"iv[{name}]"),
            m.new_interval_var(y - ii, size, end - ii, f"iv'[{name}]"),
        ]
    return [
        m.new_optional_interval_var(y, size, end, present, f"iv[{name}]"),
        m.new_optional_interval_var(y - ii, size, end - ii, present, f"iv'[{name}]"),
    ]
