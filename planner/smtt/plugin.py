"""What an outside SMTT heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called as ``func(view)`` with :func:`plugin_view`'s plain data and
returns a job order; :func:`plugin_solution` turns it into a :class:`Solution`.
This is a stable contract: a plugin needs numpy at most, never planner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from planner.smtt.instance import Instance, Solution


def plugin_view(instance: Instance) -> SimpleNamespace:
    """The instance as plain data.

    Attributes of the returned namespace
    ------------------------------------
    name : str
        Instance name.
    n : int
        Number of jobs; jobs are ``0 .. n-1`` in input order.
    p, d : numpy.ndarray of int64, shape (n,)
        Processing times and due dates (due dates may be negative).
    w : numpy.ndarray of int64, shape (n,), or None
        Weights (``None`` for the unweighted problem 1||ΣTj).
    weighted : bool
        ``w is not None``.
    """
    p, d, w = instance.arrays
    return SimpleNamespace(
        name=instance.name,
        n=instance.n,
        p=p.copy(),
        d=d.copy(),
        w=w.copy() if instance.weighted else None,
        weighted=instance.weighted,
    )


def plugin_solution(instance: Instance, answer: Any) -> Solution:
    """A job order (a sequence of the ``n`` job indices, in processing order) as a Solution.

    Lists, tuples and 1-D integer numpy arrays are accepted, and
    ``{"order": [...]}`` (``Solution.to_dict()``). Whether it is a permutation
    is left to ``verify`` (a wrong order is an infeasible answer).

    Raises
    ------
    TypeError
        When ``answer`` is not a flat sequence of integers.
    """
    if isinstance(answer, Solution):
        return answer
    if isinstance(answer, Mapping) and "order" in answer:  # Solution.to_dict()
        answer = answer["order"]
    if isinstance(answer, np.ndarray):
        if answer.ndim != 1 or not np.issubdtype(answer.dtype, np.integer):
            raise TypeError("expected a job order: a 1-D sequence of job indices 0..n-1")
        return Solution(answer.tolist())
    if isinstance(answer, (str, bytes)) or not isinstance(answer, Sequence):
        raise TypeError("expected a job order: a sequence of job indices 0..n-1")
    order = []
    for j in answer:
        if isinstance(j, (bool, np.bool_)) or not isinstance(j, (int, np.integer)):
            raise TypeError(
                f"expected a job order of integers, found {type(j).__name__} {j!r} in it"
            )
        order.append(int(j))
    return Solution(order)


def size(instance: Instance) -> int:
    """Number of jobs (the x axis of benchmark plots)."""
    return instance.n
