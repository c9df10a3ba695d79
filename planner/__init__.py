"""planner: constraint-solver planning toolkit for AI infrastructure.

>>> import planner
>>> family = planner.get_family("smtt")            # doctest: +SKIP
>>> result = planner.solve(instance, time_limit=5)  # doctest: +SKIP
"""

from planner.core import (
    Deadline,
    Family,
    InputError,
    Method,
    Reference,
    Result,
    Status,
    certify,
    families,
    family_of,
    get_family,
    register,
    solve,
)

__version__ = "0.1.0"

__all__ = [
    "Deadline",
    "Family",
    "InputError",
    "Method",
    "Reference",
    "Result",
    "Status",
    "__version__",
    "certify",
    "families",
    "family_of",
    "get_family",
    "register",
    "solve",
]
