"""Lower bounds never exceed the optimum."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _chain(capacity, jobs):
    """A chain of ``(duration, demand)`` jobs on one resource: the optimum is the sum of the
    durations (the chain runs one job at a time, each fits)."""
    from planner.rcpsp.instance import Instance

    return Instance.from_dict(
        {
            "name": "chain",
            "resources": [{"name": "r", "capacity": capacity}],
            "jobs": [
                {"name": f"j{i}", "duration": d, "demands": {"r": q}}
                for i, (d, q) in enumerate(jobs)
            ],
            "precedences": [[f"j{i}", f"j{i + 1}"] for i in range(len(jobs) - 1)],
        }
    )


def test_energy_distances_do_not_round_past_the_optimum():
    """The energy of a full-width job between two others, C * D with C = 959747486 and
    D = 755723518, is no double: C * D / C rounded to D + 1e-7 and ceil made the lower bound
    D + 3 for the optimum D + 2 (s16audit; `cpsat` and `auto` returned it as their bound)."""
    from planner.rcpsp.network import distances, energy_distances

    c, d = 959747486, 755723518
    inst = _chain(c, [(1, 1), (d, c), (1, 1)])
    assert lower_bound(inst) <= d + 2
    assert energy_distances(inst, distances(inst))[0, 2] <= 1 + d


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2**20, 2**31 - 1),
    st.lists(
        st.tuples(st.integers(1, 2**31 - 1), st.integers(0, 2**31 - 1)), min_size=1, max_size=6
    ),
)
def test_bounds_of_chains_with_huge_numbers_stay_below_the_optimum(capacity, jobs):
    """Durations, demands and capacities up to the documented 2**31 - 1: energies pass 2**53
    (doubles) and their sums 2**63 (int64)."""
    from planner.rcpsp.network import distances, energy_distances

    jobs = [(d, min(q, capacity)) for d, q in jobs]
    inst = _chain(capacity, jobs)
    optimum = sum(d for d, _ in jobs)
    assert lower_bound(inst) <= optimum
    dist = energy_distances(inst, distances(inst))
    assert dist[0, len(jobs) - 1] <= optimum - jobs[-1][0]


def test_energy_bound_of_huge_energies_is_exact():
    """Eight jobs of (2**31 - 1)**2 energy each overflowed int64 in the energy sum: the bound
    fell to 2 * (2**31 - 1) for an optimum of 8 * (2**31 - 1) without precedences."""
    from planner.rcpsp.instance import Instance

    b = 2**31 - 1
    inst = Instance.from_dict(
        {
            "name": "ovf",
            "resources": [{"name": "r", "capacity": b}],
            "jobs": [{"name": f"j{i}", "duration": b, "demands": {"r": b}} for i in range(8)],
        }
    )
    assert lower_bound(inst) == 8 * b


def test_lower_bound_is_computed_once_per_instance(monkeypatch):
    """The methods, the CP-SAT model and the certificate all ask for the cheap bound; at 300 jobs
    each energy closure cost 0.5 CPU s and `solve rcpsp -m cpsat -t 1` ran 1.5-3 s over its
    limit computing it three times (twenty-third session, s23walk)."""
    import planner
    from planner.rcpsp import bounds, network
    from planner.rcpsp.generate import generate

    calls, closures = [], []
    real_bound, real_closure = bounds.resource_bound, network._energy_distances
    monkeypatch.setattr(
        bounds, "resource_bound", lambda *a, **k: calls.append(1) or real_bound(*a, **k)
    )
    monkeypatch.setattr(  # the closure's computation, behind energy_distances' memo
        network, "_energy_distances", lambda *a, **k: closures.append(1) or real_closure(*a, **k)
    )
    inst = generate(40, seed=2, p_downtime=0.5)
    first = lower_bound(inst)
    for method in ("sgs-basic", "cpsat", "auto"):
        res = planner.solve(inst, method, time_limit=5, threads=1)
        assert res.bound is not None and res.bound >= first
    assert lower_bound(inst) == first
    assert len(calls) == 1
    # the bound, the CP-SAT model and auto's set-covering bound share one energy closure
    assert len(closures) == 1
    fresh = generate(40, seed=2, p_downtime=0.5)  # an equal, new instance computes its own
    assert lower_bound(fresh) == first
    assert len(calls) == 2


def test_kept_energy_closure_is_a_copy_and_keyed_on_the_input():
    from planner.rcpsp.generate import generate
    from planner.rcpsp.network import distances, energy_distances

    inst = generate(20, seed=5)
    base = distances(inst)
    first = energy_distances(inst, base)
    first[:] = 0  # a caller scribbling on its copy must not change the next answer
    again = energy_distances(inst, distances(inst))
    np.testing.assert_array_equal(again, energy_distances(generate(20, seed=5), base))
    assert np.any(again != 0)
    other = base.copy()
    other[0, -1] = max(other[0, -1], 1.0) + 5  # another input gets its own closure
    np.testing.assert_array_equal(
        energy_distances(inst, other), energy_distances(generate(20, seed=5), other)
    )
