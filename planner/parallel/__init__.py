"""Deployment planner: TP/PP/DP/CP/EP plan selection for training and serving.

Shared building blocks (used by the training planner and the serving planner):

* :mod:`planner.perfmodel.model_spec` — :class:`ModelSpec` from Hugging Face ``config.json``;
* :mod:`planner.perfmodel.hardware` — :class:`GpuSpec`, :class:`ClusterSpec`, :func:`parse_cluster`;
* :mod:`planner.perfmodel.precision` — bf16 / fp8 / fp4;
* :mod:`planner.perfmodel.memory` — model states, activations, KV cache;
* :mod:`planner.perfmodel` — hardware, models, collectives, kernels, memory, stage costs.

Training planner (the family's ``Instance`` is :class:`TrainingProblem`, its
``Solution`` a :class:`TrainingPlan`):

>>> from planner.parallel import plan_training
>>> res = plan_training("gpt-1t", "3072xA100", global_batch=3072, seq_len=2048)  # doctest: +SKIP
>>> res.status, res.solution.short()                                              # doctest: +SKIP
"""

from planner.core.family import Family, register
from planner.parallel.api import plan_training, training_problem
from planner.parallel.bounds import lower_bound
from planner.parallel.cli import gen, plan_app
from planner.parallel.evaluate import evaluate, verify
from planner.parallel.generate import generate
from planner.parallel.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.parallel.methods import METHODS
from planner.parallel.plot import plot
from planner.parallel.readers import read
from planner.parallel.serving import ServingPlan, ServingProblem, plan_serving
from planner.parallel.serving.family import with_serving
from planner.parallel.step_time import Estimate, estimate
from planner.perfmodel.hardware import ClusterSpec, GpuSpec, Pool, get_gpu, parse_cluster
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.precision import Precision, get_precision
from planner.perfmodel.readers import from_hf_config, load_model

FAMILY = register(
    Family(
        name="parallel",
        title="TP/PP/DP/CP/EP training-plan selection (plan train / plan serve)",
        instance_type=TrainingProblem,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=TrainingPlan.from_dict,
        methods=METHODS,
        extensions=(".toml", ".json", ".jsonl"),
        suites={},
        plot=plot,
        gen_command=gen,
        commands={"plan": plan_app},
    )
)
# Serving problems share the family: dispatch on the instance type, add `plan serve`.
FAMILY = register(with_serving(FAMILY))

__all__ = [
    "FAMILY",
    "ClusterSpec",
    "Constraints",
    "Estimate",
    "GpuSpec",
    "ModelSpec",
    "Pool",
    "Precision",
    "ServingPlan",
    "ServingProblem",
    "TrainingPlan",
    "TrainingProblem",
    "Workload",
    "estimate",
    "evaluate",
    "from_hf_config",
    "generate",
    "get_gpu",
    "get_precision",
    "load_model",
    "lower_bound",
    "parse_cluster",
    "plan_serving",
    "plan_training",
    "read",
    "training_problem",
    "verify",
]
