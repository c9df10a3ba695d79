"""The certificate every method returns: ``Result`` and ``Status``."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

GAP_EPS = 1e-9


class Status(StrEnum):
    """Outcome of a solve.

    OPTIMAL and FEASIBLE carry a verified solution; INFEASIBLE means the
    instance was proven to have no solution (``Result.reason`` says why);
    UNKNOWN means neither a solution nor a proof was found in time.
    """

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return self.value


def relative_gap(objective: int | float | None, bound: int | float | None) -> float | None:
    """Relative optimality gap of a minimization: ``(objective - bound) / max(|objective|, eps)``.

    Returns ``None`` when either side is missing, and 0 when both are equal
    (including the all-zero case).
    """
    if objective is None or bound is None:
        return None
    try:
        if not (math.isfinite(objective) and math.isfinite(bound)):
            return None
    except OverflowError:  # ints beyond float range are finite
        pass
    diff = objective - bound  # exact for ints
    if abs(diff) <= GAP_EPS * max(1.0, abs(objective)):
        return 0.0
    return float(max(diff, 0) / max(abs(objective), GAP_EPS))


@dataclass
class Result:
    """Certificate of one method run on one instance.

    Attributes
    ----------
    family
        Family name, e.g. ``"smtt"``.
    instance
        Instance name.
    method
        Method name as registered in the family.
    status
        See :class:`Status`.
    objective
        Objective of ``solution`` recomputed by the family's ``evaluate``
        (``None`` without a solution); an exact ``int`` for families with
        ``integer_objective``.
    bound
        Proven lower bound on the optimum (minimization), or ``None``.
    runtime_s
        Wall-clock seconds of the run.
    solution
        The family's solution object (has ``to_dict()``), or ``None``.
    verified
        True when the family's independent ``verify`` accepted ``solution``.
    stats
        Method-specific counters (nodes, iterations, solver status, ...).
    reason
        Human-readable explanation, mandatory for INFEASIBLE.
    time_limit, threads, seed
        The run's settings (set by :func:`planner.solve`).
    """

    family: str
    instance: str
    method: str
    status: Status
    objective: int | float | None = None
    bound: int | float | None = None
    runtime_s: float = 0.0
    solution: Any = None
    verified: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    time_limit: float | None = None
    threads: int | None = None
    seed: int | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound (0 when proven optimal)."""
        if self.status is Status.OPTIMAL:
            return 0.0
        return relative_gap(self.objective, self.bound)

    @property
    def has_solution(self) -> bool:
        """True when a verified solution is attached."""
        return self.solution is not None and self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def to_dict(self, *, with_solution: bool = True) -> dict[str, Any]:
        """Serialize with a stable key order (the CLI's ``--json`` schema).

        The layout is described by ``planner/core/result.schema.json`` (and
        ``solution`` by the family's ``schema.json``); ``schema_version``
        names its version, and the run's settings and provenance (planner
        version, git commit, solver versions) close the object.
        """
        from planner.core.provenance import SCHEMA_VERSION, provenance

        solution = None
        if with_solution and self.solution is not None:
            solution = (
                self.solution.to_dict() if hasattr(self.solution, "to_dict") else self.solution
            )
        return {
            "schema_version": SCHEMA_VERSION,
            "family": self.family,
            "instance": self.instance,
            "method": self.method,
            "status": self.status.value,
            "objective": plain_number(self.objective),
            "bound": plain_number(self.bound),
            "gap": self.gap,
            "runtime_s": round(self.runtime_s, 6),
            "verified": self.verified,
            "reason": self.reason,
            "solution": solution,
            "stats": self.stats,
            "time_limit": self.time_limit,
            "threads": self.threads,
            "seed": self.seed,
            **provenance(),
        }


def plain_number(value: Any) -> float | int | None:
    """A number as JSON should carry it: integers (any size) stay exact ``int``.

    Integral floats below 2**53 become ``int`` too (objectives are often
    integral); larger floats stay floats, since their digits are not exact.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
