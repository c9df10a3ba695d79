"""MoE expert offloading: which experts live on the GPU at each step (TIDE, D²MoE, exact).

>>> import planner
>>> from planner.offload import generate
>>> inst = generate("llada2-mini", steps=4, layers=1, seed=0)
>>> planner.solve(inst, "exact", time_limit=30).status.value
'OPTIMAL'
"""

from planner.core.family import Family, register
from planner.offload.bounds import lower_bound
from planner.offload.cli import gen
from planner.offload.evaluate import evaluate, summary, verify
from planner.offload.generate import generate
from planner.offload.instance import Hardware, Instance, Model, Solution
from planner.offload.methods import METHODS
from planner.offload.plot import plot
from planner.offload.plugin import drive_plugin, plugin_solution, plugin_view, size
from planner.offload.readers import companions, read, write

FAMILY = register(
    Family(
        name="offload",
        title="MoE expert offloading: GPU-resident experts per step (TIDE, caches, exact MIP)",
        instance_type=Instance,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=Solution.from_dict,
        methods=METHODS,
        extensions=(".json", ".jsonl", ".npy"),
        plot=plot,
        gen_command=gen,
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        plugin_driver=drive_plugin,
        size=size,
        size_label="steps",
        companions=companions,
    )
)

__all__ = [
    "FAMILY",
    "Hardware",
    "Instance",
    "Model",
    "Solution",
    "evaluate",
    "generate",
    "lower_bound",
    "read",
    "summary",
    "verify",
    "write",
]
