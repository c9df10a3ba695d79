"""What an outside training-plan heuristic sees and returns (``--heuristic FILE.py:FUNC``).

The plugin is called as ``func(view)`` with the problem as plain JSON data (the
layout of the family's problem files, see :mod:`planner.train.readers`) and
returns a layout: a dict with the fields of :meth:`TrainingPlan.to_dict`
(``tp``, ``pp``, ``dp`` required; ``cp``, ``ep``, ``microbatch``,
``interleave``, ``recompute``, ``zero``, ``sequence_parallel``,
``stage_layers``, ``stage_pools`` optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.train.instance import TrainingPlan, TrainingProblem


def plugin_view(problem: TrainingProblem) -> dict[str, Any]:
    """``problem.to_dict()``: ``name``, ``model`` (architecture fields), ``cluster`` (GPU
    pools), ``workload`` (``global_batch``, ``seq_len``, ``precision``), ``constraints``,
    ``meta``."""
    return problem.to_dict()


def plugin_solution(problem: TrainingProblem, answer: Any) -> TrainingPlan:
    """A layout dict as a :class:`TrainingPlan` (a ``TrainingPlan`` passes through).

    Raises
    ------
    TypeError, ValueError
        When ``answer`` is not a layout dict (unknown or missing fields).
    """
    if isinstance(answer, TrainingPlan):
        return answer
    if not isinstance(answer, Mapping):
        raise TypeError("expected a layout: a dict with tp, pp, dp, ... (TrainingPlan.to_dict)")
    return TrainingPlan.from_dict(answer)


def size(problem: TrainingProblem) -> int:
    """GPUs in the cluster (the x axis of benchmark plots)."""
    return problem.cluster.total_gpus
