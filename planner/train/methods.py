"""The training-plan methods: ``exact``, ``heuristic`` and ``auto``.

``exact`` enumerates the decision space with valid bounds (homogeneous
clusters, :mod:`planner.train.search`) or by best-first branch and bound
with an exact layer split per pipeline (heterogeneous pools,
:mod:`planner.train.hetero.search`);
``heuristic`` is Megatron-LM's rule of thumb; ``auto`` seeds the exact search
with the heuristic plan. The number of alternatives kept is
``problem.meta["top_k"]`` (default 5).
"""

from __future__ import annotations

import time
from typing import Any

from planner.core.family import Method
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.train.evaluate import evaluate, verify
from planner.train.explain import explain_infeasible, state_floor
from planner.train.hetero.search import hetero_search
from planner.train.heuristics import megatron_heuristic, pooled_rule_of_thumb, rule_of_thumb
from planner.train.instance import TrainingPlan, TrainingProblem, distinct_labels
from planner.train.search import SearchOutcome, TopK, exact_search
from planner.train.simplicity import POOL_SIZE, prefer_simple
from planner.train.step_time import estimate

DEFAULT_TOP_K = 5
#: Extra plans the search keeps beyond ``top_k``, so that ``top_k`` distinct ones remain after
#: plans with the same behaviour are merged (:func:`planner.train.simplicity.distinct`).
DUPLICATE_MARGIN = 2
#: Seconds the search for near-best plans (``prefer_simple``) may always take; beyond it, at
#: most as long as the proven search took. The proven search is often much shorter than the
#: near-best one (a 1.7B model on 16 GPUs: 0.04 s and 0.55 s of CPU for 128 plans within
#: 30 %), so the floor sets the budget; 3 s leaves room on a loaded machine.
NEAR_BEST_MIN_S = 3.0


def alternative_row(problem: TrainingProblem, plan: TrainingPlan) -> dict[str, Any]:
    """One line of the alternatives table (plan + headline numbers)."""
    est = estimate(problem, plan)
    return {
        "plan": plan.to_dict(),
        "label": plan.short(),
        "step_time_s": est.step_time,
        "objective": est.cost_per_step
        if problem.constraints.objective == "cost"
        else est.step_time,
        "mfu": est.mfu,
        "hardware_tflops_per_gpu": est.hardware_tflops_per_gpu,
        "memory_gib_per_gpu": est.memory.total_gib,
        "memory_gb_per_gpu": est.memory.total_gib,  # deprecated alias (GiB), one release
        "gpus": est.gpus,
        "breakdown": est.breakdown,
    }


def _from_outcome(
    problem: TrainingProblem, outcome: SearchOutcome, method: str, started: float
) -> Result:
    stats: dict[str, Any] = {
        "evaluated": outcome.evaluated,
        "configs": outcome.configs,
        "pruned_configs": outcome.pruned_configs,
        "complete": outcome.complete,
    }
    if outcome.ranked:
        fastest = min(q.objective for _p, q in outcome.ranked)
        top_k = int(problem.meta.get("top_k", DEFAULT_TOP_K))
        tolerance = float(problem.meta.get("prefer_simple", 0.0))
        outcome.ranked, preferred = prefer_simple(problem, outcome.ranked, tolerance, top_k)
        if preferred is not None:
            stats["preferred"] = preferred
        best = outcome.ranked[0][0]
        plans = [p for p, _q in outcome.ranked]
        labels = distinct_labels(plans)  # two plans that read the same show their stages
        stats["alternatives"] = [
            {**alternative_row(problem, p), "label": name}
            for p, name in zip(plans[1:], labels[1:], strict=True)
        ]
        # OPTIMAL only when the recommendation is the proven fastest (core.solve re-checks)
        proven = outcome.complete and outcome.ranked[0][1].objective <= fastest
        status = Status.OPTIMAL if proven else Status.FEASIBLE
        return Result(
            "train",
            problem.name,
            method,
            status,
            objective=outcome.ranked[0][1].objective,
            bound=outcome.bound if outcome.bound > 0 else None,
            runtime_s=time.perf_counter() - started,
            solution=best,
            stats=stats,
        )
    if outcome.complete:
        reason, extra = explain_infeasible(problem)
        stats.update(extra)
        return Result(
            "train",
            problem.name,
            method,
            Status.INFEASIBLE,
            runtime_s=time.perf_counter() - started,
            stats=stats,
            reason=reason,
        )
    return Result(
        "train",
        problem.name,
        method,
        Status.UNKNOWN,
        runtime_s=time.perf_counter() - started,
        stats=stats,
        reason="time limit reached before any plan was found",
    )


def add_near_best(
    problem: TrainingProblem, outcome: SearchOutcome, tolerance: float, deadline: Deadline
) -> bool:
    """Add to ``outcome.ranked`` the plans within ``tolerance`` of its best (up to
    :data:`~planner.train.simplicity.POOL_SIZE`), for :func:`prefer_simple` to choose from.

    The proven search is continued (its open part, :class:`~planner.train.search.Frontier`)
    with the threshold raised to ``(1 + tolerance)`` times the best objective: the
    plans it evaluated are candidates already and none is evaluated twice. It
    does not change ``outcome``'s bound or completeness. Returns whether it finished (every
    plan within the tolerance was seen, up to the pool size) before ``deadline``.
    """
    best_plan, best_q = outcome.ranked[0]
    wanted = best_q.objective * (1 + tolerance) * (1 + 1e-9)
    held = {plan for plan, _q in outcome.ranked}
    if outcome.frontier is not None and outcome.complete:
        # continue the proven search: every plan it evaluated is a candidate already
        top = TopK(POOL_SIZE)
        for plan, q in [*outcome.ranked, *outcome.seen]:
            top.offer(plan, q)
        complete, _open = outcome.frontier.run(top, wanted, deadline)
        near = top.best()
    else:
        search = exact_search(
            problem, top_k=POOL_SIZE, deadline=deadline, incumbent=best_plan, threshold=wanted
        )
        complete, near = search.complete, search.ranked
    outcome.ranked += [(p, q) for p, q in near if p not in held]
    return complete


def exact(
    problem: TrainingProblem,
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: TrainingPlan | None = None,
) -> Result:
    """Method ``exact``: the proven best plan under the step-time model."""
    del seed
    started = time.perf_counter()
    deadline = Deadline(time_limit)
    top_k = int(problem.meta.get("top_k", DEFAULT_TOP_K))
    floor = state_floor(problem)
    if floor is not None:  # proven at once: the search would look until the deadline
        return Result(
            "train",
            problem.name,
            "exact",
            Status.INFEASIBLE,
            runtime_s=time.perf_counter() - started,
            stats={"complete": True, **floor[1]},
            reason=floor[0],
        )
    if len(problem.cluster.pools) > 1:
        outcome = hetero_search(
            problem, top_k=top_k + DUPLICATE_MARGIN, deadline=deadline, threads=threads
        )
        return _from_outcome(problem, outcome, "exact", started)
    # a few more than asked: plans with the same behaviour are merged (prefer_simple)
    outcome = exact_search(
        problem, top_k=top_k + DUPLICATE_MARGIN, deadline=deadline, incumbent=hint
    )
    tolerance = float(problem.meta.get("prefer_simple", 0.0))
    near_complete = None
    if tolerance > 0 and outcome.ranked and not deadline.expired():
        # at most as long again as the proven search took: the preference never costs
        # more than the search itself
        budget = min(deadline.remaining(), max(NEAR_BEST_MIN_S, deadline.elapsed()))
        near_complete = add_near_best(problem, outcome, tolerance, Deadline(budget))
    res = _from_outcome(problem, outcome, "exact", started)
    if near_complete is not None:
        res.stats["near_best_complete"] = near_complete
        if "preferred" in res.stats:
            res.stats["preferred"]["candidates_complete"] = near_complete
    return res


#: Share of ``auto``'s time limit kept, on several pools, for the rule of thumb the search falls
#: back to when it found no plan (the rule takes 0.1-1 s of CPU per pool; a search that ends
#: earlier leaves it unused).
POOLED_RULE_SHARE = 0.1


def auto(
    problem: TrainingProblem,
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    seed: int = 0,
    hint: TrainingPlan | None = None,
) -> Result:
    """Method ``auto``: rule-of-thumb incumbent, then the exact search warm-started from it.

    On several pools the search takes no incumbent; when it ends unproven (time limit), the
    rule of thumb on each pool alone (:func:`pooled_rule_of_thumb`) runs in the time kept for
    it, :data:`POOLED_RULE_SHARE` of the limit, and its plan is returned with the search's bound
    when the search found none or a slower one.
    """
    started = time.perf_counter()
    incumbent = hint
    pools = len(problem.cluster.pools) > 1
    if incumbent is None and not pools:
        incumbent = rule_of_thumb(problem, Deadline(0.25 * time_limit))
    reserve = POOLED_RULE_SHARE * time_limit if pools and hint is None else 0.0
    res = exact(
        problem,
        time_limit=max(0.0, time_limit - reserve - (time.perf_counter() - started)),
        threads=threads,
        seed=seed,
        hint=incumbent,
    )
    if reserve and res.status not in (Status.OPTIMAL, Status.INFEASIBLE):
        # the search stopped unproven: its plan, if any, may be slower than the rule of
        # thumb's on one pool (s25cert: 3.5x on a tiny model over H100:2,L4:2 with -t 1),
        # and auto returns the best plan it has
        left = max(0.0, time_limit - (time.perf_counter() - started))
        plan = pooled_rule_of_thumb(problem, Deadline(left))
        if plan is not None and _better(problem, plan, res.solution):
            found = res.solution is not None
            res = Result(
                "train",
                problem.name,
                "auto",
                Status.FEASIBLE,
                solution=plan,
                bound=res.bound,
                stats=dict(
                    res.stats,
                    fallback="rule of thumb on one pool (faster than the search's plan)"
                    if found
                    else "rule of thumb on one pool (the search found none)",
                ),
                reason="the pool search's plan in the time limit is slower than the rule of "
                "thumb's plan on one pool (a longer -t searches the pools)"
                if found
                else "the pool search found no plan in the time limit: the rule of thumb's "
                "plan on one pool (a longer -t searches the pools)",
            )
    res.method = "auto"
    res.runtime_s = time.perf_counter() - started
    return res


def _better(problem: TrainingProblem, plan: TrainingPlan, incumbent: Any) -> bool:
    """True when ``plan`` is valid and beats ``incumbent`` (or there is none)."""
    if verify(problem, plan):
        return False
    return incumbent is None or evaluate(problem, plan) < evaluate(problem, incumbent)


METHODS: dict[str, Method] = {
    "exact": Method(
        "exact",
        exact,
        "exact",
        "bounded enumeration (homogeneous) / branch and bound with exact layer splits (pools);"
        " proves the optimum",
    ),
    "heuristic": Method(
        "heuristic",
        megatron_heuristic,
        "heuristic",
        "Megatron rule of thumb: tp <= node, tp*pp just enough to fit, then scale dp",
    ),
    "auto": Method("auto", auto, "portfolio", "rule-of-thumb incumbent, then the exact search"),
}


def status_ok(result: Result) -> bool:
    """True when the result carries a plan."""
    return result.status in (Status.OPTIMAL, Status.FEASIBLE) and result.solution is not None
