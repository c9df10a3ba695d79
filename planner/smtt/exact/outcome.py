"""What an exact SMTT algorithm returns, and how a search says its time is up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExactOutcome:
    """Result of an exact single-machine tardiness algorithm.

    Attributes
    ----------
    order
        Best sequence found (0-based job indices in input order), or ``None``.
    objective
        Total (weighted) tardiness of ``order``.
    bound
        Proven lower bound on the optimum.
    optimal
        True when ``order`` is proven optimal (then ``bound == objective``).
    stats
        Counters: nodes, memo hits, decompositions, ...
    """

    order: list[int] | None
    objective: int | None
    bound: int
    optimal: bool
    stats: dict[str, Any] = field(default_factory=dict)


class TimeUp(Exception):
    """Raised inside a search when its deadline has passed."""
