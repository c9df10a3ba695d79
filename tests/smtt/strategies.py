"""Shared helpers of the SMTT tests: bundled paths, brute force, hypothesis strategies."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import strategies as st

from planner.smtt.instance import Instance

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "smtt"


def brute_force(inst: Instance) -> int:
    """Optimum by enumerating every permutation (n <= 8)."""
    best = None
    for order in itertools.permutations(range(inst.n)):
        t = total = 0
        for j in order:
            t += inst.p[j]
            late = t - inst.d[j]
            if late > 0:
                total += late * (1 if inst.w is None else inst.w[j])
        best = total if best is None else min(best, total)
    return best


@st.composite
def small_instances(draw, max_n: int = 7, weighted: bool | None = None) -> Instance:
    """Random small instances with many ties, zero times and negative due dates."""
    n = draw(st.integers(1, max_n))
    pmax = draw(st.sampled_from([1, 3, 10, 100]))
    p = draw(st.lists(st.integers(0, pmax), min_size=n, max_size=n))
    total = sum(p)
    d = draw(st.lists(st.integers(-pmax, total + pmax), min_size=n, max_size=n))
    if weighted is None:
        weighted = draw(st.booleans())
    w = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)) if weighted else None
    return Instance("h", p=p, d=d, w=w)
