"""Optimal software pipelining and warp specialization of GPU loops (Twill's problem).

A loop body of tile-level ops (TMA loads, tensor-core GEMMs, softmax on the
SFU and ALUs, ...) is modulo-scheduled on one SM: one iteration starts every
``ii`` time units, each op gets a start time and a warp group. The objective
is lexicographic, ``ii`` first, then the schedule length.

>>> import planner.pipelining as pl
>>> r = pl.schedule("fa3_fwd_hopper", time_limit=20)   # doctest: +SKIP
>>> r.solution.ii, r.status                              # doctest: +SKIP
(96, <Status.OPTIMAL: 'OPTIMAL'>)
"""

from planner.core.family import Family, register
from planner.pipelining.bounds import lower_bound
from planner.pipelining.cli import gen, plan_app
from planner.pipelining.evaluate import decode, encode, evaluate, verify
from planner.pipelining.generate import generate
from planner.pipelining.instance import Edge, Instance, Machine, Op, Reservation, Solution
from planner.pipelining.methods import METHODS
from planner.pipelining.plot import plot
from planner.pipelining.plugin import plugin_solution, plugin_view, size
from planner.pipelining.readers import read
from planner.pipelining.schedule import load_kernel, schedule
from planner.pipelining.warmup import warmup

FAMILY = register(
    Family(
        name="pipelining",
        title="software pipelining + warp specialization of GPU loops (Twill), lexicographic (ii, length)",
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
        size_label="ops",
        commands={"plan": plan_app},
        warmup=warmup,
    )
)

__all__ = [
    "FAMILY",
    "Edge",
    "Instance",
    "Machine",
    "Op",
    "Reservation",
    "Solution",
    "decode",
    "encode",
    "evaluate",
    "generate",
    "load_kernel",
    "lower_bound",
    "read",
    "schedule",
    "verify",
]
