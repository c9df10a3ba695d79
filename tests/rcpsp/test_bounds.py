"""Lower bounds never exceed the optimum."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings

from planner.rcpsp.bounds import lower_bound, preemptive_bound
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.readers import read

from .helpers import INSTANCES, brute_force, tiny_instances


@settings(max_examples=120, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_bounds_below_brute_force_optimum(inst):
    best = brute_force(inst, inst.horizon + 3)
    if best is None or infeasibility_reason(inst) is not None:
        return
    lb = lower_bound(inst)
    assert lb <= best


def test_bounds_on_psplib_example():
    (inst,) = read(INSTANCES / "j301_1.sm")  # optimum 43
    lb = lower_bound(inst)
    assert 38 <= lb <= 43  # at least the critical path (38)


@settings(max_examples=60, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_preemptive_bound_below_brute_force_optimum(inst):
    best = brute_force(inst, inst.horizon + 3)
    if best is None or infeasibility_reason(inst) is not None:
        return
    assert preemptive_bound(inst, time_limit=2.0) <= best


def test_preemptive_bound_beats_the_cheap_bound_on_j3013_1():
    (inst,) = read(INSTANCES / "j3013_1.sm")  # optimum 58, cheap bound 48
    b = preemptive_bound(inst, time_limit=10.0)
    assert lower_bound(inst) < b <= 58


def test_preemptive_bound_keeps_stdout_clean():
    # HiGHS prints a banner on fd 1 when a process builds its first Highs; a fresh interpreter
    # is the only place where that first construction happens inside preemptive_bound
    code = (
        "from planner.rcpsp.bounds import preemptive_bound\n"
        "from planner.rcpsp.readers import read\n"
        f"(inst,) = read({str(INSTANCES / 'j301_1.sm')!r})\n"
        "assert preemptive_bound(inst, time_limit=5.0) <= 43\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""


def test_pricing_bound_covers_weights_rounded_to_zero():
    # three compatible jobs; two duals round to 0 at the pricing's scale (10^4), so the CP-SAT
    # model leaves them out, yet the best antichain holds all three (weight 0.90008). The
    # returned upper bound must cover them (it was 0.90005 before session 13: half a unit for
    # each job in the model only), or Farley's bound LP / price could exceed the optimum.
    from ortools.sat.python import cp_model

    from planner.core.timing import Deadline
    from planner.rcpsp.bounds import _price

    duals = np.array([0.9, 0.00004, 0.00004])
    q = np.ones((3, 1), dtype=np.int64)
    cap = np.array([3], dtype=np.int64)
    ub, col = _price([0, 1, 2], duals, q, cap, set(), Deadline(5.0), 0, cp_model)
    assert ub >= duals.sum()
    assert col == frozenset([0])
