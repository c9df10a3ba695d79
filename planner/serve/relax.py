"""What would make an infeasible serving problem feasible, found by re-solving relaxed copies.

When no plan meets the SLOs, :func:`explain_infeasible` re-solves variants of the problem
with the exact method (``mip``), within a deadline, cheapest first:

1. each SLO target dropped in turn: the targets whose removal alone makes the problem
   feasible *bind* (none alone: the inventory binds when a larger pool gives a plan (2.),
   else the targets together when dropping them all does);
2. each GPU pool made large: the cheapest plan then uses ``n`` GPUs of it, so ``n - count``
   more GPUs of that type suffice (with that plan's cost);
3. lighter weights / KV cache (``fp8``, ``int4`` weights), where a GPU of the inventory
   supports them;
4. for each binding target, the best value the inventory achieves: bisection between the
   problem's target (infeasible) and the value the plan without that target reaches
   (feasible), stopped at 2 % or at the deadline; the feasible end is reported, so a
   target set to it has a plan.

Every finding comes from a solve that returned a plan verified by the family's ``verify``
(its cost is the optimum when the solve was OPTIMAL); whatever the deadline left untried
or undecided is listed under ``not_tried``.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

from planner.core.errors import InputError
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.perfmodel.precision import get_precision
from planner.serve.instance import ServingProblem
from planner.serve.slo import SLO
from planner.serve.units import format_duration

#: A pool made "large" holds this many times its GPUs (at least this many more).
GROWTH = 8
#: Relative width at which the bisection on an SLO value stops.
SLO_PRECISION = 0.02
#: Lighter precisions tried, (weights, KV cache), in order.
QUANTISATIONS = (("fp8", "fp8"), ("int4", "fp8"), ("int4", None))
#: Seconds left below which a relaxed copy is not solved (listed as not tried).
NO_TIME = 0.05


class Budget(Deadline):
    """The explanation's deadline, which also remembers the fastest relaxed solve that decided.

    The relaxed copies evaluate the same layouts (more, for a larger pool), so one started with
    less time than the fastest decided copy took would most likely stop undecided, and past the
    limit by the candidate evaluation it was in when the limit struck (a single layout's
    capacity search is not interruptible; at load 10 a 10 s plan ran 37 s over, s30vkv): it is
    listed as not tried instead of started.
    """

    def __init__(self, time_limit: float | None) -> None:
        super().__init__(time_limit)
        self.fastest = 0.0

    def worth_starting(self) -> bool:
        """Whether a relaxed solve may start: more than :data:`NO_TIME` left, and at least as
        much as the fastest decided solve took."""
        left = self.remaining()
        return left > NO_TIME and left >= self.fastest

    def decided(self, seconds: float) -> None:
        """Record a relaxed solve that returned a plan or proved none exists."""
        self.fastest = seconds if not self.fastest else min(self.fastest, seconds)


def _solve(problem: ServingProblem, deadline: Budget, threads: int) -> Result | None:
    """Exact solve within the deadline; ``None`` when too little time is left
    (:meth:`Budget.worth_starting`) or the solve was stopped undecided (neither a verified
    plan nor proven infeasibility)."""
    from planner.core.solve import solve as certified_solve

    if not deadline.worth_starting():
        return None
    began = time.perf_counter()
    r = certified_solve(problem, "mip", time_limit=deadline.remaining(), threads=threads)
    if r.status is Status.INFEASIBLE or _feasible(r):
        deadline.decided(time.perf_counter() - began)
        return r
    return None


def _option_value(problem: ServingProblem, result: Result) -> float | None:
    """An option's ``cost_per_hour``: the relaxed plan's USD per hour, ``None`` when a GPU it
    uses has no price (the objective counts it as free: was $0.00/h); under the throughput
    objective, the objective (minus the output tokens/s)."""
    from planner.serve.evaluate import priced_cost_per_hour

    if problem.objective == "throughput":
        return result.objective
    return priced_cost_per_hour(problem, result.solution)


def _feasible(result: Result | None) -> bool:
    """A verified plan exists (proven optimal or not)."""
    return (
        result is not None
        and result.status in (Status.OPTIMAL, Status.FEASIBLE)
        and result.solution is not None
    )


def _with_slo(problem: ServingProblem, **targets: float | None) -> ServingProblem:
    slo = problem.slo
    return replace(
        problem,
        slo=SLO(
            targets.get("ttft_s", slo.ttft_s), targets.get("tpot_s", slo.tpot_s), slo.percentile
        ),
    )


def _with_pool(problem: ServingProblem, label: str, count: int) -> ServingProblem:
    pools = tuple(
        replace(p, count=count) if p.label == label else p for p in problem.inventory.pools
    )
    return replace(problem, inventory=replace(problem.inventory, pools=pools))


def _fewest_gpus(
    problem: ServingProblem, pool: Any, found: Result, deadline: Budget, threads: int
) -> tuple[Result, bool]:
    """The plan at the fewest GPUs of ``pool`` that give one (throughput objective).

    A throughput plan takes every GPU it is given, so the enlarged pool's plan says only
    that some count works. Replica sizes are products of powers of two (tp, pp, ep), so the
    counts tried are the powers of two above the pool's below that plan's smallest replica of
    this pool, then that replica's size and twice it, the first feasible one kept (``found``
    when none is, or time runs out), and whether the search finished (``False``: cut by the
    time limit, the count may not be the fewest).
    """
    need = min(
        (g.gpus_per_replica for g in found.solution.replicas if g.gpu == pool.label),
        default=0,
    )
    # twice the replica too: a plan may need two (a prefill and a decode replica under
    # --disaggregate-only; was "feasible with 64 more" where 1 more was)
    counts = sorted({2**k for k in range(need.bit_length()) if 2**k < need} | {need, 2 * need})
    for count in (c for c in counts if c > pool.count):
        r = _solve(_with_pool(problem, pool.label, count), deadline, threads)
        if r is None:
            return found, False
        if _feasible(r):
            return r, True
    return found, True


def explain_infeasible(
    problem: ServingProblem, *, time_limit: float, threads: int = 1
) -> dict[str, Any]:
    """Relaxations of an infeasible ``problem`` that have a plan.

    Returns
    -------
    dict
        ``binding`` (SLO fields whose removal alone gives a plan; else ``["inventory"]``
        when a larger pool gives one, else every SLO field when only dropping them all
        does, with ``jointly`` true),
        ``best_achievable`` (``{field: seconds}`` for binding targets),
        ``options`` (``{"kind": "gpus"|"slo"|"precision", ...}`` each with the
        ``cost_per_hour`` of its cheapest plan; a ``gpus`` option's ``fewest`` is false
        when the time limit cut the search for the fewest GPUs), ``not_tried`` (what the
        deadline cut), ``cut_short`` (whether the deadline cut anything), ``time_s`` (the
        explanation's wall time) and ``text`` (one line per option).
    """
    deadline = Budget(time_limit)
    out: dict[str, Any] = {"binding": [], "best_achievable": {}, "options": [], "not_tried": []}
    relaxed_plans: dict[str, Any] = {}
    targets = [] if problem.shared else [k for k in ("ttft_s", "tpot_s") if getattr(problem.slo, k)]
    for key in targets:
        r = _solve(_with_slo(problem, **{key: None}), deadline, threads)
        if r is None:
            out["not_tried"].append(f"drop {key}")
        elif _feasible(r):
            out["binding"].append(key)
            relaxed_plans[key] = r
    for pool in problem.inventory.pools:
        big = max(pool.count * GROWTH, pool.count + GROWTH * pool.gpu.gpus_per_node)
        r = _solve(_with_pool(problem, pool.label, big), deadline, threads)
        if r is None:
            out["not_tried"].append(f"more {pool.label}")
            continue
        fewest = True
        if _feasible(r) and problem.objective == "throughput":
            r, fewest = _fewest_gpus(problem, pool, r, deadline, threads)
        if _feasible(r):
            used = r.solution.gpus_by_pool().get(pool.label, 0)
            out["options"].append(
                {
                    "kind": "gpus",
                    "gpu": pool.label,
                    "add": max(0, used - pool.count),
                    "total": used,
                    "cost_per_hour": _option_value(problem, r),
                    "fewest": fewest,
                }
            )
    if not out["binding"] and targets and not out["not_tried"]:
        out["binding"] = _joint_binding(problem, out, targets, deadline, threads)
    current = get_precision(problem.precision).bytes
    for weights, kv in QUANTISATIONS:
        if get_precision(weights).bytes >= current:
            continue
        try:
            variant = replace(problem, precision=weights, kv_precision=kv)
        except InputError:  # no GPU of the inventory supports it
            continue
        r = _solve(variant, deadline, threads)
        if r is None:
            # named with the cache: int4 is tried with an fp8 and with a bf16 cache
            out["not_tried"].append(f"precision {weights} (KV {variant.kv_precision_name})")
            continue
        if _feasible(r):
            out["options"].append(
                {
                    "kind": "precision",
                    "precision": weights,
                    "kv_precision": variant.kv_precision_name,
                    "cost_per_hour": _option_value(problem, r),
                }
            )
            break  # the lightest change that works
    for key in out["binding"]:
        if key not in relaxed_plans:  # the inventory, or targets that bind only together
            continue
        best = _best_value(problem, key, relaxed_plans[key], deadline, threads)
        if best is None:
            # only the deadline is "not tried": a relaxed plan whose own value is unbounded
            # (max_batch 1: TTFT inf without its target) has no best value to search from
            if not deadline.worth_starting():
                out["not_tried"].append(f"best {key}")
            continue
        value, cost, exact = best
        out["best_achievable"][key] = value
        out["options"].append(
            {
                "kind": "slo",
                "field": key,
                "value": value,
                "cost_per_hour": cost,
                "converged": exact,
            }
        )
    # the deadline cut something: a relaxation not tried, a count or a best value not searched
    # to the end (the text says which); time_s is the explanation's own wall time
    out["cut_short"] = bool(out["not_tried"]) or any(
        not o.get("converged", True) or not o.get("fewest", True) for o in out["options"]
    )
    out["time_s"] = round(deadline.elapsed(), 3)
    out["text"] = describe(problem, out)
    return out


def _joint_binding(
    problem: ServingProblem,
    out: dict[str, Any],
    targets: list[str],
    deadline: Budget,
    threads: int,
) -> list[str]:
    """What binds when no target does alone: the inventory when a larger pool gives a plan
    (an option found above), else the targets together when dropping them all does (it was
    "binding: inventory" although no pool size helped: Phi-4's 10 KV heads cap its tp at 2,
    whose prefill misses TTFT, on any number of L40S). ``[]`` when neither is shown."""
    if any(o["kind"] == "gpus" for o in out["options"]):
        return ["inventory"]
    if len(targets) < 2:
        return []
    r = _solve(_with_slo(problem, **dict.fromkeys(targets)), deadline, threads)
    if r is None:
        out["not_tried"].append("drop " + " and ".join(targets))
        return []
    if _feasible(r):
        out["jointly"] = True
        return list(targets)
    return []


def _best_value(
    problem: ServingProblem, key: str, relaxed: Result, deadline: Budget, threads: int
) -> tuple[float, float | None, bool] | None:
    """(smallest feasible target found, its plan's cost (``None``: no price), bisection
    converged) for ``key``."""
    from planner.serve.evaluate import plan_metrics

    loose = _with_slo(problem, **{key: None})
    # the largest group percentile: what the SLO check holds within the target
    hi = plan_metrics(loose, relaxed.solution)[f"worst_{key}"]
    lo = getattr(problem.slo, key)  # the problem's own target has no plan
    if not hi > lo or not math.isfinite(hi):
        return None
    cost = _option_value(problem, relaxed)
    # the relaxed plan meets a target of hi (its own worst value) by construction; confirm
    r = _solve(_with_slo(problem, **{key: hi * (1 + 1e-6)}), deadline, threads)
    if not _feasible(r):
        return None
    hi, cost = hi * (1 + 1e-6), _option_value(problem, r)
    while hi > lo * (1 + SLO_PRECISION):
        mid = math.sqrt(lo * hi)
        r = _solve(_with_slo(problem, **{key: mid}), deadline, threads)
        if r is None:
            return hi, cost, False
        if _feasible(r):
            hi, cost = mid, _option_value(problem, r)
        else:
            lo = mid
    return hi, cost, True


def describe(problem: ServingProblem, found: dict[str, Any]) -> str:
    """The findings in words (one clause per option)."""
    names = {"ttft_s": "TTFT", "tpot_s": "TPOT"}
    parts = []
    binding = [names.get(b, b) for b in found["binding"]]
    if binding:
        together = " together (neither alone)" if found.get("jointly") else ""
        parts.append("binding: " + " and ".join(binding) + together)
    for o in found["options"]:
        if problem.objective == "throughput":  # the objective is minus the output tokens/s
            cost = f" ({-o['cost_per_hour']:,.0f} output tokens/s)"
        elif o["cost_per_hour"] is None:
            cost = " (no price known)"
        else:
            cost = f" (${o['cost_per_hour']:.2f}/h)"
        if o["kind"] == "gpus":
            fewer = "" if o.get("fewest", True) else " (fewer not searched: time limit)"
            parts.append(
                f"feasible with {o['add']} more {o['gpu']} ({o['total']} in use){cost}{fewer}"
            )
        elif o["kind"] == "precision":
            parts.append(
                f"feasible with {o['precision']} weights and {o['kv_precision']} KV cache{cost}"
            )
        else:
            pct = problem.slo.pct_label
            approx = "" if o["converged"] else " (search cut by the time limit)"
            parts.append(
                f"best achievable {names[o['field']]} {pct} on this inventory is "
                f"{format_duration(o['value'])}: a target of {format_duration(o['value'])} is "
                f"feasible{cost}{approx}"
            )
    if found["not_tried"]:
        # "best tpot_s" is the search for a target's best value: named as the text names it
        tried = [
            f"the best achievable {names[t[5:]]}" if t[5:] in names else t
            for t in found["not_tried"]
        ]
        parts.append("not tried within the time limit: " + ", ".join(tried))
    # a binding target is a relaxation that gives a plan (dropping it): was "binding: TPOT;
    # ...; no relaxation tried gives a plan" when its best value was cut by the time limit
    if not found["options"] and not (set(found["binding"]) - {"inventory"}):
        parts.append("no relaxation tried gives a plan")
    return "; ".join(parts)
