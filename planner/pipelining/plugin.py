"""What an outside pipelining heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called with the instance as plain data (its JSON format) and
returns a modulo schedule: ``{"ii": int, "start": {op id: time}, "warp": {op
id: warp group}}`` (``Solution.to_dict()``; a ``length`` it gives is ignored:
it is recomputed from the start times), or a :class:`~planner.pipelining.instance.Solution`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.pipelining.evaluate import schedule_length
from planner.pipelining.instance import Instance, Solution


def plugin_view(instance: Instance) -> dict[str, Any]:
    """``instance.to_dict()``: the JSON format, plain dicts and lists.

    Keys: ``name``, ``cycles_per_unit``, ``machine`` (functional units with
    capacities, warp groups, register / shared-memory / tensor-memory budgets),
    ``ops`` (``id``, ``unit``, ``latency``, reservation table, resource use),
    ``edges`` (``src``, ``dst``, ``latency``, iteration ``distance``), and
    optionally ``horizon``, ``max_ii`` and the source's notes.
    """
    return instance.to_dict()


def plugin_solution(instance: Instance, answer: Any) -> Solution:
    """A schedule ``{"ii", "start", "warp"}`` as a :class:`Solution`.

    Raises
    ------
    TypeError, ValueError
        When ``answer`` does not have that shape (``verify`` checks the rest).
    """
    if isinstance(answer, Solution):
        return answer
    if not isinstance(answer, Mapping):
        raise TypeError('expected a schedule {"ii": ..., "start": {...}, "warp": {...}}')
    solution = Solution.from_dict({**answer, "length": None})
    ops = [op.id for op in instance.ops]
    if all(isinstance(solution.start.get(op), int) for op in ops):  # else verify says what
        solution.length = schedule_length(instance, solution.start)
    return solution


def size(instance: Instance) -> int:
    """Ops in the loop body (the x axis of benchmark plots)."""
    return len(instance.ops)
