"""The certificate every method returns: ``Result`` and ``Status``."""

from __future__ import annotations

import math
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


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Relative optimality gap of a minimization: ``(objective - bound) / max(|objective|, eps)``.

    Returns ``None`` when either side is missing, and 0 when both are equal
    (including the all-zero case).
    """
    if objective is None or bound is None:
        return None
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    diff = objective - bound
    if abs(diff) <= GAP_EPS * max(1.0, abs(objective)):
        return 0.0
    return max(diff, 0.0) / max(abs(objective), GAP_EPS)


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
        (``None`` without a solution).
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
    """

    family: str
    instance: str
    method: str
    status: Status
    objective: float | None = None
    bound: float | None = None
    runtime_s: float = 0.0
    solution: Any = None
    verified: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

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
        """Serialize with a stable key order (the CLI's ``--json`` schema)."""
        solution = None
        if with_solution and self.solution is not None:
            solution = (
                self.solution.to_dict() if hasattr(self.solution, "to_dict") else self.solution
            )
        return {
            "family": self.family,
            "instance": self.instance,
            "method": self.method,
            "status": self.status.value,
            "objective": _plain(self.objective),
            "bound": _plain(self.bound),
            "gap": self.gap,
            "runtime_s": round(self.runtime_s, 6),
            "verified": self.verified,
            "reason": self.reason,
            "solution": solution,
            "stats": self.stats,
        }


def _plain(value: float | None) -> float | int | None:
    """Integers stay integers in JSON (objectives are often integral)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
