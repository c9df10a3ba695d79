"""s16audit: an independent CP-SAT model of an rcpsp instance (none of planner's model code),
to check a claimed INFEASIBLE or OPTIMAL makespan. Downtime windows are fixed intervals that
occupy (capacity - window capacity) units of the resource.

Usage: ``PYTHONPATH=... python independent_rcpsp.py FILE [time_limit]`` -> status, makespan, bound
"""

import sys
from pathlib import Path

from ortools.sat.python import cp_model

from planner.core.family import get_family
from planner.core.specs import read_file, split_spec

path, sel = split_spec(sys.argv[1])
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
inst = read_file(get_family("rcpsp"), Path(path), sel)[0]
n, dur = inst.num_jobs, inst.durations
H = (
    max(inst.release, default=0)
    + sum(dur)
    + sum(max(0, p.lag or 0) for p in inst.precedences)
    + max((w.end for w in inst.downtimes), default=0)
)
m = cp_model.CpModel()
s = [m.new_int_var(inst.release[j], H, f"s{j}") for j in range(n)]
iv = [m.new_fixed_size_interval_var(s[j], dur[j], f"i{j}") for j in range(n)]
for j in range(n):
    if inst.deadline[j] is not None:
        m.add(s[j] + dur[j] <= inst.deadline[j])
for p in inst.precedences:
    m.add(s[p.succ] >= s[p.pred] + (dur[p.pred] if p.lag is None else p.lag))
for a, b in inst.disjunctive:
    if dur[a] and dur[b]:
        m.add_no_overlap([iv[a], iv[b]])
for r in range(inst.num_resources):
    cap = inst.capacities[r]
    ivs = [iv[j] for j in range(n) if inst.demands[j][r] and dur[j]]
    dem = [inst.demands[j][r] for j in range(n) if inst.demands[j][r] and dur[j]]
    for k, w in enumerate(inst.downtimes):
        if w.resource == r and w.end > w.start and cap - w.capacity > 0:
            ivs.append(m.new_interval_var(w.start, w.end - w.start, w.end, f"dt{r}_{k}"))
            dem.append(cap - w.capacity)
    if ivs:
        m.add_cumulative(ivs, dem, cap)
mk = m.new_int_var(0, H + max(dur, default=0), "makespan")
m.add_max_equality(mk, [s[j] + dur[j] for j in range(n)] or [0])
m.minimize(mk)
solver = cp_model.CpSolver()
solver.parameters.max_time_in_seconds = limit
solver.parameters.num_workers = 1
st = solver.solve(m)
print(
    Path(sys.argv[1]).name,
    solver.status_name(st),
    solver.objective_value if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
    solver.best_objective_bound if st != cp_model.INFEASIBLE else None,
    f"{solver.wall_time:.2f} s",
)
