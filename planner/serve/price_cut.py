"""Layouts priced out by an incumbent plan: the cost objective's candidates without the
capacity searches of replicas too expensive to be part of an optimal plan.

With a rate given, the objective is the plan's price, ``sum_c price_c n_c``, and every
workload with a positive rate needs at least one replica of its own (a colocated one, or a
prefill and a decode one). So a plan that uses a replica of price ``p`` for workload ``w``
costs at least ``p + sum_{v != w} m_v``, ``m_v`` the cheapest replica any plan can give
workload ``v``; when that exceeds the cost ``U`` of a verified plan, no plan that uses it
costs ``U`` or less, and dropping the layout changes neither the optimum nor the set of
optimal plans. :func:`priced_candidates` evaluates the layouts by price level, cheapest
first, takes ``U`` from the best plan over the candidates so far (the replica MIP), and
stops once the next level is above each workload's cap ``U - sum_{v != w} m_v``.

``m_v`` is bounded from below without evaluating every layout: the cheapest usable
candidate of ``v`` up to the level, or the cheapest layout above it (which may be usable),
whichever is less. The candidates evaluated are exactly those of the uncapped search
(:func:`~planner.serve.candidates.candidates_within`); the others are marked unusable.
"""

from __future__ import annotations

from planner.core.timing import Deadline
from planner.serve.candidates import (
    PRICED_OUT,
    Candidate,
    candidate_order,
    candidates_within,
    layouts,
)
from planner.serve.evaluate import evaluate, verify
from planner.serve.instance import ServingProblem
from planner.serve.mip import cheapest_plan

#: Slack on a cap, relative to the incumbent's cost: a layout is priced out only when a plan
#: with it costs more than the incumbent by this much, far above float noise and above the
#: MIP's tie-break tolerance (:data:`planner.serve.mip.TIE_COST_RTOL`), so no plan of the
#: optimal cost that the tie-break may return uses it.
CAP_SLACK = 1e-6
#: Each price level at least this many times the last (the first: the cheapest layout).
LEVEL_STEP = 1.5
#: Seconds the replica MIP of an incumbent may take at most (it takes milliseconds).
INCUMBENT_TIME_S = 10.0


def priced_candidates(
    problem: ServingProblem, deadline: Deadline | None = None, *, threads: int = 1
) -> tuple[list[Candidate], bool, dict[str, float]]:
    """``(candidates, complete, stats)``: :func:`candidates_within` with the layouts no plan
    as cheap as an incumbent can use priced out (module notes); ``stats``: the incumbent's
    cost ``price_cut_incumbent`` and the number of candidates priced out (empty when no
    layout was cut: not the cost objective, or no incumbent found).

    The layouts are evaluated by price level (:data:`LEVEL_STEP`), cheapest first; at each
    level the best plan over the candidates so far (the replica MIP) lowers the incumbent,
    and the levels stop once the next one is above every workload's cap. ``threads``: HiGHS
    threads of the incumbent's MIP (the first HiGHS solve of a serve run: it fixes the
    process's count, :func:`~planner.core.highs_scheduler.highs_threads`)."""
    parts = problem.parts()
    rates = {name: part.traffic.qps for name, part in parts}
    if problem.objective != "cost" or any(r is None for r in rates.values()):
        cands, complete = candidates_within(problem, deadline)
        return cands, complete, {}
    levels = sorted({lay.config.price_per_hour for lay in layouts(problem) if not lay.reason})
    best: float | None = None
    last = 0.0  # the level of the last pass
    kept: dict[tuple, Candidate] = {}  # the evaluated candidates of the last complete pass
    for i, level in enumerate(levels):
        above = levels[i + 1] if i + 1 < len(levels) else None
        if above is not None and level < last * LEVEL_STEP:
            continue  # each pass re-reads the cheaper layouts (cached): levels step >= 1.5x
        last = level
        cands, complete = candidates_within(problem, deadline, _caps(problem, level, 0.0))
        if not complete:
            return _partial(kept, cands), False, {}
        if above is None:  # the dearest level: nothing priced out, every layout evaluated
            return cands, complete, {}
        kept = {c.key: c for c in cands if not c.reason.startswith(PRICED_OUT)}
        cheapest = {
            name: min((c.price for c in cands if c.usable and c.workload == name), default=above)
            for name in rates
        }
        if any(cheapest[n] > level for n, r in rates.items() if r > 0):
            continue  # a workload without a usable replica up to this level: no plan yet
        found = _incumbent(problem, cands, deadline, best, threads)
        if found is not None:
            best = found
        if best is None:
            continue
        # m_v: the cheapest replica of v, usable up to the level or any layout above it
        floor = {n: (min(cheapest[n], above) if r > 0 else 0.0) for n, r in rates.items()}
        total = sum(floor.values())
        caps = {n: best - (total - floor[n]) for n in rates}
        slack = CAP_SLACK * max(1.0, best)
        if max(caps.values()) + slack < above:  # no layout above the level is within a cap
            cands, complete = candidates_within(problem, deadline, _caps(problem, caps, slack))
            if not complete:
                return _partial(kept, cands), False, {"price_cut_incumbent": best}
            cut = sum(1 for c in cands if c.reason.startswith(PRICED_OUT))
            return cands, complete, {"price_cut_incumbent": best, "priced_out": cut}
    cands, complete = candidates_within(problem, deadline)
    return cands, complete, {}


def _partial(kept: dict[tuple, Candidate], cands: list[Candidate]) -> list[Candidate]:
    """The candidates to plan with when the deadline cut a pass (it may even have started
    after the deadline and evaluated nothing): those of the last complete pass (``kept``, by
    key) and those the cut pass evaluated. Each pass starts over (from the capacity caches),
    so returning the cut pass alone, or searching again after the deadline, lost every
    candidate: auto had nothing to plan with ("time limit reached after 0 candidate
    layouts", fleet-3x3 at -t 1 and -t 2, s16review). Layouts priced out are left out, as
    those the deadline cut: not evaluated."""
    out = dict(kept)
    out.update((c.key, c) for c in cands if not c.reason.startswith(PRICED_OUT))
    return sorted(out.values(), key=candidate_order)


def _caps(
    problem: ServingProblem, cap: float | dict[str, float], slack: float
) -> float | dict[str, float]:
    """``cap`` (one for all workloads, or per workload) plus ``slack``, in the form
    :func:`candidates_within` takes (keyed by workload name with several)."""
    names = [name for name, _ in problem.parts()]
    per = {n: (cap[n] if isinstance(cap, dict) else cap) + slack for n in names}
    return per if problem.shared else per[""]


def _incumbent(
    problem: ServingProblem,
    cands: list[Candidate],
    deadline: Deadline | None,
    best: float | None,
    threads: int = 1,
) -> float | None:
    """The cost of the best plan over ``cands`` (the replica MIP) when it is below ``best``
    and :func:`~planner.serve.evaluate.verify` accepts the plan, else ``None``."""
    limit = INCUMBENT_TIME_S if deadline is None else max(0.05, deadline.remaining())
    plan = cheapest_plan(problem, cands, time_limit=min(limit, INCUMBENT_TIME_S), threads=threads)
    if plan is None:
        return None
    cost = float(evaluate(problem, plan))
    if best is not None and cost >= best:
        return None
    return None if verify(problem, plan) else cost
