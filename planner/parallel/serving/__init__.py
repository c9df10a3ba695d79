"""Serving plans: replicas (GPU type, TP/PP/EP, role) meeting TTFT/TPOT SLOs at minimum cost.

Modules: :mod:`~.traffic` (rates, lengths, traces), :mod:`~.slo`,
:mod:`~.step` (roofline iteration times and memory of a replica),
:mod:`~.queueing` and :mod:`~.capacity` (batching + queueing model, capacity
per replica), :mod:`~.candidates` (layouts), :mod:`~.mip` (replica MIP),
:mod:`~.heuristics` (greedy), :mod:`~.evaluate` (objective, independent
``verify``), :mod:`~.bounds`, :mod:`~.explain`, :mod:`~.api`
(:func:`plan_serving`), :mod:`~.report` and :mod:`~.cli` (``planner plan serve``).
"""

from planner.parallel.serving.api import SERVING_FAMILY, make_problem, plan_serving, solve_serving
from planner.parallel.serving.bounds import lower_bound
from planner.parallel.serving.evaluate import evaluate, plan_metrics, verify
from planner.parallel.serving.instance import (
    ReplicaGroup,
    ServingConstraints,
    ServingPlan,
    ServingProblem,
)
from planner.parallel.serving.methods import SERVING_METHODS
from planner.parallel.serving.readers import is_serving, read
from planner.parallel.serving.slo import SLO
from planner.parallel.serving.traffic import LengthDist, Traffic, parse_lengths, read_trace

__all__ = [
    "SERVING_FAMILY",
    "SERVING_METHODS",
    "SLO",
    "LengthDist",
    "ReplicaGroup",
    "ServingConstraints",
    "ServingPlan",
    "ServingProblem",
    "Traffic",
    "evaluate",
    "is_serving",
    "lower_bound",
    "make_problem",
    "parse_lengths",
    "plan_metrics",
    "plan_serving",
    "read",
    "read_trace",
    "solve_serving",
    "verify",
]
