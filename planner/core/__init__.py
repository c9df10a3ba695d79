"""Shared machinery: the certificate, the family registry, solve(), I/O, solver helpers."""

from planner.core.errors import InputError, PlannerError
from planner.core.family import (
    Family,
    Method,
    Reference,
    families,
    family_of,
    get_family,
    register,
    warm_up,
)
from planner.core.result import Result, Status, relative_gap
from planner.core.solve import certify, solve
from planner.core.timing import Deadline

__all__ = [
    "Deadline",
    "Family",
    "InputError",
    "Method",
    "PlannerError",
    "Reference",
    "Result",
    "Status",
    "certify",
    "families",
    "family_of",
    "get_family",
    "register",
    "relative_gap",
    "solve",
    "warm_up",
]
