"""Shared checks of the s25cert certificate sweep: run one method, audit its certificate.

Every record says which checks failed; the brute-force optimum and the independent objective
and feasibility checks are supplied by the family's sweep script (written without planner code).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import planner
from planner.core.result import Status

TOL = 1e-6
SLACK_S = 0.5  # the brief: wall <= limit + 0.5 s


def close(a: float, b: float) -> bool:
    """Equal within a relative tolerance (exact for ints)."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def above(a: float, b: float) -> bool:
    """``a`` strictly above ``b`` beyond the tolerance."""
    return a > b and not close(a, b)


def audit(
    family_name: str,
    shape: str,
    inst: Any,
    method: str,
    *,
    time_limit: float,
    opt: float | str | None = "?",
    own_objective: Callable[[Any], float] | None = None,
    own_feasible: Callable[[Any], str] | None = None,
) -> dict[str, Any]:
    """Run ``method`` on ``inst`` and check its certificate.

    ``opt`` is the brute-force optimum, ``None`` when the brute force found no solution,
    ``"?"`` when no brute force ran. ``own_objective`` / ``own_feasible`` are the sweep's
    independent evaluator and checker (the latter returns "" when feasible).
    """
    fam = planner.get_family(family_name)
    meth = fam.methods[method]
    rec: dict[str, Any] = {
        "family": family_name,
        "shape": shape,
        "method": method,
        "instance": getattr(inst, "name", "?"),
        "fails": [],
    }
    fails = rec["fails"]
    t0 = time.perf_counter()
    try:
        r = planner.solve(inst, method, time_limit=time_limit, threads=1, seed=0)
    except Exception as exc:
        rec["fails"].append(f"crash: {type(exc).__name__}: {exc}"[:300])
        return rec
    wall = time.perf_counter() - t0
    warm = r.stats.get("warmup_s", 0.0)
    rec.update(
        status=str(r.status),
        objective=r.objective,
        bound=r.bound,
        wall=round(wall, 3),
        warm=warm,
        opt=opt,
    )
    for key in (
        "invalid_bound",
        "invalid_lower_bound",
        "objective_reported",
        "ignored_claim",
        "violations",
        "time_limit_exceeded_s",
    ):
        if key in r.stats:
            rec[key] = r.stats[key] if key != "violations" else r.stats[key][:3]
    if "invalid_bound" in r.stats or "invalid_lower_bound" in r.stats:
        fails.append("a bound above the verified objective (dropped by certify)")
    if "objective_reported" in r.stats:
        fails.append("reported objective differs from evaluate")
    if "violations" in r.stats:
        fails.append("method returned a solution verify rejects")
    if wall - warm > time_limit + SLACK_S:
        fails.append(f"time: wall {wall - warm:.2f} s > limit {time_limit} + {SLACK_S}")
    if (
        r.status is Status.OPTIMAL
        and not meth.proves_optimality
        and not close(r.bound, r.objective)
    ):
        fails.append("OPTIMAL from a method that cannot prove it, without a bound")
    if r.status in (Status.OPTIMAL, Status.FEASIBLE):
        if r.solution is None:
            fails.append("solution missing")
        else:
            v = fam.verify(inst, r.solution)
            if v:
                fails.append(f"verify: {v[0]}")
            e = fam.evaluate(inst, r.solution)
            if not close(e, r.objective):
                fails.append(f"evaluate {e} != objective {r.objective}")
            if own_feasible is not None:
                why = own_feasible(r.solution)
                if why:
                    fails.append(f"independent check: {why}")
            if own_objective is not None:
                mine = own_objective(r.solution)
                rec["own_objective"] = mine
                if not close(mine, r.objective):
                    fails.append(f"independent objective {mine} != {r.objective}")
        if r.bound is not None and above(r.bound, r.objective):
            fails.append("bound above objective")
    try:
        lb = fam.lower_bound(inst)
    except Exception as exc:
        lb = None
        fails.append(f"lower_bound crash: {exc}"[:200])
    rec["lower_bound"] = lb if lb is None or isinstance(lb, (int, float)) else float(lb)
    if opt != "?":
        if opt is None:
            if r.status in (Status.OPTIMAL, Status.FEASIBLE):
                fails.append("solution on an instance the brute force finds infeasible")
        else:
            if r.status is Status.INFEASIBLE:
                fails.append(f"INFEASIBLE but brute force found {opt}")
            if r.bound is not None and above(r.bound, opt):
                fails.append(f"bound {r.bound} above brute-force optimum {opt}")
            if lb is not None and math.isfinite(lb) and above(lb, opt):
                fails.append(f"lower_bound {lb} above brute-force optimum {opt}")
            if r.status is Status.OPTIMAL and not close(r.objective, opt):
                fails.append(f"OPTIMAL {r.objective} != brute-force optimum {opt}")
            if r.objective is not None and above(opt, r.objective):
                fails.append(f"objective {r.objective} below brute-force optimum {opt}")
    return rec


def emit(rec: dict[str, Any], out) -> None:
    """One JSON line per record; failures also to stderr."""
    out.write(json.dumps(rec, default=str) + "\n")
    out.flush()
    if rec["fails"]:
        print(
            f"FAIL {rec['family']} {rec['shape']} {rec['method']}: {rec['fails']}",
            file=sys.stderr,
            flush=True,
        )
