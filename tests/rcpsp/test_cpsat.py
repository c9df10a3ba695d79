"""The CP-SAT method agrees with brute force; every strengthening switch keeps the optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from planner.core.result import Status
from planner.core.solve import solve
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import verify
from planner.rcpsp.model import ModelOptions, build
from planner.rcpsp.network import distances, energy_distances
from planner.rcpsp.readers import read

from .helpers import INSTANCES, brute_force, tiny_instances


@settings(max_examples=60, deadline=None)
@given(tiny_instances(max_jobs=3))
def test_cpsat_matches_brute_force(inst):
    best = brute_force(inst, inst.horizon + 3)
    res = solve(inst, "cpsat", time_limit=10, threads=1)
    if best is None:
        assert res.status is Status.INFEASIBLE and res.reason
    else:
        assert res.status is Status.OPTIMAL
        assert res.objective == best and res.bound == best
        assert verify(inst, res.solution) == []


@settings(max_examples=25, deadline=None)
@given(tiny_instances(max_jobs=4, lags=False, windows=False))
def test_cpsat_matches_brute_force_four_jobs(inst):
    best = brute_force(inst)
    res = solve(inst, "cpsat", time_limit=10, threads=1)
    assert (res.objective if res.status is Status.OPTIMAL else None) == best


@pytest.mark.parametrize(
    "spec",
    [
        "-makespan_interval",
        "-transitive_precedences",
        "-transitive_precedences,+lengthened_precedences",
        "+delays",
        "+decision_strategy",
        "-energetic_cuts",
        "-tight_domains",
        "-lower_bound",
        "-makespan_interval,-transitive_precedences,-delays,-energetic_cuts,-tight_domains,-lower_bound",
    ],
)
def test_each_switch_keeps_the_optimum(spec):
    (inst,) = read(INSTANCES / "j301_1.sm")
    res = solve_cpsat(inst, time_limit=20, threads=1, seed=0, options=spec)
    assert res.status is Status.OPTIMAL and res.objective == 43


@settings(max_examples=40, deadline=None)
@given(tiny_instances(max_jobs=4))
def test_lengthened_precedences_keep_the_optimum(inst):
    best = brute_force(inst, inst.horizon + 3)
    res = solve_cpsat(
        inst,
        time_limit=10,
        threads=1,
        seed=0,
        options="-transitive_precedences,+lengthened_precedences",
    )
    if best is None:
        assert res.status is Status.INFEASIBLE
    else:
        assert res.status is Status.OPTIMAL and res.objective == best


def test_lengthened_precedences_are_the_strengthened_pairs():
    (inst,) = read(INSTANCES / "j301_1.sm")
    dist = distances(inst)
    longer = energy_distances(inst, dist)
    stronger = int((np.isfinite(dist) & (longer > dist)).sum())
    direct = len({(i, j) for i, j, _ in inst.arcs})

    def arcs(spec):
        return build(inst, dist, options=ModelOptions.parse(spec)).stats["precedence_constraints"]

    assert stronger > 0
    assert direct < arcs("-transitive_precedences,+lengthened_precedences") <= direct + stronger
    assert arcs("-transitive_precedences") == direct
    assert arcs("+lengthened_precedences") == arcs("")  # a subset of the transitive ones


def test_model_options_parse():
    opts = ModelOptions.parse("-delays, +energetic_cuts")
    assert not opts.delays and opts.energetic_cuts
    with pytest.raises(ValueError, match="unknown model option"):
        ModelOptions.parse("-nonsense")


def test_rcpsp_max_optimum_and_unsat():
    (feasible,) = read(INSTANCES / "PSP1.SCH")  # optimum 26
    res = solve(feasible, "cpsat", time_limit=10, threads=1)
    assert res.status is Status.OPTIMAL and res.objective == 26
    (unsat,) = read(INSTANCES / "PSP2.SCH")
    res = solve(unsat, "cpsat", time_limit=10, threads=1)
    assert res.status is Status.INFEASIBLE and "resource R1" in res.reason


def test_bad_hint_is_ignored():
    (inst,) = read(INSTANCES / "j301_1.sm")
    from planner.rcpsp.instance import Solution

    res = solve_cpsat(inst, time_limit=10, threads=1, seed=0, hint=Solution((0,) * 32))
    assert res.stats["hint_rejected"] and res.objective == 43


@pytest.mark.parametrize("method", ["cpsat", "auto"])
def test_numbers_at_the_documented_limits_give_a_valid_model(method):
    """Capacity, durations, a release and lags of 2**31 - 1 (horizon ~2**33): the energy cut
    ``makespan * capacity >= energy`` overflowed int64, CP-SAT said MODEL_INVALID, and the
    method answered UNKNOWN "no schedule found within the time limit" (s16audit)."""
    from planner.rcpsp.instance import Instance

    b = 2**31 - 1
    inst = Instance.from_dict(
        {
            "name": "big",
            "resources": [{"name": "r", "capacity": b}],
            "jobs": [
                {"name": f"j{i}", "duration": b, "demands": {"r": 1}, "release": b if i == 0 else 0}
                for i in range(3)
            ],
            "precedences": [["j0", "j1", b], ["j1", "j2", b]],
        }
    )
    result = solve(inst, method, time_limit=10, threads=1)
    assert result.status is Status.OPTIMAL and result.objective == 4 * b
