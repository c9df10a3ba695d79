"""Rau's iterative modulo scheduling with a greedy warp-group assignment.

For ``ii`` from the lower bound upwards, each warp-assignment strategy fixes a
warp group per op (variable-latency ops on the dedicated producer group 0),
then Rau's algorithm (1996) places the ops by decreasing height in a modulo
reservation table that holds the functional units and, per warp group, the
group's occupancy; an op that finds no free slot within ``ii`` cycles of its
earliest start is forced in and evicts what conflicts with it. The first
``ii`` at which some strategy yields a schedule that :func:`verify` accepts
(registers and memories included) is returned, with the shortest such
schedule.

This is the heuristic ``auto`` uses as its warm start and alone on large loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.core.timing import Deadline
from planner.pipelining.bounds import compute_bounds
from planner.pipelining.evaluate import schedule_length, verify
from planner.pipelining.instance import Instance, Solution

#: Placement attempts per op before Rau's scheduler gives up on an ``ii``.
BUDGET_RATIO = 6
GALLOP_AFTER = 0.5  # share of the time limit searched ii by ii before galloping


# -- warp assignment ------------------------------------------------------------------------


def _consumer_groups(instance: Instance) -> list[int]:
    first = 1 if instance.has_variable_latency else 0
    return list(range(first, instance.machine.warp_groups))


def _components(instance: Instance) -> list[list[str]]:
    """Weakly connected components of the ops that are not variable-latency."""
    rest = [op.id for op in instance.ops if not op.variable_latency]
    parent = {v: v for v in rest}

    def find(v: str) -> str:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for e in instance.edges:
        if e.src in parent and e.dst in parent:
            parent[find(e.src)] = find(e.dst)
    groups: dict[str, list[str]] = {}
    for v in rest:
        groups.setdefault(find(v), []).append(v)
    return list(groups.values())


def _weight(instance: Instance, op_id: str) -> tuple[int, int]:
    op = instance.op(op_id)
    return op.warp_cycles, op.registers


def assign_together(instance: Instance, ii: int) -> dict[str, int] | None:
    """Every non-variable-latency op on the first consumer group."""
    groups = _consumer_groups(instance)
    if not groups:
        return None
    return {op.id: (0 if op.variable_latency else groups[0]) for op in instance.ops}


def assign_components(instance: Instance, ii: int) -> dict[str, int] | None:
    """Connected pieces of the graph on separate groups, heaviest first, least-loaded group.

    A piece whose synchronous work exceeds ``ii`` is split in op order.
    """
    groups = _consumer_groups(instance)
    if not groups:
        return None
    pieces: list[list[str]] = []
    for comp in _components(instance):
        current: list[str] = []
        work = 0
        for v in comp:
            wc = instance.op(v).warp_cycles
            if current and work + wc > ii:
                pieces.append(current)
                current, work = [], 0
            current.append(v)
            work += wc
        if current:
            pieces.append(current)
    pieces.sort(key=lambda p: -sum(_weight(instance, v)[0] + _weight(instance, v)[1] for v in p))
    load = dict.fromkeys(groups, 0)
    regs = dict.fromkeys(groups, 0)
    warp = {op.id: 0 for op in instance.ops if op.variable_latency}
    for piece in pieces:
        work = sum(_weight(instance, v)[0] for v in piece)
        reg = sum(_weight(instance, v)[1] for v in piece)
        fitting = [g for g in groups if load[g] + work <= ii] or groups
        g = min(fitting, key=lambda g: (regs[g], load[g], g))
        load[g] += work
        regs[g] += reg
        for v in piece:
            warp[v] = g
    return warp


def assign_balanced(instance: Instance, ii: int) -> dict[str, int] | None:
    """Op by op: the group of its costliest-to-cross producer when it has room, else the least loaded."""
    groups = _consumer_groups(instance)
    if not groups:
        return None
    warp = {op.id: 0 for op in instance.ops if op.variable_latency}
    load = dict.fromkeys(groups, 0)
    regs = dict.fromkeys(groups, 0)
    preds: dict[str, list[tuple[int, str]]] = {}
    for e in instance.edges:
        preds.setdefault(e.dst, []).append((instance.edge_cross_latency(e), e.src))
    share = max(1, sum(op.registers for op in instance.ops) // len(groups))
    for op in instance.ops:
        if op.variable_latency:
            continue
        wc = op.warp_cycles
        liked = [
            warp[p]
            for _, p in sorted(preds.get(op.id, []), key=lambda cp: -cp[0])
            if p in warp and warp[p] in load
        ]
        choice = None
        for g in liked:
            if load[g] + wc <= ii and regs[g] + op.registers <= share:
                choice = g
                break
        if choice is None:
            choice = min(groups, key=lambda g: (load[g] + wc > ii, regs[g], load[g], g))
        warp[op.id] = choice
        load[choice] += wc
        regs[choice] += op.registers
    return warp


STRATEGIES: dict[str, Callable[[Instance, int], dict[str, int] | None]] = {
    "components": assign_components,
    "together": assign_together,
    "balanced": assign_balanced,
}


# -- Rau's modulo scheduler ------------------------------------------------------------------


class _Table:
    """Modulo reservation table: units and warp-group occupancy, residue by residue."""

    def __init__(
        self, instance: Instance, ii: int, warp: dict[str, int], occupancy: bool = True
    ) -> None:
        self.ii = ii
        self.cap = dict(instance.machine.units)
        self.use = {u: [0] * ii for u in self.cap}
        self.busy: dict[int, list[int]] = {}
        self.needs: dict[str, list[tuple[str, int, int]]] = {}
        for op in instance.ops:
            need = [
                (r.unit, r.offset + c, r.count) for r in op.reservation for c in range(r.cycles)
            ]
            if occupancy:
                need += [(f"#warp{warp[op.id]}", c, 1) for c in range(op.warp_cycles)]
            self.needs[op.id] = need
        for g in set(warp.values()):
            key = f"#warp{g}"
            self.cap[key] = 1
            self.use[key] = [0] * ii

    def fits(self, op_id: str, t: int) -> bool:
        extra: dict[tuple[str, int], int] = {}
        for unit, offset, count in self.needs[op_id]:
            slot = (unit, (t + offset) % self.ii)
            extra[slot] = extra.get(slot, 0) + count
            if self.use[unit][slot[1]] + extra[slot] > self.cap[unit]:
                return False
        return True

    def conflicts(self, op_id: str, t: int, placed: dict[str, int]) -> set[str]:
        """Placed ops sharing an over-subscribed slot with ``op_id`` at ``t``."""
        want: dict[tuple[str, int], int] = {}
        for unit, offset, count in self.needs[op_id]:
            slot = (unit, (t + offset) % self.ii)
            want[slot] = want.get(slot, 0) + count
        full = {s for s, c in want.items() if self.use[s[0]][s[1]] + c > self.cap[s[0]]}
        out = set()
        for other, t2 in placed.items():
            for unit, offset, _ in self.needs[other]:
                if (unit, (t2 + offset) % self.ii) in full:
                    out.add(other)
                    break
        return out

    def add(self, op_id: str, t: int, sign: int) -> None:
        for unit, offset, count in self.needs[op_id]:
            self.use[unit][(t + offset) % self.ii] += sign * count


def _delays(instance: Instance, warp: dict[str, int]) -> list[tuple[str, str, int, int]]:
    return [
        (
            e.src,
            e.dst,
            e.latency
            + (
                instance.edge_cross_latency(e)
                if warp[e.src] != warp[e.dst] or instance.forced_cross(e)
                else 0
            ),
            e.distance,
        )
        for e in instance.edges
    ]


def _heights(
    instance: Instance, ii: int, arcs: list[tuple[str, str, int, int]]
) -> dict[str, int] | None:
    """Rau's HeightR: longest path to any sink with weights ``delay - distance * ii``."""
    height = {op.id: 0 for op in instance.ops}
    for _ in range(len(height) + 1):
        changed = False
        for u, v, d, dist in arcs:
            if height[v] + d - dist * ii > height[u]:
                height[u] = height[v] + d - dist * ii
                changed = True
        if not changed:
            return height
    return None  # positive cycle: ii below the recurrence bound of this assignment


def modulo_schedule(
    instance: Instance,
    ii: int,
    warp: dict[str, int],
    *,
    budget_ratio: int = BUDGET_RATIO,
    occupancy: bool = True,
) -> dict[str, int] | None:
    """Rau's iterative modulo scheduling at ``ii`` with a fixed warp assignment.

    Returns start times (shifted so the earliest is 0) or ``None`` when the
    budget runs out or ``ii`` is below the assignment's recurrence bound.
    ``occupancy=False`` ignores warp-group occupancy (plain modulo scheduling).
    """
    arcs = _delays(instance, warp)
    height = _heights(instance, ii, arcs)
    if height is None:
        return None
    order = {op.id: i for i, op in enumerate(instance.ops)}
    if occupancy and any(op.warp_cycles > ii for op in instance.ops):
        return None
    preds: dict[str, list[tuple[str, int, int]]] = {v: [] for v in order}
    succs: dict[str, list[tuple[str, int, int]]] = {v: [] for v in order}
    for u, v, d, dist in arcs:
        preds[v].append((u, d, dist))
        succs[u].append((v, d, dist))
    table = _Table(instance, ii, warp, occupancy)
    placed: dict[str, int] = {}
    previous: dict[str, int] = {}
    budget = budget_ratio * len(order)
    while len(placed) < len(order) and budget > 0:
        budget -= 1
        v = max((u for u in order if u not in placed), key=lambda u: (height[u], -order[u]))
        estart = max([0] + [placed[u] + d - dist * ii for u, d, dist in preds[v] if u in placed])
        slot = next((t for t in range(estart, estart + ii) if table.fits(v, t)), None)
        if slot is None:
            slot = estart if v not in previous or estart > previous[v] else previous[v] + 1
            for other in table.conflicts(v, slot, placed):
                table.add(other, placed.pop(other), -1)
        table.add(v, slot, +1)
        placed[v] = slot
        previous[v] = slot
        for s, d, dist in succs[v]:
            if s in placed and s != v and placed[s] + dist * ii - slot < d:
                table.add(s, placed.pop(s), -1)
    if len(placed) < len(order):
        return None
    low = min(placed.values())
    return {v: t - low for v, t in placed.items()}


def _walk_back(
    instance: Instance,
    found: tuple[Solution, str],
    failed: int,
    strategies: dict[str, Callable[[Instance, int], dict[str, int] | None]],
    deadline: Deadline,
    stats: dict[str, Any],
) -> tuple[Solution, str]:
    """The lowest ii above ``failed`` with a schedule, walking down from ``found``'s ii.

    A gallop's last step skipped the ii between the last failure and its schedule; the time
    left tries them from the top down, so each schedule found improves on the one in hand
    (Rau's scheduler is not monotone in ii: one failure does not end the walk).
    """
    top = found[0].ii
    for ii in range(top - 1, failed, -1):
        if deadline.expired():
            stats["ims_walk_back_stopped_at"] = ii
            break
        lower = _best_at(instance, ii, strategies, deadline, stats)
        if lower is not None:
            found = lower
    if found[0].ii < top:
        stats["ims_refined_from"] = top
    return found


def _best_at(
    instance: Instance,
    ii: int,
    strategies: dict[str, Callable[[Instance, int], dict[str, int] | None]],
    deadline: Deadline,
    stats: dict[str, Any],
) -> tuple[Solution, str] | None:
    """The shortest verified schedule at ``ii`` over the warp strategies, and its strategy."""
    best: tuple[int, Solution, str] | None = None
    seen: list[dict[str, int]] = []
    for name, assign in strategies.items():
        if deadline.expired():
            break
        warp = assign(instance, ii)
        if warp is None or warp in seen:
            continue
        seen.append(warp)
        stats["ims_attempts"] += 1
        start = modulo_schedule(instance, ii, warp)
        if start is None:
            continue
        length = schedule_length(instance, start)
        if length > instance.effective_horizon:
            continue
        sol = Solution(ii=ii, start=start, warp=warp, length=length)
        if verify(instance, sol):
            continue
        if best is None or length < best[0]:
            best = (length, sol, name)
    return None if best is None else (best[1], best[2])


def ims(
    instance: Instance,
    *,
    time_limit: float,
    strategies: dict[str, Callable[[Instance, int], dict[str, int] | None]] | None = None,
    gallop_after: float | None = None,
    walk_back_until: float | None = None,
) -> tuple[Solution | None, dict[str, Any]]:
    """The first ``ii`` (from the lower bound up) with a verified schedule, and how it was found.

    When ``gallop_after`` of ``time_limit`` passes without a schedule (default
    :data:`GALLOP_AFTER`, half), the search gallops (steps 2, 4, 8, ... over ii, recorded as
    ``ims_gallop_from``) so that a short limit still ends with a schedule; the
    time left then walks back down over the ii the last step skipped
    (:func:`_walk_back`, ``ims_refined_from``; until ``walk_back_until`` seconds
    from the start when given), so the answer is the first ii that works when the
    time allows.

    Returns ``(solution, stats)``; ``solution`` is ``None`` when nothing was
    found within ``time_limit`` or up to ``max_ii``.
    """
    deadline = Deadline(time_limit)
    bounds = compute_bounds(instance)
    stats: dict[str, Any] = {**bounds.to_dict(), "ims_attempts": 0}
    if bounds.infeasible:
        stats["reason"] = bounds.infeasible
        return None, stats
    strategies = strategies or STRATEGIES
    gallop_after = GALLOP_AFTER if gallop_after is None else gallop_after
    ii, step = bounds.mii, 1
    failed = bounds.mii - 1  # the last ii tried without a schedule
    while ii <= instance.effective_max_ii:
        if deadline.expired():
            stats["timed_out_at_ii"] = ii
            return None, stats
        found = _best_at(instance, ii, strategies, deadline, stats)
        if found is not None:
            if ii - failed > 1:
                back = deadline
                if walk_back_until is not None:
                    back = Deadline(min(walk_back_until, time_limit) - deadline.elapsed())
                found = _walk_back(instance, found, failed, strategies, back, stats)
            stats["ims_strategy"] = found[1]
            return found[0], stats
        failed = ii
        if step == 1 and deadline.elapsed() > gallop_after * time_limit:
            # Half the time gone without a schedule: a larger ii that works beats none.
            # From here the answer need not be the first ii that works.
            stats["ims_gallop_from"] = ii
        if "ims_gallop_from" in stats:
            step *= 2
        ii += step
    stats["reason"] = f"no schedule found up to max_ii {instance.effective_max_ii}"
    return None, stats
