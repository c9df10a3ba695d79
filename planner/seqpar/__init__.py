"""Sequence-parallel group assignment for variable-length batches (FlexSP, ASPLOS'25).

Each training step, assign the batch's sequences to micro-batches and, within
each, to sequence-parallel groups of power-of-two degrees, minimizing the
modeled step time; certified by a relaxation valid over every micro-batch
split.

>>> from planner.seqpar import assign
>>> plan = assign([120_000, 3_000, 800, 800, 500], 16, "flexsp-7b", time_limit=1)  # doctest: +SKIP
>>> [(g.degree, g.sequences) for g in plan.microbatches[0]]                       # doctest: +SKIP
"""

from planner.core.family import Family, register
from planner.seqpar.api import Assignment, assign, make_instance, plan_run
from planner.seqpar.bounds import lower_bound
from planner.seqpar.cli import gen, plan_app
from planner.seqpar.costmodel import Cluster, CostModel
from planner.seqpar.evaluate import evaluate, verify
from planner.seqpar.generate import read_lengths, sample, synthetic
from planner.seqpar.instance import Group, Instance, Solution
from planner.seqpar.methods import METHODS
from planner.seqpar.plot import plot
from planner.seqpar.plugin import plugin_solution, plugin_view, size
from planner.seqpar.presets import PRESETS, get_preset
from planner.seqpar.readers import read
from planner.seqpar.warmup import warmup

FAMILY = register(
    Family(
        name="seqpar",
        title="sequence-parallel group assignment for variable-length batches (FlexSP)",
        instance_type=Instance,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=Solution.from_dict,
        methods=METHODS,
        extensions=(".json", ".jsonl"),
        plot=plot,
        gen_command=gen,
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        size=size,
        size_label="sequences",
        commands={"plan": plan_app},
        warmup=warmup,
    )
)

__all__ = [
    "FAMILY",
    "PRESETS",
    "Assignment",
    "Cluster",
    "CostModel",
    "Group",
    "Instance",
    "Solution",
    "assign",
    "evaluate",
    "get_preset",
    "lower_bound",
    "make_instance",
    "plan_run",
    "read",
    "read_lengths",
    "sample",
    "synthetic",
    "verify",
]
