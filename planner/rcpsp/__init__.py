"""Resource-constrained project scheduling (RCPSP) with time lags, windows, downtime and pairs.

Importing the package registers the family (``planner families`` lists it).

Modules
-------
``instance``     ``Instance`` (jobs, resources, lags, windows, downtime, pairs) and ``Solution``
``readers``      PSPLIB ``.sm``, RCPSP/max ``.SCH``, Patterson ``.rcp``, JSON; reference CSVs
``evaluate``     makespan and the independent ``verify``
``network``      longest paths over lags, time windows, downtime-forbidden starts
``bounds``       cheap ``lower_bound``; preemptive set-covering and energetic bounds
``feasibility``  quick infeasibility proofs with human reasons
``model``        the CP-SAT model with named, switchable strengthening
``delays``       fork/join minimum-delay sub-problems (a model switch)
``cpsat``        the exact method
``heuristics``   SGS kernels, priority rules, justification, GA, CP-SAT LNS
``auto``         the portfolio behind ``--method auto``
``methods``      every method function and the ``METHODS`` table
``generate``     R-ConstraintBench-style generator (synthetic, datacenter-migration)
``plot``         Gantt chart with resource profiles
``cli``          ``planner gen rcpsp``
``plugin``       what ``--heuristic`` plugins receive (plain data) and return (priorities, starts)
"""

from pathlib import Path

from planner.core.family import Family, register
from planner.core.result import Result
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.cli import gen_command
from planner.rcpsp.evaluate import evaluate, verify
from planner.rcpsp.instance import Downtime, Instance, Precedence, Solution
from planner.rcpsp.methods import METHODS
from planner.rcpsp.plugin import plugin_solution, plugin_view, size
from planner.rcpsp.readers import EXTENSIONS, read, reference
from planner.rcpsp.warmup import warm_sgs, warmup


def plot(instance: Instance, result: Result, path: str | Path) -> Path:
    """Gantt chart with resource profiles (see :mod:`planner.rcpsp.plot`); matplotlib loads on first use."""
    from planner.rcpsp.plot import plot as draw

    return draw(instance, result, path)


FAMILY = register(
    Family(
        name="rcpsp",
        title="Resource-constrained project scheduling (PSPLIB, RCPSP/max, downtime, windows)",
        instance_type=Instance,
        read=read,
        evaluate=evaluate,
        verify=verify,
        lower_bound=lower_bound,
        solution_from_dict=Solution.from_dict,
        methods=METHODS,
        extensions=EXTENSIONS,
        suites={
            "j30": ["psplib/j30"],
            "j60": ["psplib/j60"],
            "j120": ["psplib/j120"],
            "rcpsp-max-j10": ["rcpsp_max/sm_j10"],
            "rcpsp-max-j20": ["rcpsp_max/sm_j20"],
        },
        reference=reference,
        plot=plot,
        gen_command=gen_command,
        warmup=warmup,
        integer_objective=True,
        plugin_view=plugin_view,
        plugin_solution=plugin_solution,
        plugin_warmup=warm_sgs,  # a priority list is decoded by the compiled serial SGS
        size=size,
        size_label="jobs (activities)",
    )
)

__all__ = [
    "FAMILY",
    "METHODS",
    "Downtime",
    "Instance",
    "Precedence",
    "Solution",
    "evaluate",
    "lower_bound",
    "read",
    "verify",
]
