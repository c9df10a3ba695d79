"""What an outside RCPSP heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called as ``func(view)`` with :func:`plugin_view`'s plain data and
returns either a priority list (decoded by the serial schedule-generation
scheme) or start times; :func:`plugin_solution` turns it into a
:class:`Solution`. This is a stable contract: a plugin needs numpy at most.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from planner.core.errors import InfeasibleAnswer
from planner.rcpsp.instance import Instance, Solution


def plugin_view(instance: Instance) -> SimpleNamespace:
    """The instance as plain data.

    Attributes of the returned namespace
    ------------------------------------
    name : str
        Instance name.
    n, m : int
        Jobs (PSPLIB files include the dummy source ``0`` and sink ``n-1``) and
        renewable resources.
    durations : numpy.ndarray of int64, shape (n,)
    demands : numpy.ndarray of int64, shape (n, m)
    capacities : numpy.ndarray of int64, shape (m,)
        Base capacity of each resource.
    precedences : numpy.ndarray of int64, shape (k, 3)
        Rows ``(pred, succ, lag)``: ``start[succ] >= start[pred] + lag``
        (finish-to-start arcs have ``lag = durations[pred]``; RCPSP/max lags
        may be negative).
    successors : list of list of int
        Direct successors of every job (any precedence).
    release : numpy.ndarray of int64, shape (n,)
        Earliest starts (0 when none).
    deadline : numpy.ndarray of int64, shape (n,)
        Latest finish times, ``-1`` when none.
    downtimes : list of (resource, start, end, capacity)
        Capacity of ``resource`` is ``capacity`` on ``[start, end)``.
    disjunctive : list of (a, b)
        Jobs that must not overlap.
    horizon : int
        A time by which some optimal schedule has finished (if any exists).
    """
    n, m = instance.num_jobs, instance.num_resources
    arcs = np.asarray(instance.arcs, dtype=np.int64).reshape(-1, 3)
    return SimpleNamespace(
        name=instance.name,
        n=n,
        m=m,
        durations=np.asarray(instance.durations, dtype=np.int64),
        demands=np.asarray(instance.demands, dtype=np.int64).reshape(n, m),
        capacities=np.asarray(instance.capacities, dtype=np.int64),
        precedences=arcs,
        successors=[list(s) for s in instance.successors],
        release=np.asarray(instance.release or [0] * n, dtype=np.int64),
        deadline=np.asarray(
            [-1 if x is None else x for x in (instance.deadline or [None] * n)], dtype=np.int64
        ),
        downtimes=[(w.resource, w.start, w.end, w.capacity) for w in instance.downtimes],
        disjunctive=[tuple(pair) for pair in instance.disjunctive],
        horizon=int(instance.horizon),
    )


def plugin_solution(instance: Instance, answer: Any) -> Solution:
    """A priority list or start times as a Solution.

    * a sequence of the ``n`` job indices (list, tuple, 1-D integer array) or
      ``{"priority": [...]}``: a priority list. The serial schedule-generation
      scheme takes, at each step, the eligible job (all its ordering
      predecessors scheduled) that comes first in the list and starts it as
      early as precedences, resources, windows and downtime allow;
    * ``{"start": [...]}``: start times of the ``n`` jobs, used as given.

    Raises
    ------
    TypeError
        When ``answer`` has none of these forms or is not a permutation.
    InfeasibleAnswer
        When the serial scheme finds no feasible start for some job (a
        deadline or a maximal time lag is missed).
    """
    if isinstance(answer, Solution):
        return answer
    if isinstance(answer, Mapping):
        if "start" in answer:
            return Solution(_integers(answer["start"], "start times"))
        if "priority" in answer:
            return decode_priority(instance, _integers(answer["priority"], "priority list"))
        raise TypeError("expected a priority list, {'priority': [...]} or {'start': [...]}")
    return decode_priority(instance, _integers(answer, "priority list"))


def decode_priority(instance: Instance, priority: list[int]) -> Solution:
    """Serial SGS of a priority list (a permutation of the jobs)."""
    from planner.rcpsp.heuristics.data import SgsData
    from planner.rcpsp.heuristics.priority import activity_list
    from planner.rcpsp.heuristics.sgs import serial_sgs

    n = instance.num_jobs
    if sorted(priority) != list(range(n)):
        raise TypeError(f"a priority list must be a permutation of the {n} jobs 0..{n - 1}")
    rank = np.empty(n, dtype=np.float64)
    rank[np.asarray(priority, dtype=np.int64)] = np.arange(n)
    try:
        data = SgsData.of(instance)
    except ValueError as exc:  # a horizon too long for the time-indexed profiles
        raise InfeasibleAnswer(f"cannot decode a priority list here ({exc})") from None
    solution = serial_sgs(data, activity_list(data, rank))
    if solution is None:
        raise InfeasibleAnswer(
            "the serial schedule-generation scheme found no feasible start for some job "
            "(a deadline or a maximal time lag)"
        )
    return solution


def _integers(values: Any, what: str) -> list[int]:
    if isinstance(values, np.ndarray):
        if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
            raise TypeError(f"expected {what}: a 1-D sequence of integers")
        return values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"expected {what}: a sequence of integers")
    out = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"expected {what} of integers, found {type(v).__name__} {v!r}")
        out.append(int(v))
    return out


def size(instance: Instance) -> int:
    """Number of jobs (the x axis of benchmark plots)."""
    return instance.num_jobs
