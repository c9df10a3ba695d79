"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs."""

from __future__ import annotations

from planner.core.paths import instances_dir
from planner.rcpsp.generate import generate
from planner.rcpsp.methods import METHODS
from planner.rcpsp.readers import read

#: A tight PSPLIB project: the GA cannot stop at its lower bound before every
#: operator (crossover, mutation, justification) has run.
_BUNDLED = "j3013_1.sm"


def warmup() -> None:
    """Run the kernel-backed heuristics once on small projects.

    A tight PSPLIB project and a generated one with downtime, windows and
    disjunctive pairs, so every kernel is compiled with production signatures.
    """
    projects = [
        generate(12, seed=1, p_downtime=1.0, p_window=0.5, p_disjunctive=0.5, name="warmup")
    ]
    bundled = instances_dir() / "rcpsp" / _BUNDLED
    if bundled.is_file():
        projects += read(bundled, None)
    for instance in projects:
        for method in ("sgs-lft", "sgs-par-lft", "sampling", "ga"):
            METHODS[method].func(instance, time_limit=0.3, threads=1, seed=0, hint=None)
