"""Single-machine total (weighted) tardiness: 1||ΣTj and 1||ΣwjTj.

>>> from planner.smtt import Instance
>>> import planner
>>> inst = Instance("tiny", p=[3, 2, 4], d=[4, 2, 9])
>>> planner.solve(inst, "exact", time_limit=5).objective
1.0
"""

from pathlib import Path

from planner.core.family import Family, register
from planner.core.result import Result
from planner.smtt.bounds import lower_bound
from planner.smtt.cli import gen
from planner.smtt.evaluate import evaluate, verify
from planner.smtt.generate import generate
from planner.smtt.instance import Instance, Solution
from planner.smtt.methods import METHODS
from planner.smtt.plugin import plugin_solution, plugin_view, size
from planner.smtt.readers import read, reference
from planner.smtt.warmup import warmup


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Gantt chart of ``result``'s order (see :mod:`planner.smtt.plot`); matplotlib loads on first use."""
    from planner.smtt.plot import plot as draw

    return draw(instance, result, path)


FAMILY = register(
    Family(
        name="smtt",
        title="single-machine total (weighted) tardiness, 1||ΣTj and 1||ΣwjTj",
        instance_type=Instance,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=Solution.from_dict,
        methods=METHODS,
        extensions=(".json", ".jsonl", ".txt"),
        suites={
            "llm-n20": ["smtt/llm_paper_n20.jsonl"],
            "tkindt-n100": ["smtt/tkindt_n100.jsonl"],
            "tkindt-n200": ["smtt/tkindt_n200.jsonl"],
            "tkindt-n500": ["smtt/tkindt_n500.jsonl"],
            "orlib-wt40": ["smtt/orlib/wt40.txt"],
            "orlib-wt50": ["smtt/orlib/wt50.txt"],
            "orlib-wt100": ["smtt/orlib/wt100.txt"],
        },
        reference=reference,
        plot=plot,
        gen_command=gen,
        warmup=warmup,
        integer_objective=True,
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        size=size,
        size_label="jobs",
    )
)

__all__ = [
    "FAMILY",
    "Instance",
    "Solution",
    "evaluate",
    "generate",
    "lower_bound",
    "read",
    "reference",
    "verify",
]
