"""Load (or compile, once per installation) the family's numba kernels ahead of timed runs."""

from __future__ import annotations

from planner.smtt.generate import generate
from planner.smtt.methods import METHODS


def warmup() -> None:
    """Run every kernel-backed method once on small instances.

    Running the real methods, rather than calling kernels directly, compiles
    exactly the type signatures production calls use. Results are discarded.
    """
    (unweighted,) = generate(40, 0.6, 0.2, seed=0, clip=True, prefix="warmup")
    (weighted,) = generate(20, 0.6, 0.4, seed=0, clip=True, weighted=True, prefix="warmup-w")
    for method, instance in (("ils", unweighted), ("exact", unweighted), ("exact", weighted)):
        METHODS[method].func(instance, time_limit=1.0, threads=1, seed=0, hint=None)
