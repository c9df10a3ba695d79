"""``auto``: quick checks, a heuristic incumbent, then exact search warm-started from it.

Stages, each on what is left of the budget:

1. the quick infeasibility checks (a proof: INFEASIBLE with the reason);
2. an incumbent: the hint if it verifies and the basic LFT schedule; up to ``LARGE`` jobs the
   preemptive set-covering bound;
3. up to ``LARGE`` jobs: a quick CP-SAT run with its LP relaxation (most PSPLIB j30/j60
   instances end here), the GA, beyond ``SMALL`` jobs a short CP-SAT LNS (it gives up when it
   stalls), then the main exact stage with the rest of the budget: CP-SAT *without* the LP
   relaxation (its clause-learning search over the cumulative and precedence explanations, as in
   the lazy-clause-generation solvers of Schutt et al.) on a horizon cut to the incumbent's
   makespan, hinted with it;
4. beyond ``LARGE`` jobs: GA + CP-SAT LNS (``lns``), with a final objective lower-bound search
   for the certificate;
5. only when the stages end without a proof: the energetic-reasoning bound
   (:func:`~planner.rcpsp.bounds.energetic_bound`) on a small reserve kept out of the budget,
   for the certificate (and, without any schedule, possibly a proof of infeasibility).

With two threads the main exact stage runs the no-LP and the default (LP) workers side by side.
The result keeps the best verified schedule and the best proven bound of all stages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.core.result import Result, Status
from planner.core.timing import Deadline, outside_budget
from planner.rcpsp.bounds import energetic_bound, lower_bound, preemptive_bound
from planner.rcpsp.cpsat import solve_cpsat
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.heuristics.sgs import lft_schedule
from planner.rcpsp.instance import Instance, Solution
from planner.rcpsp.warmup import warm_search

Stage = Callable[..., Result]

#: Beyond this many jobs the exact model only certifies; the schedule comes from GA + LNS, which
#: get ``LARGE_SCHEDULE_SHARE`` of the budget (the rest: a lower-bound search for the bound).
LARGE = 100
LARGE_SCHEDULE_SHARE = 0.92
#: Seconds (at most, and at most this share of the budget) of the first, quick CP-SAT run.
QUICK = (1.0, 0.05)
#: Share of the remaining budget for the GA, and at most this many seconds per job (it stops
#: earlier when it meets the lower bound).
GA_SHARE = 0.1
GA_PER_JOB = 0.02
#: Beyond ``SMALL`` jobs, share of the remaining budget for CP-SAT LNS before the main exact
#: stage: a better incumbent first gives the exact stage a tighter horizon, and a proof needs the
#: optimal schedule in hand (the exact stage then proves ``makespan <= incumbent - 1``
#: infeasible). Up to ``SMALL`` jobs the exact stage gets everything.
LNS_SHARE = 0.15
SMALL = 40
#: The LNS stage gives up after this share of its budget (at least this many seconds) without a
#: better makespan, and the exact stage takes the rest: on PSPLIB j60 it ran on 90 instances and
#: improved 19, each by 1 (``bench/results/rcpsp/j60_auto_v4.csv``); with the patience the same
#: 426 were proven and the mean gap went 0.12 -> 0.10 % (``j60_auto_v5.csv``).
LNS_PATIENCE = (0.3, 2.0)
#: Share of the budget (and seconds at most) for the preemptive set-covering bound. Its column
#: generation converges within a second on j30 and can be decisive (j3045_2: 85 -> 125, the
#: optimum), within a few seconds on many j60 instances (j6025_1: 93 -> 101); when it does not,
#: Farley's bound is kept (valid, weaker).
PREEMPTIVE_SHARE = 0.05
PREEMPTIVE_MAX = 3.0
#: CP-SAT parameters of the final stage beyond ``LARGE`` jobs.
LB_SEARCH_PARAMS: dict[str, Any] = {"use_objective_lb_search": True}
#: CP-SAT parameters of the main exact stage (after the quick run): no LP relaxation, i.e. the
#: pure clause-learning search over the cumulative and precedence explanations, on a horizon cut
#: to the incumbent's makespan. Measured on PSPLIB j60 with the optimum as the horizon bound
#: (1 thread, 30 s): it proved 15 of the 16 instances the default search had needed 10-46 s for
#: in 1-18 s, and 6 of 11 that the default search left open.
EXACT_PARAMS: dict[str, Any] = {"linearization_level": 0}
#: CP-SAT workers of the main exact stage with two threads: the no-LP and the default (LP) search.
SIDE_BY_SIDE = ["no_lp", "default_lp"]
#: Seconds (at most, and at most this share of the budget) kept out of the stages for the
#: energetic bound when they end without a proof. On the unproven PSPLIB j60 instances the whole
#: search takes 0.01-0.2 CPU s (``bench/session_runs/s21erlb/``).
ENERGETIC_RESERVE = (1.0, 0.02)


class _Best:
    """Best verified schedule and best proven bound seen so far."""

    def __init__(self, instance: Instance, clock: Deadline) -> None:
        self.instance = instance
        self.clock = clock
        self.solution: Solution | None = None
        self.makespan: int | None = None
        self.bound = 0
        self.stats: dict[str, Any] = {"stages": []}

    def offer(self, sol: Solution | None, stage: str) -> None:
        if sol is None or verify(self.instance, sol, limit=1):
            return
        ms = makespan(self.instance, sol.start)
        if self.makespan is None:  # feasibility decided: the time a feasibility benchmark wants
            self.stats["first_solution_s"] = round(self.clock.elapsed(), 4)
        if self.makespan is None or ms < self.makespan:
            self.solution, self.makespan = sol, ms
            self.stats["found_by"] = stage

    def take(self, res: Result, stage: str) -> None:
        if "model_not_built" in res.stats:  # the time limit cut the stage's model short
            self.stats["model_not_built"] = f"{stage}: {res.stats['model_not_built']}"
        self.offer(res.solution, stage)
        if res.bound is not None:
            self.bound = max(self.bound, int(res.bound))
        if res.status is Status.OPTIMAL and res.objective is not None:
            self.bound = max(self.bound, int(res.objective))
        self.stats["stages"].append(
            {
                "stage": stage,
                "status": str(res.status),
                "objective": res.objective,
                "bound": res.bound,
            }
        )

    @property
    def closed(self) -> bool:
        return self.makespan is not None and self.makespan <= self.bound


def solve_auto(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
    ga: Stage,
    lns: Stage,
) -> Result:
    """Portfolio: checks → quick CP-SAT → preemptive bound → GA → LNS → no-LP CP-SAT.

    ``ga`` and ``lns`` are the family's methods of those names (passed in by
    :func:`planner.rcpsp.methods.auto`, so this module does not import the method table).
    """
    outer = Deadline(time_limit)
    clock = Deadline(time_limit - reserve_for_energetic(time_limit))
    reason = infeasibility_reason(instance)
    if reason is not None:
        return Result("rcpsp", instance.name, "auto", Status.INFEASIBLE, reason=reason)
    best = _Best(instance, clock)
    best.bound = int(lower_bound(instance))
    best.offer(hint, "hint")
    best.offer(lft_schedule(instance), "lft")
    if instance.num_jobs > LARGE:
        with outside_budget(outer, clock):
            warm_search()  # the kernels of GA + LNS (loaded already unless auto_warmup left them)
        _large(instance, best, clock, threads, seed, lns)
        return _finish(instance, best, outer)
    exact = EXACT_PARAMS if threads == 1 else _side_by_side(threads)
    stages = [
        ("quick", min(QUICK[0], QUICK[1] * clock.remaining()), None),
        ("preemptive", PREEMPTIVE_SHARE, None),
        ("ga", GA_SHARE, None),
        ("lns", LNS_SHARE if instance.num_jobs > SMALL else 0.0, None),
        ("cpsat", 1.0, exact),
    ]
    for k, (stage, share, params) in enumerate(stages):
        if best.closed or clock.remaining() < 0.05:
            break
        if share <= 0:
            continue
        budget = share if k == 0 else clock.fraction(share)
        if stage == "preemptive":
            bound = preemptive_bound(instance, time_limit=min(budget, PREEMPTIVE_MAX), seed=seed)
            best.bound = max(best.bound, bound)
            best.stats["stages"].append(
                {"stage": stage, "status": "", "objective": None, "bound": bound}
            )
            continue
        if stage == "lns":
            if best.solution is not None:
                with outside_budget(outer, clock):
                    warm_search()  # loaded by the GA stage already, unless it was skipped
                patience = max(LNS_PATIENCE[0] * budget, LNS_PATIENCE[1])
                best.take(
                    lns(
                        instance,
                        time_limit=budget,
                        threads=threads,
                        seed=seed,
                        hint=best.solution,
                        patience=patience,
                    ),
                    stage,
                )
            continue
        if stage == "ga":
            budget = min(budget, 0.2 + GA_PER_JOB * instance.num_jobs)
            if instance.num_jobs > 1:
                # the compiled kernels of this stage and the next (LNS): a small instance's
                # warm-up left them out (warmup.auto_warmup); loading them now is warm-up too
                with outside_budget(outer, clock):
                    warm_search()
                best.take(
                    ga(instance, time_limit=budget, threads=threads, seed=seed, hint=best.solution),
                    stage,
                )
            continue
        res = solve_cpsat(
            instance,
            time_limit=budget,
            threads=threads,
            seed=seed + k,
            hint=best.solution,
            params=params,
            lower=best.bound,
            upper_from_hint=stage != "quick",
            name="auto",
        )
        if res.status is Status.INFEASIBLE:  # a proof (all bounds used are valid)
            return res
        best.take(res, stage)
    return _finish(instance, best, outer)


def reserve_for_energetic(time_limit: float) -> float:
    """Seconds of ``time_limit`` kept for :func:`energetic_bound` (see :data:`ENERGETIC_RESERVE`)."""
    return min(ENERGETIC_RESERVE[0], ENERGETIC_RESERVE[1] * time_limit)


def energetic_certificate(
    instance: Instance, bound: int, makespan: int | None, time_limit: float
) -> tuple[int, str]:
    """The bound after :func:`energetic_bound` in ``[bound, makespan - 1]`` (no schedule: up to
    the horizon), and a reason when it proves the instance infeasible (else ``""``)."""
    top = instance.horizon if makespan is None else makespan - 1
    er = energetic_bound(instance, lower=bound, upper=top, time_limit=time_limit)
    if makespan is None and er > instance.horizon:
        why = f"energetic reasoning: no schedule ends by the horizon {instance.horizon}"
        return er, why
    return max(bound, er), ""


def _finish(instance: Instance, best: _Best, outer: Deadline) -> Result:
    """Without a proof, raise the bound by energetic reasoning on the reserved time."""
    if not best.closed and outer.remaining() > 0.0:
        began = outer.elapsed()
        bound, why = energetic_certificate(instance, best.bound, best.makespan, outer.remaining())
        best.stats["stages"].append(
            {
                "stage": "energetic",
                "status": "",
                "objective": None,
                "bound": bound,
                "seconds": round(outer.elapsed() - began, 4),
            }
        )
        if why:
            return Result("rcpsp", instance.name, "auto", Status.INFEASIBLE, reason=why)
        best.bound = max(best.bound, bound)
    return _result(instance, best)


def _large(
    instance: Instance, best: _Best, clock: Deadline, threads: int, seed: int, lns: Stage
) -> None:
    """GA + LNS for the schedule, then a lower-bound search for the certificate."""
    res = lns(
        instance,
        time_limit=clock.fraction(LARGE_SCHEDULE_SHARE),
        threads=threads,
        seed=seed,
        hint=best.solution,
    )
    best.take(res, "lns")
    if not best.closed and clock.remaining() > 0.5:
        res = solve_cpsat(
            instance,
            time_limit=clock.remaining(),
            threads=threads,
            seed=seed,
            hint=best.solution,
            params=LB_SEARCH_PARAMS,
            lower=best.bound,
            delay_share=0.0,
            name="auto",
        )
        best.take(res, "lb-search")


def _side_by_side(threads: int) -> dict[str, Any]:
    """The main exact stage's CP-SAT workers: :data:`SIDE_BY_SIDE` on two threads, CP-SAT's own
    portfolio beyond."""
    if threads == 2:
        return {"num_full_subsolvers": 2, "subsolvers": SIDE_BY_SIDE}
    return {}


def _result(instance: Instance, best: _Best) -> Result:
    if best.solution is None:
        return Result(
            "rcpsp",
            instance.name,
            "auto",
            Status.UNKNOWN,
            bound=int(best.bound),
            stats=best.stats,
            reason="no schedule found within the time limit",
        )
    status = Status.OPTIMAL if best.closed else Status.FEASIBLE
    cut = best.stats.get("model_not_built", "")
    return Result(
        "rcpsp",
        instance.name,
        "auto",
        status,
        objective=int(best.makespan),
        bound=int(best.bound),
        solution=best.solution,
        stats=best.stats,
        reason=f"{cut}; the best heuristic schedule" if cut and not best.closed else "",
    )
