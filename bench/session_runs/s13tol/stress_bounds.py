"""Stress the MIP-based certificate bounds against brute force on many tiny instances.

For each family's exact MIP (HiGHS), draw tiny instances with the tests' hypothesis
strategies (generate phase only, never shrinking, never failing) and count:

* ``bound>opt``: the certificate bound above the brute-force optimum (unsound bound);
* ``obj<opt``: the plan's verified objective below the brute-force optimum (impossible
  unless the evaluator or the brute force is wrong);
* ``opt-claim-wrong``: OPTIMAL claimed at an objective above the brute-force optimum.

``--tol`` sets ``planner.core.mip.MIP_FEASIBILITY_TOLERANCE`` (1e-6 is HiGHS's default,
what every family but seqpar ran at before session 13).

Usage (from the worktree root)::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s13tol/stress_bounds.py \
        --family offload --n 500 --seed 1 --tol 1e-6
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import planner.core.mip as core_mip

REL = 1e-9  # float noise allowed when comparing with the brute force


def stress(n: int, sd: int, *strategies):
    """``@seed(sd)``, ``n`` examples generated (never shrunk, no database), ``@given``."""

    def wrap(fn):
        return seed(sd)(
            settings(
                max_examples=n,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(*strategies)(fn))
        )

    return wrap


def _over(value: float, ref: float) -> bool:
    return value > ref + REL * max(1.0, abs(ref))


def offload(counts: dict, n: int, sd: int, float_costs: bool = False) -> None:
    """The exact MIP on tiny traces; ``float_costs``: any float coefficients (the seqpar
    failure had such numbers), 0..7 tokens per expert; else round numbers, 0..4."""
    from planner.core.result import Status
    from planner.offload import mip
    from planner.offload.policy import plan_times
    from tests.offload.strategies import brute_force, tiny_instances

    drawn = tiny_instances(float_costs=float_costs, max_count=7 if float_costs else 4)

    @stress(n, sd, drawn)
    def run(inst):
        status, mask, bound, _ = mip.solve(inst, time_limit=20, threads=1, seed=0, start=None)
        best = brute_force(inst)
        value = float(plan_times(inst, mask).sum())
        record(counts, bound, value, best, status is Status.OPTIMAL, inst)

    run()


def smtt(counts: dict, n: int, sd: int) -> None:
    from planner.core.result import Status
    from planner.smtt import mip as MIP
    from tests.smtt.strategies import brute_force, small_instances

    @stress(n, sd, small_instances(max_n=6))
    def run(inst):
        r = MIP.solve_mip(inst, time_limit=20, threads=1, seed=0, hint=None)
        record(counts, r.bound, r.objective, brute_force(inst), r.status is Status.OPTIMAL, inst)

    run()


def serve(counts: dict, n: int, sd: int) -> None:
    from planner.core.result import Status
    from planner.serve import solve
    from tests.serve.test_mip import PROBLEMS, brute_force, tiny

    @stress(n, sd, *PROBLEMS)
    def run(qps, h100, a100, slo, lengths, mode):
        problem = tiny(qps, h100, a100 or 1, slo, lengths, mode)  # as the test does
        best = brute_force(problem)
        r = solve(problem, "mip", time_limit=10)
        if best is None:
            counts["infeasible"] = counts.get("infeasible", 0) + 1
            return
        record(counts, r.bound, r.objective, best, r.status is Status.OPTIMAL, (qps, h100, a100))

    run()


def day(counts: dict, n: int, sd: int) -> None:
    """The load-over-a-day MIP (serve/day.py) vs the test's brute force (colocated only)."""
    from planner.serve.day import Autoscaling, DayProfile, plan_day
    from tests.serve.test_day import brute_force, tiny

    problem = tiny()

    @stress(
        n,
        sd,
        st.lists(st.floats(0.2, 45.0), min_size=1, max_size=3),
        st.sampled_from([None, 1, 2]),
    )
    def run(rates, max_change):
        best = brute_force(problem, rates, max_change=max_change)
        out = plan_day(
            problem,
            DayProfile(tuple(rates)),
            autoscaling=Autoscaling(max_change=max_change),
            time_limit=30,
        )
        if best is None:
            counts["infeasible"] = counts.get("infeasible", 0) + 1
            return
        record(
            counts,
            out["bound_usd"],
            out["cost_usd"],
            best,
            out["status"] == "OPTIMAL",
            (rates, max_change),
        )

    run()


def seqpar(counts: dict, n: int, sd: int) -> None:
    from planner.seqpar.relaxation import relaxation_bound
    from tests.seqpar.strategies import brute_force, tiny_tabulated

    @stress(n, sd, tiny_tabulated())
    def run(inst):
        best = brute_force(inst) * 1000
        for long in (1, 4):
            rb = relaxation_bound(inst.tables, inst.array, best, time_limit=5, long=long)
            record(counts, rb.bound_ms, None, best, False, inst)

    run()


def record(counts, bound, objective, best, optimal, inst) -> None:
    counts["cases"] += 1
    if bound is not None and _over(bound, best):
        counts["bound>opt"] += 1
        counts.setdefault("examples", []).append(repr((bound, best, inst))[:600])
    if objective is not None and _over(best, objective):
        counts["obj<opt"] += 1
        counts.setdefault("examples", []).append(repr(("obj", objective, best, inst))[:600])
    if optimal and objective is not None and objective > best + 1e-6 * max(1.0, abs(best)):
        counts["opt-claim-wrong"] += 1
        counts.setdefault("examples", []).append(repr(("claim", objective, best, inst))[:600])


FAMILIES = {
    "offload": offload,
    "offload-float": functools.partial(offload, float_costs=True),
    "smtt": smtt,
    "serve": serve,
    "day": day,
    "seqpar": seqpar,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--family", choices=sorted(FAMILIES), required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tol", type=float, default=core_mip.MIP_FEASIBILITY_TOLERANCE)
    a = ap.parse_args()
    core_mip.MIP_FEASIBILITY_TOLERANCE = a.tol
    counts = {"cases": 0, "bound>opt": 0, "obj<opt": 0, "opt-claim-wrong": 0}
    began = time.perf_counter()
    FAMILIES[a.family](counts, a.n, a.seed)
    counts["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps({"family": a.family, "seed": a.seed, "tol": a.tol, **counts}))
    assert math.isfinite(counts["seconds"])


if __name__ == "__main__":
    main()
