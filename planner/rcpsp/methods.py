"""The RCPSP methods and the family's ``METHODS`` table.

Every method is ``f(instance, *, time_limit, threads, seed, hint) -> Result``:

* ``sgs-basic``: one serial SGS pass, jobs by latest finish time (ties: earliest start);
* ``sgs-<rule>`` / ``sgs-par-<rule>``: one serial / parallel SGS pass with a priority rule
  (``lft``, ``lst``, ``mts``, ``grpw``);
* ``sampling``: regret-based biased random sampling over the four rules, each schedule improved
  by forward–backward improvement, until the time limit;
* ``ga``: the genetic algorithm of :mod:`.heuristics.ga` (one island per thread, islands run in
  parallel);
* ``lns``: the GA's incumbent improved by CP-SAT large neighbourhood search
  (:mod:`.heuristics.lns`); with two or more threads the GA keeps running beside the LNS threads
  and both share the incumbent;
* ``cpsat`` / ``cpsat-plain``: the exact model of :mod:`.model` with / without strengthening;
* ``auto``: the portfolio of :mod:`.auto`.

Every heuristic first runs the quick infeasibility checks (a proof: ``INFEASIBLE`` with the
reason), reports the family's cheap ``lower_bound`` as its bound, and returns ``UNKNOWN`` with a
reason when its schedule generation cannot satisfy deadlines or maximal lags (``lns`` then asks
the exact model for a first schedule). The compiled kernels and OR-Tools are imported inside the
methods, so importing the family stays fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.family import Method
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.rcpsp import warmup as W
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.evaluate import makespan, verify
from planner.rcpsp.feasibility import infeasibility_reason
from planner.rcpsp.heuristics import RULES
from planner.rcpsp.instance import Instance, Solution

if TYPE_CHECKING:
    from planner.rcpsp.heuristics.data import SgsData
    from planner.rcpsp.heuristics.ga import GaResult

MethodFunc = Callable[..., Result]

#: Share of the budget the ``lns`` method gives the GA before LNS starts (single thread).
GA_SHARE = 0.3

#: GA islands pass their best schedule to islands that fall behind.
MIGRATE = False

NO_SCHEDULE = "schedule generation found no start meeting every deadline and maximal time lag"


class _Setup:
    """Checks, bound and kernel data shared by the heuristics; ``early`` ends the method."""

    def __init__(self, instance: Instance, name: str) -> None:
        from planner.rcpsp.heuristics.data import SgsData

        self.instance, self.name = instance, name
        self.started = time.perf_counter()
        self.early: Result | None = None
        self.data: SgsData | None = None
        self.lb = 0
        reason = infeasibility_reason(instance)
        if reason is not None:
            self.early = Result("rcpsp", instance.name, name, Status.INFEASIBLE, reason=reason)
            return
        self.lb = int(lower_bound(instance))
        try:
            self.data = SgsData.of(instance)
        except ValueError as exc:
            self.early = self.result(None, reason=str(exc))

    def result(
        self,
        start: np.ndarray | list[int] | tuple[int, ...] | None,
        *,
        reason: str = "",
        stats: dict[str, Any] | None = None,
    ) -> Result:
        """A FEASIBLE result for ``start`` (``None``: UNKNOWN with ``reason``)."""
        inst = self.instance
        sol = None if start is None else Solution(tuple(int(s) for s in start))
        return Result(
            "rcpsp",
            inst.name,
            self.name,
            Status.FEASIBLE if sol is not None else Status.UNKNOWN,
            objective=None if sol is None else makespan(inst, sol.start),
            bound=self.lb,
            runtime_s=time.perf_counter() - self.started,
            solution=sol,
            stats=stats or {},
            reason=reason if sol is None else "",
        )


def _hint_start(instance: Instance, hint: Any) -> np.ndarray | None:
    """The hint's start times when it is a feasible schedule of ``instance``."""
    if not isinstance(hint, Solution) or verify(instance, hint, limit=1):
        return None
    return np.asarray(hint.start, dtype=np.int64)


def rule_method(rule: str, *, parallel: bool = False, name: str | None = None) -> MethodFunc:
    """A method running one serial (or parallel) SGS pass with priority ``rule``.

    ``rule="lft-es"`` is the order of ``sgs-basic`` (:func:`.heuristics.priority.lft_es_values`).
    """
    name = name or f"sgs-{'par-' if parallel else ''}{rule}"

    def method(
        instance: Instance,
        *,
        time_limit: float,
        threads: int,
        seed: int,
        hint: Solution | None = None,
    ) -> Result:
        from planner.rcpsp.heuristics.priority import activity_list, rule_values
        from planner.rcpsp.heuristics.sgs import Decoder

        setup = _Setup(instance, name)
        if setup.early is not None or setup.data is None:
            return setup.early  # type: ignore[return-value]
        dec = Decoder(setup.data)
        values = rule_values(setup.data, rule)
        ms = dec.parallel(values) if parallel else dec.serial(activity_list(setup.data, values))
        if ms < 0:
            return setup.result(None, reason=NO_SCHEDULE)
        return setup.result(dec.start.copy(), stats={"rule": rule})

    method.__name__ = name.replace("-", "_")
    method.__doc__ = f"{'Parallel' if parallel else 'Serial'} SGS with the {rule.upper()} rule."
    return method


def sampling(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """Regret-based biased random sampling (rules in turn) with forward–backward improvement."""
    from planner.rcpsp.heuristics.fbi import justify
    from planner.rcpsp.heuristics.priority import activity_list, rule_values, sample_list
    from planner.rcpsp.heuristics.sgs import Decoder

    clock = Deadline(time_limit)
    setup = _Setup(instance, "sampling")
    if setup.early is not None or setup.data is None:
        return setup.early  # type: ignore[return-value]
    data = setup.data
    dec = Decoder(data)
    values = [rule_values(data, r) for r in RULES]
    rng = np.random.default_rng(seed)
    best_ms, best = 2**62, _hint_start(instance, hint)
    if best is not None:
        best_ms = makespan(instance, best.tolist())
    count = 0
    while count < len(RULES) or not clock.expired():
        v = values[count % len(RULES)]
        order = (
            activity_list(data, v)
            if count < len(RULES)
            else sample_list(data, v, int(rng.integers(2**31)))
        )
        count += 1
        ms = dec.serial(order)
        if ms < 0:
            continue
        st = dec.start.copy()
        ms, _ = justify(dec, st, ms)
        if ms < best_ms:
            best_ms, best = ms, st
        if best_ms <= setup.lb:
            break
    if best is None:
        return setup.result(None, reason=NO_SCHEDULE, stats={"schedules": count})
    return setup.result(best, stats={"schedules": count})


def _islands(
    data: SgsData,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    initial: list[np.ndarray],
    target: int,
    migrate: bool = MIGRATE,
) -> list[GaResult]:
    """``threads`` GA islands run in parallel (the numba kernels release the GIL); island
    ``k`` uses seed ``seed + k``. With ``migrate`` an island that falls behind receives the
    best schedule found so far; every island stops once one reaches ``target``."""
    from planner.rcpsp.heuristics.ga import genetic_algorithm

    out: list[GaResult | None] = [None] * max(1, threads)
    lock = threading.Lock()
    best: list[Any] = [2**62, None]
    stop = threading.Event()

    def exchange(ms: int, start: np.ndarray) -> np.ndarray | None:
        with lock:
            if ms < best[0]:
                best[0], best[1] = ms, start.copy()
            if best[0] <= target:
                stop.set()
            return best[1] if (migrate and best[0] < ms) else None

    def run(k: int) -> None:
        out[k] = genetic_algorithm(
            data,
            time_limit=time_limit,
            seed=seed + k,
            initial=initial,
            target=target,
            exchange=exchange if len(out) > 1 else None,
            stop=stop,
        )

    _in_threads(run, len(out))
    return [r for r in out if r is not None]


def _in_threads(work: Callable[[int], None], count: int) -> None:
    """``work(0..count-1)``, in parallel threads when ``count > 1``."""
    if count == 1:
        work(0)
        return
    pool = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(count)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def ga(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """Genetic algorithm (activity lists, serial SGS, justification); one island per thread."""
    from planner.rcpsp.heuristics.ga import order_of

    setup = _Setup(instance, "ga")
    if setup.early is not None or setup.data is None:
        return setup.early  # type: ignore[return-value]
    data = setup.data
    h = _hint_start(instance, hint)
    initial = [] if h is None else [order_of(data, h)]
    runs = _islands(
        data, time_limit=time_limit, threads=threads, seed=seed, initial=initial, target=setup.lb
    )
    best = min(runs, key=lambda r: r.makespan)
    stats = {
        "schedules": sum(r.schedules for r in runs),
        "generations": sum(r.generations for r in runs),
        "restarts": sum(r.restarts for r in runs),
        "islands": len(runs),
    }
    if best.start is None:
        return setup.result(None, reason=NO_SCHEDULE, stats=stats)
    return setup.result(best.start, stats=stats)


def lns(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
    patience: float | None = None,
) -> Result:
    """GA incumbent improved by CP-SAT LNS (with 2+ threads the GA keeps running alongside).

    ``patience``: stop after that many seconds of LNS without a better makespan (``None``: use
    the whole time limit).
    """
    clock = Deadline(time_limit)  # importing OR-Tools counts against the limit
    from planner.rcpsp.heuristics.ga import genetic_algorithm, order_of
    from planner.rcpsp.heuristics.lns import Incumbent, LnsParams, large_neighbourhood_search

    setup = _Setup(instance, "lns")
    if setup.early is not None or setup.data is None:
        return setup.early  # type: ignore[return-value]
    data = setup.data
    threads = max(1, int(threads))
    stats: dict[str, Any] = {}
    h = _hint_start(instance, hint)
    if h is not None and clock.expired():
        # the set-up used the whole limit (3,000 jobs at -t 1): the GA's priority rules and
        # first decodes took 0.8 CPU s past it (s27limits); the schedule given is the answer
        res = setup.result(h, stats={"ga_schedules": 0})
        res.stats["model_not_built"] = "time limit reached before the GA and LNS started"
        res.reason = f"{res.stats['model_not_built']}; the schedule given"
        return res
    initial = [] if h is None else [order_of(data, h)]
    # a first incumbent: a short GA run (also when a hint is given: it may be improved cheaply)
    first = genetic_algorithm(
        data,
        time_limit=clock.fraction(GA_SHARE if threads == 1 else 0.05),
        seed=seed,
        initial=initial,
        target=setup.lb,
    )
    start = first.start
    if start is None and h is not None:
        start = h
    if start is None:
        exact = _exact_first(instance, clock, threads, seed, stats)
        if exact.status is Status.INFEASIBLE:
            exact.runtime_s = time.perf_counter() - setup.started
            return exact
        if exact.solution is None:
            return setup.result(
                None, reason=NO_SCHEDULE + "; CP-SAT found none in time", stats=stats
            )
        start = np.asarray(exact.solution.start, dtype=np.int64)
    shared = Incumbent(start, makespan(instance, start.tolist()))
    stats["initial_makespan"] = shared.makespan
    if shared.makespan <= setup.lb:
        return setup.result(shared.start, stats=stats)
    if clock.expired():
        # the limit went to the set-up and the first schedule (3,000 jobs at -t 1): building
        # the LNS model only to stop at its first check took 0.2 CPU s more (s29limits)
        stats["ga_schedules"] = first.schedules
        res = setup.result(shared.start, stats=stats)
        res.stats["model_not_built"] = "time limit reached before LNS started"
        res.reason = f"{res.stats['model_not_built']}; the schedule before LNS"
        return res
    ga_box: list[GaResult] = []
    helper = None
    done = threading.Event()
    if threads >= 2:
        stop_at = clock.remaining()

        def exchange(ms: int, st: np.ndarray) -> np.ndarray | None:
            shared.offer(st, ms)
            cur, cur_ms, _ = shared.snapshot()
            return cur if cur_ms < ms else None

        def run_ga() -> None:
            ga_box.append(
                genetic_algorithm(
                    data,
                    time_limit=stop_at,
                    seed=seed + 1,
                    initial=[order_of(data, shared.snapshot()[0])],
                    target=setup.lb,
                    exchange=exchange,
                    stop=done,
                )
            )

        helper = threading.Thread(target=run_ga, daemon=True)
        helper.start()
    out = large_neighbourhood_search(
        instance,
        start,
        time_limit=clock.remaining(),
        threads=max(1, threads - 1),
        seed=seed,
        lower=setup.lb,
        data=data,
        shared=shared,
        params=LnsParams(patience=patience),
    )
    if helper is not None:
        if out.proven_optimal or patience is not None:  # the GA beside it stops too
            done.set()
        helper.join()
        if ga_box and ga_box[0].start is not None:
            shared.offer(ga_box[0].start, ga_box[0].makespan)
    best, best_ms, _ = shared.snapshot()
    stats.update(
        iterations=out.iterations,
        lns_improvements=out.improvements,
        neighbourhoods=out.tries,
        ga_schedules=first.schedules + sum(r.schedules for r in ga_box),
    )
    if ga_box:
        stats["ga_beside_ended_by"] = ga_box[0].ended_by
    res = setup.result(best, stats=stats)
    if out.stopped:  # no sub-problem was solved: the schedule is the first heuristic's
        res.stats["model_not_built"] = out.stopped
        res.reason = f"{out.stopped}; the schedule before LNS"
    if out.proven_optimal and best_ms == out.makespan:
        res.bound = int(best_ms)  # the last sub-problem was the whole model, solved optimally
    return res


def _exact_first(
    instance: Instance, clock: Deadline, threads: int, seed: int, stats: dict[str, Any]
) -> Result:
    """The exact model with half the remaining time: a first schedule for instances the SGS
    cannot schedule (maximal lags, tight deadlines), or a proof that none exists."""
    from planner.rcpsp.cpsat import solve_cpsat

    stats["first_from"] = "cpsat"
    return solve_cpsat(
        instance, time_limit=clock.fraction(0.5), threads=threads, seed=seed, name="lns"
    )


#: Model switches of ``cpsat-plain``: no redundant constraints.
PLAIN = (
    "-makespan_interval,-transitive_precedences,-delays,-energetic_cuts,-tight_domains,-lower_bound"
)


def cpsat(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
    plain: bool = False,
) -> Result:
    """CP-SAT with every strengthening on (see :mod:`planner.rcpsp.model`); ``plain``: the bare
    model, no redundant constraints and no heuristic hint (for comparison).

    Without a proof, ``cpsat`` (not ``cpsat-plain``) raises its bound by energetic reasoning on
    a small reserve of the budget, as ``auto`` does
    (:func:`planner.rcpsp.auto.energetic_certificate`)."""
    clock = Deadline(time_limit)  # importing OR-Tools counts against the limit
    from planner.rcpsp.auto import energetic_certificate, reserve_for_energetic
    from planner.rcpsp.cpsat import solve_cpsat

    reserve = 0.0 if plain else reserve_for_energetic(time_limit)
    res = solve_cpsat(
        instance,
        time_limit=max(0.0, clock.remaining() - reserve),
        threads=threads,
        seed=seed,
        hint=hint,
        options=PLAIN if plain else None,
        use_heuristic_hint=not plain,
        name="cpsat-plain" if plain else "cpsat",
    )
    if plain or res.status not in (Status.FEASIBLE, Status.UNKNOWN) or clock.expired():
        return res
    bound, why = energetic_certificate(
        instance, int(res.bound or 0), res.objective, clock.remaining()
    )
    res.stats["energetic_bound"] = bound
    if why:
        return Result("rcpsp", instance.name, "cpsat", Status.INFEASIBLE, reason=why)
    res.bound = max(int(res.bound or 0), bound)
    if res.objective is not None and res.bound >= res.objective:
        res.status = Status.OPTIMAL
    return res


def auto(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    hint: Solution | None = None,
) -> Result:
    """The portfolio of :mod:`planner.rcpsp.auto`, with this module's GA and LNS as stages."""
    clock = Deadline(time_limit)  # importing OR-Tools counts against the limit
    from planner.rcpsp.auto import solve_auto

    left = clock.remaining()
    return solve_auto(
        instance, time_limit=left, threads=threads, seed=seed, hint=hint, ga=ga, lns=lns
    )


def _loads() -> dict[str, Callable[[], None]]:
    """What each method loads before its clock starts (default: the family's whole warmup)."""
    # cpsat's LFT hint is one SGS pass (compiled on a large instance: W.cpsat_warmup)
    loads: dict[str, Callable[[], None]] = {
        "cpsat": W.warm_cpsat_hint,
        "cpsat-plain": W.warm_cpsat,
    }
    for rule in RULES:
        loads[f"sgs-{rule}"] = loads[f"sgs-par-{rule}"] = W.warm_sgs
    loads["sgs-basic"] = W.warm_sgs
    loads["sampling"] = loads["ga"] = W.warm_search
    return loads


_LOADS = _loads()


def _table() -> dict[str, Method]:
    def plain(instance: Instance, **budget: Any) -> Result:
        return cpsat(instance, **budget, plain=True)

    entries = [
        Method(
            "auto",
            auto,
            "portfolio",
            "checks, heuristic incumbent, then CP-SAT warm-started (LNS beyond a size threshold)",
        ),
        Method(
            "cpsat", cpsat, "exact", "CP-SAT: intervals + cumulative + lags, all strengthening on"
        ),
        Method("cpsat-plain", plain, "exact", "CP-SAT on the bare model (no cuts, no hint)"),
        Method(
            "sgs-basic",
            rule_method("lft-es", name="sgs-basic"),
            "heuristic",
            "serial SGS, latest finish time first (ties: earliest start), one pass",
        ),
    ]
    for parallel in (False, True):
        kind = "parallel" if parallel else "serial"
        entries += [
            Method(
                f"sgs-{'par-' if parallel else ''}{r}",
                rule_method(r, parallel=parallel),
                "heuristic",
                f"{kind} SGS, {r.upper()} priority rule, one pass",
            )
            for r in RULES
        ]
    entries += [
        Method(
            "sampling",
            sampling,
            "heuristic",
            "regret-based biased random sampling + forward-backward improvement",
        ),
        Method(
            "ga",
            ga,
            "heuristic",
            "genetic algorithm: activity lists, serial SGS, justification; island per thread",
        ),
        Method(
            "lns",
            lns,
            "heuristic",
            "GA incumbent + CP-SAT large neighbourhood search (GA runs alongside)",
        ),
    ]
    # every method runs the family's infeasibility proofs first (planner.rcpsp.feasibility),
    # so heuristics too may report INFEASIBLE (with the proof's reason)
    entries = [replace(m, proves_infeasibility=True, warmup=_LOADS.get(m.name)) for m in entries]
    entries[0] = replace(entries[0], warmup_for=W.auto_warmup)  # auto: less on small instances
    entries = [replace(m, warmup_for=W.cpsat_warmup) if m.name == "cpsat" else m for m in entries]
    return {m.name: m for m in entries}


METHODS: dict[str, Method] = _table()
