"""The ``train`` family: TP/PP/DP/CP/EP training-plan selection (``planner plan train``).

The family's ``Instance`` is :class:`TrainingProblem`, its ``Solution`` a
:class:`TrainingPlan`; the step time and memory of a plan come from
:mod:`planner.perfmodel` (:mod:`~planner.train.step_time` assembles a plan's
stages). Homogeneous clusters are searched by :mod:`~planner.train.search`,
clusters of several GPU pools by :mod:`planner.train.hetero`.

>>> import planner.train
>>> res = planner.train.plan("gpt-1t", "3072xA100", global_batch=3072, seq_len=2048)  # doctest: +SKIP
>>> res.status, res.solution.short()                                                   # doctest: +SKIP

``planner.train.compare(a, b)`` (what ``planner plan compare`` prints) takes two plans'
``stats["summary"]``. The name is the function, not its module: import the module's other
names from it (``from planner.train.compare import explain``).
"""

from pathlib import Path

from planner.core.family import Family, register
from planner.core.result import Result
from planner.perfmodel.calibration.fit import register_best_plan, register_predictor
from planner.perfmodel.calibration.published import TrainingRow
from planner.train import calibration
from planner.train.api import make_problem, plan
from planner.train.bounds import lower_bound
from planner.train.cli import gen, plan_app

# the plan comparison of the Library tour: the function shadows its module's attribute here,
# so the module's other names are imported from planner.train.compare (sys.modules keeps it)
from planner.train.compare import compare
from planner.train.evaluate import evaluate, verify
from planner.train.generate import generate
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.methods import METHODS
from planner.train.plugin import plugin_solution, plugin_view, size
from planner.train.readers import companions, read
from planner.train.step_time import Estimate, estimate


def plot(problem: TrainingProblem, result: Result | TrainingPlan, path: str | Path) -> Path:
    """Pipeline timeline of a plan (:func:`planner.train.plot.plot`; matplotlib loads on use)."""
    from planner.train.plot import plot as draw

    return draw(problem, result, path)


register_predictor(TrainingRow, calibration.predict)
register_best_plan(TrainingRow, calibration.best_plan)

FAMILY = register(
    Family(
        name="train",
        title="training layouts: TP/PP/DP/CP/EP, microbatch, recompute, ZeRO, stage split",
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
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        size=size,
        size_label="GPUs",
        companions=companions,
    )
)

__all__ = [
    "FAMILY",
    "METHODS",
    "Constraints",
    "Estimate",
    "TrainingPlan",
    "TrainingProblem",
    "Workload",
    "compare",
    "estimate",
    "evaluate",
    "generate",
    "lower_bound",
    "make_problem",
    "plan",
    "plot",
    "read",
    "verify",
]
