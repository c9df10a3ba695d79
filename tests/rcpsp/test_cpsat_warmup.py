"""``cpsat`` loads the SGS kernels its LFT hint needs before its clock starts (s31polish: on
300 tasks numba's import and the kernels' loads ran inside a 2 s limit, 6.3 s over at load 18)."""

from __future__ import annotations

import importlib

from planner.core.family import get_family
from planner.rcpsp.generate import generate
from planner.rcpsp.heuristics.sgs import small_pass

# the module (planner.rcpsp exports a function of the same name)
W = importlib.import_module("planner.rcpsp.warmup")


def test_cpsat_warms_the_hint_kernels_on_a_large_instance_only():
    import planner.rcpsp  # noqa: F401  (registers the family)

    cpsat = get_family("rcpsp").method("cpsat")
    big, small = generate(300, seed=0), generate(8, seed=0)
    assert not small_pass(big) and small_pass(small)
    # large: the method's own warm-up, OR-Tools and the SGS kernels
    assert cpsat.warmup_for(big) is None and cpsat.warmup is W.warm_cpsat_hint
    # small: the hint pass runs interpreted, so OR-Tools only (numba not loaded)
    assert cpsat.warmup_for(small) is W.warm_cpsat
    # cpsat-plain builds no hint: OR-Tools only
    assert get_family("rcpsp").method("cpsat-plain").warmup is W.warm_cpsat
