"""Small CP-SAT helpers: solver parameters, status mapping, hints."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from planner.core import progress
from planner.core.result import Status

_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.MODEL_INVALID: Status.UNKNOWN,
    cp_model.UNKNOWN: Status.UNKNOWN,
}


def make_solver(
    *,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
    log: bool = False,
    params: Mapping[str, Any] | None = None,
) -> cp_model.CpSolver:
    """A ``CpSolver`` with a time limit, worker count and seed set.

    Parameters
    ----------
    time_limit
        Seconds; clamped to a small positive value so a spent budget still
        lets CP-SAT load the model and return the hint.
    threads
        ``num_workers``. One worker runs a single sequential search.
    seed
        ``random_seed``.
    log
        Print the search log to stdout.
    params
        Extra ``SatParameters`` fields by name.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, float(time_limit))
    p.num_workers = max(1, int(threads))
    p.random_seed = int(seed)
    p.log_search_progress = log
    for key, value in (params or {}).items():
        setattr(p, key, value)
    return solver


def status_of(code: int) -> Status:
    """Map a CP-SAT status code to :class:`Status`."""
    return _STATUS.get(code, Status.UNKNOWN)


def add_hints(model: cp_model.CpModel, pairs: Iterable[tuple[Any, int]]) -> None:
    """Add ``(variable, value)`` hints, replacing earlier ones."""
    model.clear_hints()
    for var, value in pairs:
        model.add_hint(var, int(value))


@dataclass
class CpOutcome:
    """What a CP-SAT run produced."""

    status: Status
    objective: float | None
    bound: int | float | None  # an exact int for an integer objective (_exact_bound)
    solver: cp_model.CpSolver
    wall_time: float

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


class ProgressCallback(cp_model.CpSolverSolutionCallback):
    """Reports every improving CP-SAT solution (objective and bound) to :mod:`planner.core.progress`."""

    def on_solution_callback(self) -> None:
        progress.report(
            objective=self.objective_value, bound=self.best_objective_bound, source="cp-sat"
        )


def run(model: cp_model.CpModel, solver: cp_model.CpSolver, *, report: bool = True) -> CpOutcome:
    """Solve ``model`` and collect status, objective and proven bound.

    For a model without objective the bound is ``None``. With ``report`` (and
    a progress listener, e.g. the CLI on a terminal) each improving solution is
    reported live; pass ``report=False`` for sub-models whose numbers are not
    the problem's.
    """
    has_objective = _has_objective(model)
    if report and has_objective and progress.active():
        code = solver.solve(model, ProgressCallback())
    else:
        code = solver.solve(model)
    status = status_of(code)
    objective = bound = None
    if status in (Status.OPTIMAL, Status.FEASIBLE) and has_objective:
        objective = solver.objective_value
    if has_objective and status is not Status.INFEASIBLE and code != cp_model.MODEL_INVALID:
        bound = _exact_bound(model, solver)  # an invalid model proves nothing
    return CpOutcome(status, objective, bound, solver, solver.wall_time)


def _exact_bound(model: cp_model.CpModel, solver: cp_model.CpSolver) -> int | float:
    """CP-SAT's proven objective bound (the model has an objective), as an exact ``int`` for
    an integer objective.

    ``best_objective_bound`` is a double: past 2**53 it rounds, and can round *up* past the
    optimum (``minimize 2**55 x + 5`` reports 2**55 + 8 for the optimum 2**55 + 5; smtt
    with huge weights, s16audit). CP-SAT proves the bound on its integer inner objective;
    ``scaling * (inner + offset)`` with scaling +-1 and an integral offset is the exact value.
    Anything else (a floating-point objective) keeps the double.
    """
    bound = solver.best_objective_bound
    proto = model.proto
    floating = getattr(proto, "has_floating_point_objective", None)  # OR-Tools >= 9.12 proto
    if not math.isfinite(bound) or (
        floating() if floating is not None else proto.HasField("floating_point_objective")
    ):
        return bound
    objective = proto.objective
    scale = objective.scaling_factor or 1.0
    offset = objective.offset
    if scale not in (1.0, -1.0) or not float(offset).is_integer():
        return bound
    exact = int(scale) * (solver.response_proto.inner_objective_lower_bound + int(offset))
    if abs(exact - bound) > 1e-9 * max(1.0, abs(bound)):
        return bound  # not the bound the double describes (no bound known): keep CP-SAT's
    return exact


def integral_bound(bound: int | float) -> int:
    """A proven lower bound of an integer objective as an ``int``: an exact ``int`` as is, a
    double rounded up past solver noise (41.9999997 -> 42; ``ceil(x - 1e-6)`` on an int would
    go through a double again)."""
    if isinstance(bound, int):
        return bound
    return math.ceil(bound - 1e-6)


def _has_objective(model: cp_model.CpModel) -> bool:
    """Whether the model minimizes or maximizes something (protobuf or OR-Tools >= 9.12 proto)."""
    if hasattr(model, "has_objective"):
        return bool(model.has_objective())
    proto = model.proto
    return proto.HasField("objective") or proto.HasField("floating_point_objective")


def stats_of(outcome: CpOutcome) -> dict[str, Any]:
    """Solver counters worth keeping in ``Result.stats``."""
    s = outcome.solver
    return {
        "solver": "cp-sat",
        # status_name() without an argument breaks in OR-Tools 9.15: pass the status explicitly
        "solver_status": s.status_name(s.response_proto.status),
        "branches": s.num_branches,
        "conflicts": s.num_conflicts,
        "solver_wall_s": round(s.wall_time, 4),
    }
