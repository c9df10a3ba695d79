"""Objective and independent feasibility check of an RCPSP schedule.

Nothing here touches a solver model: ``verify`` re-reads the instance's constraints and checks
the start times directly (resource usage by a sweep over start/end/downtime events).
"""

from __future__ import annotations

import itertools

from planner.rcpsp.instance import Instance, Solution


def makespan(instance: Instance, start: tuple[int, ...] | list[int]) -> int:
    """Latest completion time ``max_j start_j + duration_j`` (0 without jobs)."""
    return int(max((s + d for s, d in zip(start, instance.durations, strict=True)), default=0))


def evaluate(instance: Instance, solution: Solution) -> int:
    """The makespan of ``solution``, recomputed from the start times (a Python ``int``)."""
    return int(makespan(instance, solution.start))


def verify(instance: Instance, solution: Solution, *, limit: int = 50) -> list[str]:
    """Every violated constraint of ``solution`` (empty when the schedule is feasible).

    Checks: one integer start per job, release dates, deadlines, precedences with their lags,
    disjunctive pairs, and resource capacity at every time (base capacity lowered by downtime
    windows). At most ``limit`` messages are returned.
    """
    n = instance.num_jobs
    start = solution.start
    out: list[str] = []
    if len(start) != n:
        return [f"solution has {len(start)} start times, instance has {n} jobs"]
    names = instance.job_names
    dur = instance.durations
    for j, s in enumerate(start):
        if not isinstance(s, int):
            out.append(f"job {names[j]}: start {s!r} is not an integer")
    if out:
        return out[:limit]
    for j in range(n):
        if start[j] < instance.release[j]:
            out.append(
                f"job {names[j]}: starts at {start[j]} before its release {instance.release[j]}"
            )
        d = instance.deadline[j]
        if d is not None and start[j] + dur[j] > d:
            out.append(f"job {names[j]}: ends at {start[j] + dur[j]} after its deadline {d}")
    for p in instance.precedences:
        lag = dur[p.pred] if p.lag is None else p.lag
        if start[p.succ] < start[p.pred] + lag:
            kind = "finish-to-start" if p.lag is None else f"lag {lag}"
            out.append(
                f"precedence {names[p.pred]} -> {names[p.succ]} ({kind}): "
                f"start {start[p.succ]} < {start[p.pred]} + {lag}"
            )
    for a, b in instance.disjunctive:
        if dur[a] and dur[b] and start[a] < start[b] + dur[b] and start[b] < start[a] + dur[a]:
            out.append(
                f"disjunctive pair {names[a]}, {names[b]} overlaps: "
                f"[{start[a]}, {start[a] + dur[a]}) and [{start[b]}, {start[b] + dur[b]})"
            )
    for r in range(instance.num_resources):
        out.extend(_resource_violations(instance, start, r))
        if len(out) >= limit:
            break
    return out[:limit]


def _resource_violations(instance: Instance, start: tuple[int, ...], r: int) -> list[str]:
    """Sweep the time line of resource ``r``: usage on each constant segment vs capacity."""
    delta: dict[int, int] = {}
    for j, s in enumerate(start):
        q, d = instance.demands[j][r], instance.durations[j]
        if q and d:
            delta[s] = delta.get(s, 0) + q
            delta[s + d] = delta.get(s + d, 0) - q
    if not delta:
        return []
    windows = [w for w in instance.downtimes if w.resource == r]
    times = sorted(set(delta) | {t for w in windows for t in (w.start, w.end)})
    out = []
    usage = 0
    for a, b in itertools.pairwise(times):
        usage += delta.get(a, 0)
        if usage <= 0:
            continue
        cap = instance.capacities[r]
        for w in windows:
            if w.start < b and a < w.end:  # the segment [a, b) lies inside or outside each window
                cap = min(cap, w.capacity)
        if usage > cap:
            out.append(
                f"resource {instance.resource_names[r]}: usage {usage} > capacity {cap} on [{a}, {b})"
            )
    return out
