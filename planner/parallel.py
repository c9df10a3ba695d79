"""Deprecated alias of the former ``parallel`` family, split into :mod:`planner.train` and
:mod:`planner.serve` (and the shared :mod:`planner.perfmodel`). Importing it warns.
"""

import warnings

from planner.serve import ServingPlan, ServingProblem
from planner.serve import plan as plan_serving
from planner.train import TrainingPlan, TrainingProblem
from planner.train import plan as plan_training

warnings.warn(
    "planner.parallel is deprecated: use planner.train (plan_training -> planner.train.plan) "
    "and planner.serve (plan_serving -> planner.serve.plan)",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "ServingPlan",
    "ServingProblem",
    "TrainingPlan",
    "TrainingProblem",
    "plan_serving",
    "plan_training",
]
