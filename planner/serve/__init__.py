"""The ``serve`` family: replicas (GPU type, TP/PP/EP, role) meeting TTFT/TPOT SLOs at minimum cost.

Modules: :mod:`~.traffic` (rates, lengths, traces), :mod:`~.slo`,
:mod:`~.queueing` and :mod:`~.capacity` (batching + queueing model on top of
the serving step of :mod:`planner.perfmodel.stage`, capacity per replica),
:mod:`~.candidates` (layouts), :mod:`~.mip` (replica MIP), :mod:`~.heuristics`
(greedy), :mod:`~.evaluate` (objective, independent ``verify``),
:mod:`~.bounds`, :mod:`~.explain`, :mod:`~.api` (:func:`plan`), :mod:`~.report`
and :mod:`~.cli` (``planner plan serve``).

>>> import planner.serve
>>> r = planner.serve.plan("llama-3.1-70b", "H100:16,A100:32", qps=10, prompt_tokens="exp:1024",
...                        output_tokens="exp:256", ttft="1s", tpot="50ms")  # doctest: +SKIP
>>> r.objective, r.solution.replicas                                       # doctest: +SKIP
"""

from planner.core.family import Family, register
from planner.perfmodel.calibration.fit import register_predictor
from planner.perfmodel.calibration.published import ServingRow
from planner.perfmodel.calibration.serving_public import PublicServingRow
from planner.serve import calibration
from planner.serve.api import make_problem, plan, solve
from planner.serve.bounds import lower_bound
from planner.serve.cli import plan_app
from planner.serve.evaluate import evaluate, plan_metrics, verify
from planner.serve.instance import (
    ReplicaGroup,
    ServingConstraints,
    ServingPlan,
    ServingProblem,
)
from planner.serve.methods import METHODS
from planner.serve.plugin import plugin_solution, plugin_view, size
from planner.serve.queueing import warmup
from planner.serve.readers import companions, read
from planner.serve.slo import SLO
from planner.serve.sweep import sweep
from planner.serve.traffic import LengthDist, Traffic, parse_lengths, read_trace

register_predictor(ServingRow, calibration.predict)
register_predictor(PublicServingRow, calibration.predict_public_fit)

FAMILY = register(
    Family(
        name="serve",
        title="serving replicas (GPU type, TP/PP/EP, role) under TTFT/TPOT SLOs at least $/hour",
        instance_type=ServingProblem,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=ServingPlan.from_dict,
        methods=METHODS,
        extensions=(".toml", ".json", ".jsonl"),
        commands={"plan": plan_app},
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        size=size,
        size_label="GPUs",
        companions=companions,
        warmup=warmup,
    )
)

__all__ = [
    "FAMILY",
    "METHODS",
    "SLO",
    "LengthDist",
    "ReplicaGroup",
    "ServingConstraints",
    "ServingPlan",
    "ServingProblem",
    "Traffic",
    "evaluate",
    "lower_bound",
    "make_problem",
    "parse_lengths",
    "plan",
    "plan_metrics",
    "read",
    "read_trace",
    "solve",
    "sweep",
    "verify",
]
