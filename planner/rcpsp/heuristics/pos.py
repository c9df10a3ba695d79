"""Partial-order schedules: the resource-flow precedences that keep a schedule's job order.

Given a schedule, :func:`flow_arcs` sends every resource's units from the jobs that release them
to the jobs that take them next (Artigues, Michelon & Reusser 2003): each job takes its units
preferably from jobs it already follows (no new arc), else from the latest-finishing ones,
and only then from units no job has used yet (which would leave it free to move left). Every
pair with a positive flow becomes an arc ``i -> j`` with ``finish_i <= start_j`` in the schedule.
For constant capacities any schedule that respects these arcs and the precedences is
resource-feasible; LNS uses the arcs of the jobs it keeps, and the model's cumulative constraints
stay in place, so the arcs only shape the neighbourhood and never decide feasibility.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from planner.rcpsp.instance import Instance


def flow_arcs(
    instance: Instance, start: Sequence[int], keep: np.ndarray | None = None
) -> set[tuple[int, int]]:
    """Resource-flow arcs ``(i, j)`` between the jobs in ``keep`` (all jobs when ``None``).

    Also orders the disjunctive pairs among the kept jobs as in the schedule. Every returned arc
    satisfies ``start[i] + duration[i] <= start[j]``.
    """
    n = instance.num_jobs
    dur = instance.durations
    keep = np.ones(n, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    jobs = [j for j in range(n) if keep[j] and dur[j] > 0]
    jobs.sort(key=lambda j: (start[j], start[j] + dur[j], j))
    preds = instance.predecessors
    arcs: set[tuple[int, int]] = set()
    for r in range(instance.num_resources):
        users = [j for j in jobs if instance.demands[j][r] > 0]
        if len(users) < 2:
            continue
        pool: dict[int, int] = {}  # job -> units released and not yet handed on
        source = instance.capacities[r]
        running = sorted(users, key=lambda j: start[j] + dur[j])
        released = 0
        for j in users:
            s = start[j]
            while (
                released < len(running) and start[running[released]] + dur[running[released]] <= s
            ):
                i = running[released]
                pool[i] = instance.demands[i][r]
                released += 1
            need = instance.demands[j][r]
            direct = set(preds[j])
            # first from jobs already ordered before j, then the latest finishers, then the source
            donors = sorted(
                (i for i, q in pool.items() if q > 0),
                key=lambda i: (i not in direct and (i, j) not in arcs, -(start[i] + dur[i]), i),
            )
            for i in donors:
                if need == 0:
                    break
                take = min(need, pool[i])
                pool[i] -= take
                need -= take
                arcs.add((i, j))
            if need > 0:
                take = min(need, source)
                source -= take
                need -= take
            # any shortfall (downtime-reduced or overloaded profiles) is left to the cumulative
    for a, b in instance.disjunctive:
        if keep[a] and keep[b] and dur[a] and dur[b]:
            if start[a] + dur[a] <= start[b]:
                arcs.add((a, b))
            elif start[b] + dur[b] <= start[a]:
                arcs.add((b, a))
    return arcs
