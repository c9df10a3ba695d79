"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs.

Each method declares what it needs (``Method.warmup``): one SGS pass needs the schedule and
list kernels, the sampling / GA / LNS searches also the justification and GA kernels, the
CP-SAT methods OR-Tools; :func:`warmup` loads everything (``planner warmup``, and ``auto``
except on small instances: :func:`auto_warmup`).
"""

from __future__ import annotations

from collections.abc import Callable

from planner.core.paths import instances_dir
from planner.rcpsp.generate import generate
from planner.rcpsp.instance import Instance
from planner.rcpsp.readers import read

#: A tight PSPLIB project: the GA cannot stop at its lower bound before every
#: operator (crossover, mutation, justification) has run.
_BUNDLED = "j3013_1.sm"


def _projects() -> list:
    """A generated project with downtime, windows and disjunctive pairs, and a PSPLIB one, so
    every kernel is compiled with production signatures."""
    projects = [
        generate(12, seed=1, p_downtime=1.0, p_window=0.5, p_disjunctive=0.5, name="warmup")
    ]
    bundled = instances_dir() / "rcpsp" / _BUNDLED
    if bundled.is_file():
        projects += read(bundled, None)
    return projects


_DONE: set[str] = set()  # warm-ups that ran in this process


def warm_sgs() -> None:
    """The serial and parallel SGS kernels and the activity-list kernels (once per process)."""
    if "sgs" in _DONE:
        return
    from planner.rcpsp.heuristics.data import SgsData
    from planner.rcpsp.heuristics.priority import activity_list, rule_values, sample_list
    from planner.rcpsp.heuristics.sgs import Decoder

    for instance in _projects():
        data = SgsData.of(instance)
        dec = Decoder(data)
        values = rule_values(data, "lft")
        dec.parallel(values)
        for order in (activity_list(data, values), sample_list(data, values, 0)):
            dec.serial(order)
    _DONE.add("sgs")


def warm_search() -> None:
    """The SGS kernels plus justification (FBI) and the GA's operators (once per process).

    The GA gets a schedule budget, not a time limit, so this costs only the loading (or first
    compilation) of the kernels. ``auto`` calls it when it reaches its GA stage on an instance
    whose warm-up left the kernels out (:func:`auto_warmup`).
    """
    if "search" in _DONE:
        return
    from planner.rcpsp.heuristics.data import SgsData
    from planner.rcpsp.heuristics.fbi import justify
    from planner.rcpsp.heuristics.ga import genetic_algorithm
    from planner.rcpsp.heuristics.priority import activity_list, rule_values, sample_list
    from planner.rcpsp.heuristics.sgs import Decoder

    warm_sgs()
    for instance in _projects():
        data = SgsData.of(instance)
        dec = Decoder(data)
        values = rule_values(data, "lft")
        for order in (activity_list(data, values), sample_list(data, values, 0)):
            ms = dec.serial(order)
            if ms >= 0:
                justify(dec, dec.start.copy(), ms)
        genetic_algorithm(data, time_limit=60.0, seed=0, max_schedules=1500)
    _DONE.add("search")


def warm_cpsat() -> None:
    """OR-Tools: nearly every exact path builds a CP-SAT model, and loading the library (0.3 s on
    a quiet machine, seconds under load) is start-up, not search time."""
    import ortools.sat.python.cp_model  # noqa: F401


def warm_cpsat_hint() -> None:
    """OR-Tools and the SGS kernels: ``cpsat`` builds its LFT hint with one compiled SGS pass on
    an instance too large for an interpreted one (numba's import and the kernels' loads ran
    inside its budget: 6.3 s over a 2 s limit on 300 tasks at load 18, s31polish)."""
    warm_cpsat()
    warm_sgs()


def cpsat_warmup(instance: Instance) -> Callable[[], None] | None:
    """``cpsat``'s warm-up for ``instance``: OR-Tools only when its hint pass runs interpreted
    (:func:`~planner.rcpsp.heuristics.sgs.small_pass`), else the method's own
    (:func:`warm_cpsat_hint`, ``None`` here)."""
    from planner.rcpsp.heuristics.sgs import small_pass

    return warm_cpsat if small_pass(instance) else None


def warmup() -> None:
    """Everything: every kernel once on small projects, and OR-Tools."""
    warm_search()
    warm_cpsat()


def auto_warmup(instance: Instance) -> Callable[[], None] | None:
    """``auto``'s warm-up for ``instance``: OR-Tools only when its first heuristic schedule
    may run interpreted (:func:`~planner.rcpsp.heuristics.sgs.small_pass`), else the family's
    whole warm-up (``None``).

    Every ``auto`` run builds a CP-SAT model; the compiled kernels serve its GA and LNS stages
    only, which a quick CP-SAT proof skips (PSPLIB j301_1 at low load); ``auto`` loads them
    outside its budget when it reaches those stages.
    """
    from planner.rcpsp.heuristics.sgs import small_pass

    return warm_cpsat if small_pass(instance) else None
