"""Small MIP helpers for HiGHS, used directly (highspy) or through PuLP.

highspy is preferred where a method needs a MIP start or the proven dual
bound; PuLP models are solved through :func:`pulp_solver` and read back with
:func:`pulp_outcome`, which takes the bound from PuLP's underlying highspy
object.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from planner.core import progress
from planner.core.highs_scheduler import highs_threads
from planner.core.lp_bound import highs_lp_bound
from planner.core.result import Status

_MODEL_STATUS = {
    highspy.HighsModelStatus.kOptimal: Status.OPTIMAL,
    highspy.HighsModelStatus.kInfeasible: Status.INFEASIBLE,
}


@dataclass
class MipOutcome:
    """What a HiGHS run produced."""

    status: Status
    objective: float | None
    bound: float | None
    values: list[float] | None
    solver_status: str
    #: HiGHS's objective disagreed with its own solution's (status, objective and bound were
    #: then not trusted: see :func:`outcome`)
    inconsistent: bool = False

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


_BANNER_SHOWN = False

#: HiGHS's ``mip_feasibility_tolerance`` for every MIP here (each one's dual bound becomes a
#: certificate bound). At the default 1e-6 HiGHS 1.16 cut off the optimum of a tiny seqpar
#: relaxation MIP and called 20.197 ms optimal where a 20.113 ms plan satisfies every row,
#: so the bound exceeded the brute-force optimum; 1e-9 closed it on every seed tried
#: (bench/session_runs/s13tol/ counts the other families' MIPs at both values).
MIP_FEASIBILITY_TOLERANCE = 1e-9
#: Relative difference between HiGHS's objective and its solution's cost above which
#: :func:`outcome` distrusts the run (rounding alone stays far below).
OBJECTIVE_CHECK_REL = 1e-7


def _highs() -> highspy.Highs:
    """A ``Highs`` object; the first one of the process is built with fd 1 silenced.

    HiGHS prints its copyright banner straight to file descriptor 1 when the
    first instance of a process is created, before any option can turn output
    off; that would corrupt a library user's stdout (and ``--json``).
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    _BANNER_SHOWN = True
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


def new_highs(
    *, time_limit: float, threads: int = 1, seed: int = 0, log: bool = False
) -> highspy.Highs:
    """A silent ``Highs`` instance with a time limit, thread count, seed and
    :data:`MIP_FEASIBILITY_TOLERANCE`.

    HiGHS's ``threads`` option is process-wide and fixed at the first solve;
    the MIP solver itself is single-threaded, so ``threads`` mainly caps LP
    parallelism.
    """
    h = _highs()
    h.setOptionValue("output_flag", bool(log))
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", highs_threads(threads))
    h.setOptionValue("mip_feasibility_tolerance", MIP_FEASIBILITY_TOLERANCE)
    if progress.active():  # live line on a terminal: report each improving MIP solution
        h.cbMipImprovingSolution.subscribe(report_improving_solution)
    return h


def report_improving_solution(event: Any) -> None:
    """HiGHS callback: pass the new incumbent and dual bound to :mod:`planner.core.progress`."""
    data = event.data_out
    bound = data.mip_dual_bound
    progress.report(
        objective=data.objective_function_value,
        bound=bound if math.isfinite(bound) else None,
        source="highs",
    )


def set_start(h: highspy.Highs, values: Sequence[float]) -> None:
    """Pass a complete MIP start (one value per column, in column order)."""
    sol = highspy.HighsSolution()
    sol.col_value = [float(v) for v in values]
    sol.value_valid = True
    h.setSolution(sol)


def run_checked(h: highspy.Highs, start: Sequence[float] | None = None) -> MipOutcome:
    """``h.run()`` (from the MIP ``start`` if given) and its :func:`outcome`; if HiGHS's
    objective disagrees with its own solution, once more with presolve off in the time left
    (the defect seen sat in presolve: without it HiGHS found the optimum)."""
    began = time.perf_counter()
    if start is not None:
        set_start(h, start)
    h.run()
    out = outcome(h)
    if not out.inconsistent:
        return out
    left = _time_limit(h) - (time.perf_counter() - began)
    if left < 0.05:
        return out
    h.setOptionValue("time_limit", left)
    h.setOptionValue("presolve", "off")
    h.clearSolver()
    if start is not None:
        set_start(h, start)
    h.run()
    again = outcome(h)
    return again if again.has_solution or not out.has_solution else out


def _time_limit(h: highspy.Highs) -> float:
    """``h``'s ``time_limit`` option in seconds."""
    limit = h.getOptionValue("time_limit")
    return float(limit[1] if isinstance(limit, tuple) else limit)  # (status, value) in 1.16


def _time_left(h: highspy.Highs) -> float:
    """What ``h``'s ``time_limit`` leaves after its last run (for work done on its answer)."""
    return max(0.01, _time_limit(h) - float(h.getRunTime()))


def outcome(h: highspy.Highs) -> MipOutcome:
    """Read status, objective, dual bound and column values after ``h.run()``."""
    model_status = h.getModelStatus()
    info = h.getInfo()
    feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    status = _MODEL_STATUS.get(model_status, Status.FEASIBLE if feasible else Status.UNKNOWN)
    if status is Status.OPTIMAL and not feasible:
        status = Status.UNKNOWN
    objective = info.objective_function_value if feasible else None
    bound = None
    if status is not Status.INFEASIBLE:
        is_mip = h.getLp().integrality_ and any(
            t != highspy.HighsVarType.kContinuous for t in h.getLp().integrality_
        )
        # a pure LP's bound is weak duality evaluated safely from its duals, not its objective
        # (which carries HiGHS's tolerances and can exceed the LP's value: core/lp_bound.py)
        if is_mip:
            raw = info.mip_dual_bound
        else:
            raw = highs_lp_bound(h, time_limit=_time_left(h)) if status is Status.OPTIMAL else None
        if raw is not None and math.isfinite(raw):
            bound = raw
    values = list(h.getSolution().col_value) if feasible else None
    solver_status = h.modelStatusToString(model_status)
    if values is not None and objective is not None:
        lp = h.getLp()
        terms = np.asarray(lp.col_cost_) * np.asarray(values)
        own = float(terms.sum()) + float(lp.offset_)
        scale = float(np.abs(terms).sum()) + abs(float(lp.offset_)) + 1.0  # cancelling terms
        if abs(own - objective) > OBJECTIVE_CHECK_REL * scale:
            # HiGHS 1.16 with presolve and a MIP start reported a tiny offload model
            # "Optimal" at 1104.95 with that dual bound while its solution costs 2482.3 and
            # the optimum is 2295.6 (bench/session_runs/s13tol/): neither its status nor its
            # bound can be trusted then; the solution stands, at its own cost
            return MipOutcome(
                Status.FEASIBLE, own, None, values, f"{solver_status} (inconsistent)", True
            )
    return MipOutcome(status, objective, bound, values, solver_status)


def pulp_solver(*, time_limit: float, threads: int = 1, seed: int = 0, log: bool = False) -> Any:
    """A PuLP HiGHS solver (in-process, via highspy) with limits and
    :data:`MIP_FEASIBILITY_TOLERANCE` set."""
    import pulp

    _highs()  # absorb the banner before PuLP creates its own Highs object
    return pulp.HiGHS(
        msg=log,
        timeLimit=max(0.01, float(time_limit)),
        threads=highs_threads(threads),  # PuLP builds a Highs too: the process's one count
        random_seed=int(seed),
        mip_feasibility_tolerance=MIP_FEASIBILITY_TOLERANCE,
    )


def pulp_outcome(prob: Any) -> MipOutcome:
    """Status, objective and dual bound of a PuLP problem just solved with :func:`pulp_solver`."""
    return outcome(prob.solverModel)
