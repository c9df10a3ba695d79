"""Probe: deterministic time for CP-SAT (1 thread) to prove ``makespan <= best_ub - 1``
infeasible on PSPLIB j60 instances, under CP-SAT parameter variants.

usage: probe.py MODE DTIME OUT.csv INSTANCE...
  MODE dec: the model with horizon best_ub - 1 (as bench/session_runs/s21rcpsp/probe.py);
       opt: horizon best_ub, hinted with a schedule of makespan best_ub (found first by a short
            CP-SAT run, not counted), i.e. what auto's main exact stage faces with the optimum
            in hand.
Extra CP-SAT parameters as JSON in $PROBE_PARAMS (enum values by name), on top of
``linearization_level 0`` (auto's EXACT_PARAMS). The reference is used only to pick the
question asked; the solver never sees it as a bound.
"""

import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

from planner.core import cpsat as cps
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.model import ModelOptions, build
from planner.rcpsp.network import distances
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")
EXTRA = json.loads(os.environ.get("PROBE_PARAMS", "{}"))
OPTIONS = os.environ.get("PROBE_OPTIONS") or None
DOMINANCE = os.environ.get("PROBE_DOMINANCE") == "1"


def _semi_active(inst, model, dist, T):
    """Left-shift dominance (PSPLIB-style instances only: no downtime, minimum lags): a schedule
    ending by T can be left-shifted job by job into one where every job starts at its release,
    at ``start_i + lag`` of an arc into it, or at the end of some other job (the job whose end
    frees the capacity that blocked a shift by one unit). Adds, per job, the disjunction."""
    import numpy as np

    from planner.rcpsp.network import tightened_windows

    assert not inst.downtimes
    w = tightened_windows(inst, dist, T)
    es, ls = w.es, w.ls
    dur = inst.durations
    lagged = {}
    for i, j, lag in inst.arcs:
        lagged.setdefault(j, set()).add((i, lag))
    m = model.cp
    s = model.starts
    count = 0
    for j in range(inst.num_jobs):
        if dur[j] == 0 or es[j] == ls[j]:
            continue
        options = set()
        for i, lag in lagged.get(j, ()):
            options.add((i, lag))
        for i in range(inst.num_jobs):
            if i == j or dur[i] == 0 or np.isfinite(dist[j, i]):
                continue
            if es[i] + dur[i] <= ls[j] and ls[i] + dur[i] >= es[j]:
                options.add((i, dur[i]))
        lits = []
        if es[j] <= inst.release[j]:
            b = m.new_bool_var(f"rel{j}")
            m.add(s[j] == inst.release[j]).only_enforce_if(b)
            lits.append(b)
        for i, lag in options:
            b = m.new_bool_var(f"at{j}_{i}_{lag}")
            m.add(s[j] == s[i] + int(lag)).only_enforce_if(b)
            lits.append(b)
        m.add_bool_or(lits)
        count += len(lits)
    return count


def _enum_values(params):
    from ortools.sat.python import cp_model_helper

    return {
        k: getattr(cp_model_helper.SatParameters, v) if isinstance(v, str) else v
        for k, v in params.items()
    }


def _schedule_at(inst, dist, ub):
    """A schedule of makespan <= ub (for the opt mode's hint)."""
    model = build(inst, dist, upper=ub, lower=lower_bound(inst))
    solver = cps.make_solver(
        time_limit=120, threads=1, seed=0, params={"stop_after_first_solution": True}
    )
    out = cps.run(model.cp, solver, report=False)
    assert out.has_solution, "no schedule at best_ub"
    return [solver.value(s) for s in model.starts]


def main() -> None:
    mode, limit, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    names = sys.argv[4:]
    with open(DATA / "bounds.csv") as f:
        ref = {r["instance"]: r for r in csv.DictReader(f)}
    rows = []
    for name in names:
        inst = read(DATA / name[:3] / f"{name}.sm")[0]  # j30 / j60 by the name
        ub = int(ref[name]["best_ub"])
        dist = distances(inst)
        lb = lower_bound(inst)
        opts = ModelOptions.parse(OPTIONS)
        if mode == "opt":
            start = _schedule_at(inst, dist, ub)
            model = build(inst, dist, options=opts, upper=ub, lower=lb)
            model.hint(start, inst.durations)
        else:
            model = build(inst, dist, options=opts, upper=ub - 1, lower=lb)
            if DOMINANCE:
                print(
                    name, "dominance literals", _semi_active(inst, model, dist, ub - 1), flush=True
                )
        c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        t0 = time.perf_counter()
        solver = cps.make_solver(
            time_limit=100 * limit,
            threads=1,
            seed=0,
            params=_enum_values(
                {"linearization_level": 0, "max_deterministic_time": limit, **EXTRA}
            ),
        )
        outc = cps.run(model.cp, solver, report=False)
        wall = time.perf_counter() - t0
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
        proved = str(outc.status) in (
            "Status.INFEASIBLE",
            "Status.OPTIMAL",
            "INFEASIBLE",
            "OPTIMAL",
        )
        if mode == "opt" and outc.has_solution and solver.objective_value < ub:
            proved = "BETTER THAN best_ub?"
        row = dict(
            instance=name,
            mode=mode,
            target=ub - 1,
            params=json.dumps(EXTRA),
            options=(OPTIONS or "") + (" dominance" if DOMINANCE else ""),
            status=str(outc.status),
            proved=proved,
            wall_s=round(wall, 2),
            cpu_s=round(cpu, 2),
            dtime=round(solver.deterministic_time, 2),
            load=os.getloadavg()[0],
        )
        print(row, flush=True)
        rows.append(row)
        with open(out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
