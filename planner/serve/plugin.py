"""What an outside serving-plan heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called as ``func(view)`` with the problem as plain JSON data (the
layout of the family's problem files, see :mod:`planner.serve.readers`) and
returns a layout: ``{"replicas": [...]}`` with the groups of
:meth:`ServingPlan.to_dict` (or the bare list of groups).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from planner.serve.instance import ServingPlan, ServingProblem


def plugin_view(problem: ServingProblem) -> dict[str, Any]:
    """``problem.to_dict()``: ``name``, ``model``, ``inventory`` (GPU pools with prices),
    ``traffic``, ``slo``, ``precision``, ``kv_precision``, ``constraints``, ``meta``."""
    return problem.to_dict()


def plugin_solution(problem: ServingProblem, answer: Any) -> ServingPlan:
    """A layout (``{"replicas": [...]}`` or a list of groups) as a :class:`ServingPlan`.

    Raises
    ------
    TypeError, ValueError
        When ``answer`` is not such a layout.
    """
    if isinstance(answer, ServingPlan):
        return answer
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (Mapping, Sequence)):
        raise TypeError("expected a layout: {'replicas': [...]} (ServingPlan.to_dict)")
    return ServingPlan.from_dict(answer if isinstance(answer, Mapping) else list(answer))


def size(problem: ServingProblem) -> int:
    """GPUs in the inventory (the x axis of benchmark plots)."""
    return problem.inventory.total_gpus
