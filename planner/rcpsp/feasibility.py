"""Quick necessary feasibility checks with human-readable reasons.

Each check is a proof: when it reports a reason, no schedule exists. When all pass, the
instance may still be infeasible (the CP-SAT model decides). Checks, cheapest first: a demand
above the base capacity, a positive cycle of time lags, a deadline before the earliest finish
(via lags and releases), a job that fits nowhere between downtime windows inside its time window,
and a disjunctive pair whose windows force an overlap.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.rcpsp.instance import Instance
from planner.rcpsp.network import distances, forbidden_starts, positive_cycle, tightened_windows


def infeasibility_reason(instance: Instance, dist: np.ndarray | None = None) -> str | None:
    """The reason ``instance`` has no feasible schedule, or ``None`` when no quick check fires.

    Parameters
    ----------
    instance
        The instance.
    dist
        Its :func:`~planner.rcpsp.network.distances`, if already computed.

    Notes
    -----
    The answer is kept in ``instance.derived`` (the instance never changes): ``auto`` asks
    before its stages and the ``lns`` stage again in its set-up, 0.3 CPU s each at 3,000 jobs.
    """
    kept = instance.derived.get("infeasibility_reason", False)
    if kept is False:
        kept = _reason(instance, dist)
        instance.derived["infeasibility_reason"] = kept
    return kept


def _reason(instance: Instance, dist: np.ndarray | None) -> str | None:
    names = instance.job_names
    for j in range(instance.num_jobs):
        if instance.durations[j] == 0:
            continue
        for r, q in enumerate(instance.demands[j]):
            if q > instance.capacities[r]:
                return (
                    f"job {names[j]} needs {q} units of {instance.resource_names[r]}, "
                    f"whose capacity is {instance.capacities[r]}"
                )
    cyc = positive_cycle(instance)
    if cyc is not None:
        jobs, length = cyc
        chain = " -> ".join(names[j] for j in [*jobs, jobs[0]])
        return f"the time lags form a cycle of positive length {length}: {chain}"
    if dist is None:
        dist = distances(instance)
    base = tightened_windows(instance, dist, horizon=None, max_rounds=0)
    late = [j for j in range(instance.num_jobs) if base.es[j] > base.ls[j]]
    if late:
        return _window_reason(instance, dist, late, base.es)
    for j in range(instance.num_jobs):
        f = forbidden_starts(instance, j)
        if f and _no_start_in(int(base.es[j]), int(base.ls[j]), f):
            return (
                f"job {names[j]} cannot run between downtime windows inside its time window "
                f"(start in [{int(base.es[j])}, {int(base.ls[j])}])"
            )
    w = tightened_windows(instance, dist)
    for j in range(instance.num_jobs):
        if w.es[j] > w.ls[j]:
            return (
                f"job {names[j]}: downtime windows and time lags push its earliest start "
                f"{int(w.es[j])} past its latest start {int(w.ls[j])}"
            )
    dur = instance.durations
    for a, b in instance.disjunctive:
        if dur[a] == 0 or dur[b] == 0:
            continue
        a_first = w.es[a] + dur[a] <= w.ls[b] and -dist[b, a] >= dur[a]
        b_first = w.es[b] + dur[b] <= w.ls[a] and -dist[a, b] >= dur[b]
        if not (a_first or b_first):
            return (
                f"disjunctive pair {names[a]}, {names[b]}: their time windows and lags force "
                "them to overlap"
            )
    return None


def _no_start_in(lo: int, hi: int, forbidden: list[tuple[int, int]]) -> bool:
    t = lo
    for flo, fhi in forbidden:
        if flo <= t <= fhi:
            t = fhi + 1
    return t > hi


def _window_reason(instance: Instance, dist: np.ndarray, late: list[int], es: np.ndarray) -> str:
    """Explain an empty time window, naming the deadline that cannot be met."""
    names = instance.job_names
    dur = instance.durations
    for k in late:  # a job that misses its own deadline is the clearest story
        dl = instance.deadline[k]
        if dl is not None and es[k] + dur[k] > dl:
            return (
                f"job {names[k]} cannot finish by its deadline {dl}: releases and time lags give "
                f"it an earliest finish of {int(es[k]) + dur[k]}"
            )
    j = late[0]
    for k, dl in enumerate(instance.deadline):
        if dl is not None and np.isfinite(dist[j, k]) and es[j] + dist[j, k] + dur[k] > dl:
            return (
                f"job {names[k]} cannot finish by its deadline {dl}: job {names[j]} starts at "
                f"{int(es[j])} at the earliest and precedes it by {int(dist[j, k])}"
            )
    return f"job {names[j]}: releases, deadlines and time lags leave it no start time"


def explain_infeasibility(instance: Instance, *, time_limit: float = 2.0) -> str:
    """A human explanation of an instance that CP-SAT proved infeasible.

    Solves relaxations (each a small CP-SAT feasibility problem) to find a small group of
    constraint kinds that already conflict: the time constraints alone, one resource with the
    time constraints, or the time constraints without deadlines / releases / disjunctive pairs.
    Returns the most specific finding; an inconclusive search gives a general sentence.
    """
    from planner.core import cpsat as cps  # late: the model module is heavier than the checks
    from planner.core.result import Status
    from planner.core.timing import Deadline
    from planner.rcpsp.model import ModelOptions, build

    clock = Deadline(time_limit)
    names = instance.resource_names

    def infeasible(inst: Instance) -> bool:
        if clock.remaining() <= 0.01:
            return False
        if infeasibility_reason(inst) is not None:
            return True
        model = build(inst, distances(inst), options=ModelOptions(energetic_cuts=False))
        model.cp.clear_objective()
        out = cps.run(
            model.cp, cps.make_solver(time_limit=min(0.5, clock.remaining())), report=False
        )
        return out.status is Status.INFEASIBLE

    def keep_resources(keep: list[int]) -> Instance:
        caps = [c if r in keep else 0 for r, c in enumerate(instance.capacities)]
        dem = [tuple(q if r in keep else 0 for r, q in enumerate(row)) for row in instance.demands]
        downs = tuple(w for w in instance.downtimes if w.resource in keep)
        return replace(instance, capacities=tuple(caps), demands=tuple(dem), downtimes=downs)

    kinds = []
    if any(p.lag is not None and p.lag < 0 for p in instance.precedences):
        kinds.append("time lags (maximal ones included)")
    if any(d is not None for d in instance.deadline):
        kinds.append("deadlines")
    if any(instance.release):
        kinds.append("release dates")
    if instance.disjunctive:
        kinds.append("disjunctive pairs")
    timing = ", ".join(kinds) if kinds else "precedences"
    if infeasible(keep_resources([])):
        return f"CP-SAT proved infeasible: the {timing} conflict even without any resource"
    for r in range(instance.num_resources):
        if infeasible(keep_resources([r])):
            down = " and its downtime" if any(w.resource == r for w in instance.downtimes) else ""
            return (
                f"CP-SAT proved infeasible: resource {names[r]} (capacity "
                f"{instance.capacities[r]}){down} cannot fit its jobs within the {timing}"
            )
    return (
        f"CP-SAT proved infeasible: no single resource is the culprit; the resources together "
        f"with the {timing} leave no schedule"
    )
