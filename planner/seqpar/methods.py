"""The seqpar methods table: heuristics, the MILPs, FlexSP's algorithm, the baselines, ``auto``.

Every method has the signature ``f(instance, *, time_limit, threads, seed, hint)``
and returns a :class:`~planner.core.result.Result` whose objective is the
modeled step time in seconds; ``planner.solve`` certifies it. Every result
with a plan carries in ``stats`` the times of the two baselines and the
speedups over them:

* ``static`` — one SP degree for the whole run, the smallest that holds the
  run's maximum context length, all sequences packed into groups of that
  degree (Megatron-LM / DeepSpeed-Ulysses);
* ``adaptive`` — FlexSP's batch-adaptive variant: the best single degree for
  this batch.

Bounds are in seconds and hold for the real lengths over every micro-batch
split: the area bound of :mod:`planner.seqpar.bounds` for the heuristics, and
the relaxation of :mod:`planner.seqpar.relaxation` for ``milp`` and ``auto``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from planner.core.family import Method
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.seqpar import heuristics as H
from planner.seqpar.bounds import lower_bound
from planner.seqpar.evaluate import evaluate, microbatch_ms, verify
from planner.seqpar.instance import Group, Instance, Solution

#: ``auto`` runs the MILP stage only up to this many sequences (beyond: heuristic only).
MILP_MAX_SEQUENCES = 1024
#: ... and the exact joint model (every micro-batch at once, no padding) up to this size.
EXACT_MAX_DISTINCT = 12
EXACT_MAX_GPUS = 16
#: Share of the budget for the baselines, the relaxation bound, and the construction.
#: Shares of the budget: baselines (of all), construction + local search (of what is
#: left), the relaxation bound (of what is left after the heuristic; the MILP gets the rest).
BASELINE_SHARE = 0.2
CONSTRUCT_SHARE = 0.4
#: Share of the baselines' time the static type's search gets at least (an equal share of 6-12
#: types left a 32,768-sequence batch's static plan at its deal, 1.2-1.9x slower than the
#: ``static`` method's fill, which inflated ``speedup_static``).
STATIC_SHARE = 0.5
#: ... and of the construction alone when no MILP runs (``auto`` above MILP_MAX_SEQUENCES).
LARGE_CONSTRUCT_SHARE = 0.6
BOUND_SHARE = 0.85
#: ``auto`` skips the MILP stage when the certified gap is already below this.
GAP_GOOD = 1e-3
#: Time kept back for assembling and certifying the answer (the limit is wall time):
#: a base plus a per-sequence share (building the plan and verifying it are O(n) Python),
#: at most a share of the limit.
RESERVE_S = 0.05
RESERVE_PER_SEQUENCE_S = 40e-6
RESERVE_MAX_SHARE = 0.3
#: Largest MILP (integer columns) worth building within a short limit, and buckets per model.
MILP_MAX_COLUMNS = 4000
MILP_BUCKETS = 16
#: ``auto`` builds only MILPs up to this size (larger ones do not pay off in short limits).
AUTO_MILP_COLUMNS = 1500
#: HiGHS may overrun its limit a little (presolve, root LP): it gets this share of what is left.
HIGHS_SHARE = 0.8
#: No MILP is started with less than this many seconds left.
MILP_MIN_TIME = 0.1
#: Integer columns (groups x buckets) a MILP model is built and passed to HiGHS at per second,
#: (a 1M-column model took 20 s on a loaded 2-core machine): ``flexsp`` builds a micro-batch's
#: model only when this says it can be built in the time left.
MILP_COLUMNS_PER_S = 5e4


def result(
    instance: Instance,
    method: str,
    solution: Solution | None,
    *,
    started: float,
    status: Status = Status.FEASIBLE,
    bound: float | None = None,
    stats: dict[str, Any] | None = None,
    reason: str = "",
) -> Result:
    """Wrap a plan into a Result (``certify`` recomputes and checks everything)."""
    return Result(
        family="seqpar",
        instance=instance.name,
        method=method,
        status=status if solution is not None else Status.UNKNOWN,
        objective=None if solution is None else evaluate(instance, solution),
        bound=bound,
        runtime_s=time.perf_counter() - started,
        solution=solution,
        stats=stats or {},
        reason=reason,
    )


def budget(instance: Instance, time_limit: float) -> Deadline:
    """The method's own deadline: the limit minus what assembling the answer takes."""
    reserve = min(RESERVE_MAX_SHARE * time_limit, RESERVE_S + RESERVE_PER_SEQUENCE_S * instance.n)
    return Deadline(time_limit - reserve)


def start(
    instance: Instance, method: str, time_limit: float
) -> tuple[float, Deadline, H.Engine | None, Result | None]:
    """Clock, deadline and engine of a method run, or the INFEASIBLE result that ends it."""
    started = time.perf_counter()
    bad = infeasible(instance, method, started)
    if bad is not None:
        return started, Deadline(0.0), None, bad
    return started, budget(instance, time_limit), H.Engine(instance.array, instance.tables), None


def infeasible(instance: Instance, method: str, started: float) -> Result | None:
    """INFEASIBLE with the reason when some sequence is longer than the cluster can hold."""
    why = instance.infeasibility()
    if why is None:
        return None
    return Result(
        "seqpar",
        instance.name,
        method,
        Status.INFEASIBLE,
        runtime_s=time.perf_counter() - started,
        reason=why,
    )


def baseline_stats(
    instance: Instance, engine: H.Engine, deadline: Deadline
) -> tuple[dict[str, Any], list[tuple[float, H.Plan]]]:
    """Times of the static and batch-adaptive baselines, and their plans (best first).

    Every group type that holds the whole batch first gets the quick deal of
    :func:`~planner.seqpar.heuristics.single_type_deal` (O(n log n) numpy: milliseconds
    each at 131,072 sequences), so every type has a plan and the best single type is a
    candidate however little time is left: a method that takes the best of these
    candidates is never worse than the quick deal of any degree. Then, while
    ``deadline`` lasts, each type is searched (filling + local search) and keeps the
    better of its two plans: the static type first with at least :data:`STATIC_SHARE` of
    the time (its time is a reported statistic), then the types by their deal's time, the
    most promising first. Static SP is the
    plan of the run's type, batch-adaptive SP the best of them; ``baselines_skipped``
    counts the types that only had their deal.
    """
    stats: dict[str, Any] = {"static_degree": None, "static_s": None}
    feasible = [j for j in range(len(engine.degrees)) if bool(np.all(engine.dmin <= j))]
    static = H.static_degree_index(instance)
    by_type: dict[int, tuple[float, H.Plan]] = {}
    for j in feasible:
        dealt = H.single_type_deal(engine, j)
        if dealt is not None:
            by_type[j] = (dealt.objective_ms(), dealt)
    feasible.sort(key=lambda j: (j != static, by_type[j][0] if j in by_type else math.inf))
    for r, j in enumerate(feasible):
        if deadline.expired() and r > 0:
            # out of time (a very large batch): the rest keep their deals
            stats["baselines_skipped"] = len(feasible) - r
            break
        share = deadline.remaining() / (len(feasible) - r)
        if r == 0 and j == static:
            share = max(share, STATIC_SHARE * deadline.remaining())
        found = H.fixed_degree(engine, j, Deadline(share))
        if found is not None and (j not in by_type or found[0] < by_type[j][0]):
            by_type[j] = found
    if static is not None and static in by_type:
        stats["static_degree"] = int(engine.degrees[static])
        stats["static_strategy"] = engine.tables.strategies[static]
        stats["static_s"] = by_type[static][0] / 1000.0
    plans = sorted(by_type.items(), key=lambda kv: kv[1][0])
    if plans:
        j, (obj, _) = plans[0]
        stats["adaptive_degree"] = int(engine.degrees[j])
        stats["adaptive_strategy"] = engine.tables.strategies[j]
        stats["adaptive_s"] = obj / 1000.0
    return stats, [found for _, found in plans[:1]]


def add_speedups(stats: dict[str, Any], objective_s: float | None) -> None:
    """``speedup_static`` and ``speedup_adaptive``: baseline time over the plan's."""
    for key in ("static", "adaptive"):
        base = stats.get(f"{key}_s")
        stats[f"speedup_{key}"] = (
            base / objective_s if base is not None and objective_s and objective_s > 0 else None
        )


def hint_plan(instance: Instance, hint: Any | None) -> Solution | None:
    """The hint as a verified plan, or None (a bad hint is ignored, never trusted)."""
    if hint is None:
        return None
    try:
        sol = hint if isinstance(hint, Solution) else Solution.from_dict(hint)
    except (ValueError, TypeError, AttributeError):
        return None
    return sol if not verify(instance, sol) else None


def _heuristic(name: str, *, search: bool) -> Callable[..., Result]:
    def run(
        instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        started, deadline, engine, bad = start(instance, name, time_limit)
        if bad is not None:
            return bad
        stats, base = baseline_stats(instance, engine, Deadline(deadline.fraction(BASELINE_SHARE)))
        found = H.greedy(engine, deadline, search=search)
        candidates = ([found] if found else []) + base
        obj, plan = min(candidates, key=lambda x: x[0])
        solution = engine.solution(plan)
        stats["microbatches"] = len(solution.microbatches)
        add_speedups(stats, obj / 1000.0)
        return result(instance, name, solution, started=started, stats=stats)

    run.__name__ = f"method_{name}"
    run.__doc__ = (
        "Target filling + local search."
        if search
        else "Target filling (longest first to the least-loaded group)."
    )
    return run


def _no_static_degree(instance: Instance) -> str:
    """Why static SP has no degree: the numbers, so the user sees which to change.

    The bare sentence left a user who wrote one 5,000-token sequence on 8 GPUs to guess that
    ``gen seqpar``'s default ``--max-len`` (196,608) was the length meant (s27walk).
    """
    cap = int(instance.tables.capacity[-1])
    return (
        f"no single degree holds the maximum context length (max_len {instance.max_len:,} "
        f"tokens; a group of all {int(instance.tables.degrees[-1])} usable GPUs holds "
        f"{cap:,} tokens per sequence)"
    )


def _baseline(name: str) -> Callable[..., Result]:
    def run(
        instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        started, deadline, engine, bad = start(instance, name, time_limit)
        if bad is not None:
            return bad
        if name == "static":
            j = H.static_degree_index(instance)
            if j is None or not np.all(engine.dmin <= j):
                return result(
                    instance,
                    name,
                    None,
                    started=started,
                    reason=_no_static_degree(instance),
                )
            found = H.fixed_degree(engine, j, deadline)
        else:
            best = H.adaptive(engine, deadline)
            found = None if best is None else (best[1], best[2])
            j = None if best is None else best[0]
        if found is None:
            return result(instance, name, None, started=started, reason="no plan found in time")
        solution = engine.solution(found[1])
        stats = {
            "degree": int(engine.degrees[j]),
            "strategy": engine.tables.strategies[j],
            "microbatches": len(solution.microbatches),
        }
        return result(instance, name, solution, started=started, stats=stats)

    run.__name__ = f"method_{name}"
    return run


def method_milp(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """The FlexSP MILP in HiGHS, warm-started, with the relaxation as certificate.

    Small instances (few distinct lengths, few GPUs) get the exact joint model
    (every micro-batch at once, one bucket per length); others get FlexSP's
    per-micro-batch model on DP buckets for each micro-batch of the warm start.
    """
    return _solve(instance, "milp", time_limit, threads, seed, hint, milp=MILP_MAX_COLUMNS)


def method_auto(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Portfolio: baselines and the hint as candidates, target filling + local search,
    the MILP stage warm-started (up to :data:`MILP_MAX_SEQUENCES`), relaxation bound."""
    use_milp = AUTO_MILP_COLUMNS if instance.n <= MILP_MAX_SEQUENCES else 0
    return _solve(instance, "auto", time_limit, threads, seed, hint, milp=use_milp)


def _solve(
    instance: Instance,
    name: str,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Any | None,
    *,
    milp: int,
) -> Result:
    """The shared pipeline of ``auto`` and ``milp``; ``milp`` is the largest MILP to build (0: none)."""
    from planner.seqpar.relaxation import relaxation_bound

    started, deadline, engine, bad = start(instance, name, time_limit)
    if bad is not None:
        return bad
    stats, base = baseline_stats(instance, engine, Deadline(deadline.fraction(BASELINE_SHARE)))
    if milp:
        found = H.greedy(engine, Deadline(deadline.fraction(CONSTRUCT_SHARE)))
    else:
        # no MILP stage (a large batch): the fills are the plan's search (local search moves
        # little there, and the polish below runs it on the best plan after the bound)
        found = H.greedy(engine, Deadline(deadline.fraction(LARGE_CONSTRUCT_SHARE)), search=False)
    candidates = ([found] if found else []) + base
    obj, plan = min(candidates, key=lambda x: x[0])
    best = engine.solution(plan)
    best_ms = obj
    given = hint_plan(instance, hint)
    if given is not None and evaluate(instance, given) * 1000.0 < best_ms:
        best, best_ms = given, evaluate(instance, given) * 1000.0
        stats["start"] = "hint"
    status = Status.FEASIBLE
    bound_ms = None
    exact = bool(milp) and _exact_applies(instance)

    def certificate(share: float) -> None:
        nonlocal bound_ms
        rb = relaxation_bound(
            instance.tables,
            instance.array,
            best_ms,
            time_limit=max(0.02, deadline.fraction(share)),
            threads=threads,
            seed=seed,
        )
        stats.update(rb.stats())
        bound_ms = rb.bound_ms if bound_ms is None else max(bound_ms, rb.bound_ms)

    if not exact and not deadline.expired():
        certificate(BOUND_SHARE)  # first: on large batches it is worth more than polishing
    small_gap = bound_ms is not None and best_ms - bound_ms <= GAP_GOOD * best_ms
    milp_runs = bool(milp) and deadline.remaining() >= MILP_MIN_TIME and not small_gap
    if not milp_runs and not small_gap and stats.get("start") != "hint":
        # the time no MILP takes (large batches have none): more local search on the best
        # plan (under load a large batch's construction may not have finished in its share)
        polished = plan.copy()
        engine.descent(polished, Deadline(deadline.remaining()))
        if polished.objective_ms() < best_ms - 1e-9:
            best, best_ms = engine.solution(polished), polished.objective_ms()
            stats["searched_after_bound"] = True
    if milp_runs:
        improved, info, proven = _milp_stage(
            instance, best, best_ms, Deadline(deadline.remaining()), threads, seed, milp
        )
        stats.update(info)
        if improved is not None:
            best, best_ms = improved
        if proven is not None:
            bound_ms = proven if bound_ms is None else max(bound_ms, proven)
            if exact and info.get("milp_status") == "Optimal":
                status = Status.OPTIMAL
    if exact and status is not Status.OPTIMAL and not deadline.expired():
        certificate(1.0)
    stats["microbatches"] = len(best.microbatches)
    objective_s = evaluate(instance, best)
    add_speedups(stats, objective_s)
    bound_s = None if bound_ms is None else bound_ms / 1000.0
    return result(instance, name, best, started=started, status=status, bound=bound_s, stats=stats)


def _exact_applies(instance: Instance) -> bool:
    return (
        len(set(instance.lengths)) <= EXACT_MAX_DISTINCT
        and instance.gpus <= EXACT_MAX_GPUS
        and instance.n <= 4 * EXACT_MAX_DISTINCT
    )


def _milp_stage(
    instance: Instance,
    start: Solution,
    start_ms: float,
    deadline: Deadline,
    threads: int,
    seed: int,
    max_columns: int,
) -> tuple[tuple[Solution, float] | None, dict[str, Any], float | None]:
    """Run the MILP: exact joint model when small, else per micro-batch on buckets.

    Returns (better plan and its time in ms or None, stats, proven bound in ms or None).
    """
    from planner.seqpar.mip import BucketBatch, slots_needed, solve_milp, virtual_groups

    tables = instance.tables
    lengths = instance.array
    if _exact_applies(instance):
        slots = slots_needed(tables, lengths, start_ms)
        exact = BucketBatch.exact(lengths)
        size = slots * len(virtual_groups(tables, exact)) * len(exact.length)
        if size > max_columns:
            return None, {"milp": f"skipped ({size} columns)"}, None
        out = solve_milp(
            tables,
            exact,
            slots,
            time_limit=HIGHS_SHARE * deadline.remaining(),
            threads=threads,
            seed=seed,
            start=start.microbatches,
            lengths=lengths,
        )
        info = {
            "milp": "exact",
            "milp_status": out.solver_status,
            "milp_slots": slots,
            "milp_columns": out.columns,
        }
        improved = None
        if out.microbatches is not None:
            sol = Solution(out.microbatches)
            if not verify(instance, sol):
                ms = evaluate(instance, sol) * 1000.0
                if ms < start_ms:
                    improved = (sol, ms)
        # the joint model covers every plan with at most `slots` micro-batches, and more
        # micro-batches cannot beat the start (slots_needed), so its bound is a certificate
        return improved, info, out.bound_ms
    return _polish_microbatches(instance, start, start_ms, deadline, threads, seed, max_columns)


def _polish_microbatches(
    instance: Instance,
    start: Solution,
    start_ms: float,
    deadline: Deadline,
    threads: int,
    seed: int,
    max_columns: int,
) -> tuple[tuple[Solution, float] | None, dict[str, Any], None]:
    """FlexSP's per-micro-batch model on DP buckets for each micro-batch, slowest first."""
    from planner.seqpar.bucketing import bucketize
    from planner.seqpar.mip import BucketBatch, solve_milp, virtual_groups

    lengths = instance.array
    times = [microbatch_ms(instance, mb) for mb in start.microbatches]
    order = sorted(range(len(times)), key=lambda k: -times[k])
    mbs = [list(mb) for mb in start.microbatches]
    solved = skipped = 0
    for r, k in enumerate(order):
        if deadline.expired():
            break
        idx = np.array(sorted(i for g in mbs[k] for i in g.sequences), dtype=np.int64)
        cut = bucketize(lengths[idx], start=MILP_BUCKETS // 2, max_buckets=MILP_BUCKETS)
        batch = BucketBatch(cut.upper, [idx[m] for m in cut.members])
        size = len(virtual_groups(instance.tables, batch)) * batch.length.size
        if size > max_columns or deadline.remaining() < MILP_MIN_TIME:
            skipped += 1
            continue
        out = solve_milp(
            instance.tables,
            batch,
            1,
            time_limit=HIGHS_SHARE * deadline.remaining() / (len(order) - r),
            threads=threads,
            seed=seed,
            start=[mbs[k]],
            lengths=lengths,
        )
        solved += 1
        if out.microbatches:
            cand = out.microbatches[0]
            t = microbatch_ms(instance, cand)
            if t < times[k] - 1e-9:
                mbs[k], times[k] = cand, t
    info = {"milp": "per-microbatch", "milp_solved": solved, "milp_skipped_size": skipped}
    total = sum(times)
    if total < start_ms - 1e-9:
        sol = Solution([list(mb) for mb in mbs])
        if not verify(instance, sol):
            return (sol, total), info, None
    return None, info, None


def method_flexsp(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """FlexSP's algorithm: sorted sequences cut into M micro-batches (DP), each solved by
    the per-micro-batch MILP on DP buckets; five values of M from the fewest that fit."""
    from planner.seqpar.bucketing import bucketize
    from planner.seqpar.microbatch import split_sorted
    from planner.seqpar.mip import BucketBatch, solve_milp, virtual_groups

    started = time.perf_counter()
    bad = infeasible(instance, "flexsp", started)
    if bad is not None:
        return bad
    deadline = budget(instance, time_limit)
    tables = instance.tables
    lengths = instance.array
    per_mb = tables.gpus * tables.tokens_per_gpu
    m0 = max(1, math.ceil(int(lengths.sum()) / per_mb))
    best: tuple[float, list[list[Group]]] | None = None
    tried = []
    unsolved = 0  # micro-batches whose model could not be built in time: warm start kept
    m = m0
    while len(tried) < 5 and m <= instance.n and not deadline.expired():
        parts = split_sorted(lengths, m)
        if any(int(lengths[p].sum()) > per_mb for p in parts):
            m += 1
            continue
        share = Deadline(deadline.remaining() / (5 - len(tried)))
        plan, total = [], 0.0
        for r, idx in enumerate(parts):
            if deadline.expired():  # building one more model would overrun the limit
                plan = None
                break
            sub = H.Engine(lengths[idx], tables, index=idx)
            warm, _, _ = H.bisect_fill(sub, 1, 0.0, Deadline(0.2 * share.remaining()))
            start = None if warm is None else sub.solution(warm).microbatches
            cut = bucketize(lengths[idx])
            batch = BucketBatch(cut.upper, [idx[mm] for mm in cut.members])
            columns = len(virtual_groups(tables, batch)) * batch.length.size
            if columns / MILP_COLUMNS_PER_S > deadline.remaining():
                # the model cannot even be built in the time left: keep the
                # warm start (target filling, else the quick deal, which may need more
                # than one micro-batch for these sequences)
                if start is None:
                    quick = H.quick_plan(sub, share)
                    start = None if quick is None else sub.solution(quick).microbatches
                if not start:
                    plan = None
                    break
                unsolved += 1
                plan.extend(start)
                total += sum(microbatch_ms(instance, mb) for mb in start)
                continue
            out = solve_milp(
                tables,
                batch,
                1,
                time_limit=share.remaining() / (len(parts) - r),
                threads=threads,
                seed=seed,
                start=start,
                lengths=lengths,
            )
            if not out.microbatches:
                plan = None
                break
            mb = out.microbatches[0]
            plan.append(mb)
            total += microbatch_ms(instance, mb)
        tried.append(m)
        if plan is not None and (best is None or total < best[0]):
            best = (total, plan)
        m += 1
    solution = None if best is None else Solution(best[1])
    stats: dict[str, Any] = {"microbatch_counts_tried": tried}
    if unsolved:
        stats["milp_skipped"] = f"{unsolved} micro-batch models too large to build in time"
    if solution is not None:
        stats["microbatches"] = len(solution.microbatches)
    return result(
        instance,
        "flexsp",
        solution,
        started=started,
        bound=lower_bound(instance),
        stats=stats,
        reason="" if solution else "no micro-batch split solved in time",
    )


METHODS: dict[str, Method] = {
    "greedy": Method(
        "greedy",
        _heuristic("greedy", search=False),
        "heuristic",
        "target filling: longest first to the least-loaded group, micro-batch by micro-batch",
        proves_infeasibility=True,  # instance.infeasibility(): a sequence the cluster cannot hold
    ),
    "ls": Method(
        "ls",
        _heuristic("ls", search=True),
        "heuristic",
        "target filling + local search (moves, swaps, degree changes)",
        proves_infeasibility=True,  # instance.infeasibility(): a sequence the cluster cannot hold
    ),
    "milp": Method(
        "milp",
        method_milp,
        "exact",
        "FlexSP MILP (HiGHS): exact joint model when small, else per micro-batch on buckets",
    ),
    "flexsp": Method(
        "flexsp",
        method_flexsp,
        "heuristic",
        "FlexSP's algorithm: sorted DP split into micro-batches, per-micro-batch MILP",
        proves_infeasibility=True,  # instance.infeasibility(): a sequence the cluster cannot hold
    ),
    "static": Method(
        "static",
        _baseline("static"),
        "heuristic",
        "baseline: one SP degree for the run, the smallest holding the max context",
        proves_infeasibility=True,  # instance.infeasibility(): a sequence the cluster cannot hold
    ),
    "adaptive": Method(
        "adaptive",
        _baseline("adaptive"),
        "heuristic",
        "baseline: FlexSP batch-adaptive, the best single SP degree per step",
        proves_infeasibility=True,  # instance.infeasibility(): a sequence the cluster cannot hold
    ),
    "auto": Method(
        "auto",
        method_auto,
        "portfolio",
        "baselines + filling + local search, MILP warm-started, relaxation bound",
    ),
}
