"""The exact method: prove every smaller ``ii`` infeasible, then the shortest schedule.

For ``ii`` from ``max(ResMII, RecMII, WarpMII)`` upwards the joint CP-SAT model
(:mod:`planner.pipelining.cpsat`) minimizes the schedule length; an INFEASIBLE
answer is the proof for that ``ii`` and the search moves on; the first ``ii``
with a schedule is the optimal one once every smaller ``ii`` is proven, and the
length is optimal when CP-SAT proves it at that ``ii``. An ``ii`` left undecided
within its share of the time stays open (the bound stops there) while the
search goes on upwards for a schedule, which is then only FEASIBLE.

Length windows: most of the work at the optimal ``ii`` is finding a short schedule
and proving its length, and a horizon of hundreds of cycles makes both slow. So
the plain relaxation is first solved with the length capped a little above its
bound (the cap doubles after each infeasible window, which raises the length
bound past it; only the full horizon can prove the ``ii`` infeasible), the joint
model gets one such window before the storage-free relaxation, and once a verified
schedule is in hand its length caps every later model at that ``ii``. Each is
exact within its scope: any schedule shorter than the cap is inside the window,
so an optimum there is the optimum. Among the optimal
schedules a last, time-boxed stage (:func:`_tie_break`) prefers robustness to
durations the schedule cannot know (fewest ops sharing a group with a wait on a
variable-latency copy, then the least busy busiest group), then the least
cross-warp delay, then the fewest warp groups; it never changes ``ii`` or the
length.
"""

from __future__ import annotations

import math
import time
from typing import Any

from planner.core.cpsat import make_solver
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.pipelining.bounds import compute_bounds, length_lb
from planner.pipelining.cpsat import Model, build, build_packing
from planner.pipelining.evaluate import encode, schedule_length, verify
from planner.pipelining.ims import assign_together, modulo_schedule
from planner.pipelining.instance import Instance, Solution

#: Relaxations solved first at each ii: plain modulo scheduling, then without storage.
RELAXATIONS = (
    ("registers", "smem", "tmem", "warps", "cross"),
    ("registers", "smem", "tmem"),
)
#: Share of the remaining time each relaxation may take.
RELAXATION_SHARE = (0.3, 0.4)
#: Share of the remaining time the joint model gets at an ii below the last one: an ii it
#: cannot decide stays open (the bound stops there) and the search goes on for a schedule.
FULL_SHARE = 0.6
#: Length window of the first joint solve at an ii: the bound plus this much (at least
#: WINDOW_MIN cycles), and its share of the remaining time.
WINDOW_FRACTION = 0.15
WINDOW_MIN = 4
WINDOW_SHARE = 0.5
#: Share of the remaining time for the time-indexed packing check at an ii where the plain
#: relaxation found nothing and some unit is full.
PACKING_SHARE = 0.3
#: Share of the remaining time for finding warp groups for a relaxation's start times.
PIN_SHARE = 0.15
#: Share of the remaining time (at most) for the tie-break stage.
TIE_BREAK_SHARE = 0.2
#: Most seconds the tie-break stage may take.
TIE_BREAK_CAP = 2.0
#: Whether the joint model is warm-started from a schedule the verifier rejects (a
#: relaxation's): such a hint steers the search into a region the joint model has no
#: schedule in, which slowed its infeasibility proofs 2-7x on FA4 (ii 87-91).
HINT_UNVERIFIED = False


def _ii_status(code_name: str) -> str:
    if code_name == "MODEL_INVALID":  # a modelling bug, never an undecided ii
        raise RuntimeError("pipelining: CP-SAT rejected the model as invalid")
    return {"OPTIMAL": "optimal", "FEASIBLE": "feasible", "INFEASIBLE": "infeasible"}.get(
        code_name, "unknown"
    )


def solve_exact(
    instance: Instance,
    *,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
    hint: Solution | None = None,
    tie_break: bool = True,
) -> Result:
    """Lexicographically optimal (``ii``, length) schedule with per-``ii`` proofs.

    Returns a Result whose stats list, per ``ii`` tried, the CP-SAT status
    (``infeasible`` is a proof), with ResMII, RecMII and WarpMII.
    """
    deadline = Deadline(time_limit)
    bounds = compute_bounds(instance)
    stats: dict[str, Any] = {**bounds.to_dict(), "solver": "cp-sat", "ii_tried": []}
    stats.update(_scale_stats(instance))
    if bounds.infeasible:
        return Result(
            "pipelining",
            instance.name,
            "exact",
            Status.INFEASIBLE,
            stats=stats,
            reason=bounds.infeasible,
        )
    incumbent = hint if hint is not None and hint.ii >= bounds.mii else None
    if incumbent is not None and verify(instance, incumbent):
        incumbent = None  # a hint the verifier rejects must not cut the search short
    last_ii = instance.effective_max_ii
    if incumbent is not None:
        last_ii = min(last_ii, incumbent.ii)
    best: Solution | None = None
    status = Status.UNKNOWN
    ii = bounds.mii  # the ii being tried
    length_bound = None  # proven length bound at the ii where a schedule was found
    open_ii = open_len = None  # first ii left undecided, and its length bound
    while ii <= last_ii and not deadline.expired():
        tic = time.perf_counter()
        entry: dict[str, Any] = {"ii": ii}
        stats["ii_tried"].append(entry)
        lb_len = length_lb(instance, ii)
        warm = incumbent if incumbent is not None and incumbent.ii == ii else None
        if warm is None:
            warm = _plain_ims(instance, ii)
        # Stage 1: relaxations (plain modulo scheduling, then without storage). Infeasible
        # there = infeasible; their length bounds hold; an optimum of theirs that the joint
        # model accepts (as is, or with other warp groups for the same start times) is optimal.
        outcome = None
        window: dict[str, Any] = {}
        for level, relax in enumerate(RELAXATIONS):
            if level == 1:
                # Between the plain relaxation and the storage-free one: the joint model
                # inside a short length window (finds near-bound schedules fast).
                fallback = warm if warm is not None and not verify(instance, warm) else None
                window = _window(
                    instance, ii, lb_len, warm, fallback, deadline, threads, seed, entry
                )
                lb_len = window.get("length_lb", lb_len)
                if window.get("solution") is not None:
                    warm = window["solution"]
                if window.get("status") == "optimal":
                    best, outcome = window["solution"], "optimal"
                    length_bound = best.length
                    entry.update(proof="window", length=best.length)
                    break
            # A verified schedule in hand caps the length (only shorter ones matter). With
            # none, the plain relaxation is solved in widening length windows first (an
            # infeasible window raises the length bound past it); the full horizon, which
            # alone can prove the ii infeasible, comes last.
            cap = _verified_length(instance, warm)
            widen = 0
            while True:
                top = cap
                if top is None and level == 0:
                    top = _window_top(instance, lb_len, widen)
                relaxed = build(
                    instance, ii, length_lb=lb_len, relax=relax, horizon=top, absolute=level == 0
                )
                if relaxed.trivially_infeasible and top is None:
                    break
                if warm is not None:
                    relaxed.hint(warm)
                share = RELAXATION_SHARE[level]
                if top is not None and cap is None:
                    share *= WINDOW_SHARE
                solver = make_solver(
                    time_limit=deadline.fraction(share, at_least=min(1.0, deadline.remaining())),
                    threads=threads,
                    seed=seed,
                )
                name = solver.status_name(solver.solve(relaxed.model))
                entry[f"relaxation{level + 1}"] = _ii_status(name)
                if top is None or cap is not None or name != "INFEASIBLE":
                    break
                lb_len = max(lb_len, top + 1)
                widen += 1
            if relaxed.trivially_infeasible and top is None:
                outcome = "infeasible"
                entry["reason"] = relaxed.trivially_infeasible
                break
            if name == "INFEASIBLE" and cap is not None:
                name = "UNKNOWN"  # the model rejects a verified schedule: prove nothing
            if name == "INFEASIBLE":
                outcome = "infeasible"
                entry["proof"] = f"relaxation{level + 1}"
                break
            if name not in ("OPTIMAL", "FEASIBLE"):
                # Not even the plain relaxation has a schedule: a unit full at this ii
                # may make its packing impossible, which the time-indexed form decides.
                if level == 0 and _packing_infeasible(instance, ii, deadline, threads, seed):
                    outcome = "infeasible"
                    entry["proof"] = "packing"
                break
            lb_len = max(lb_len, math.ceil(solver.best_objective_bound - 1e-6))
            candidate = relaxed.solution(solver)
            entry[f"relaxation{level + 1}_length"] = candidate.length
            warm = _better_warm(instance, warm, candidate)
            if name == "OPTIMAL":
                found = _accept(instance, ii, lb_len, candidate, deadline, threads, seed)
                if found is not None:
                    best, status, outcome = found, Status.OPTIMAL, "optimal"
                    length_bound = best.length
                    entry.update(proof=f"relaxation{level + 1}", length=best.length)
                    break
        if outcome == "infeasible":
            entry.update(status="infeasible", time_s=_since(tic))
            ii += 1
            continue
        if outcome == "optimal":
            entry.update(status="optimal", time_s=_since(tic))
            status = Status.OPTIMAL
            if open_ii is not None:
                status = Status.FEASIBLE  # optimal at this ii, but a smaller one is undecided
            elif tie_break:
                # only schedules of the optimal length are compared: it is the horizon
                full = build(instance, ii, length_lb=lb_len, horizon=best.length)
                best = _tie_break(full, best, deadline, threads, seed, stats)
            break
        # Stage 2: the joint model (a verified schedule in hand is the incumbent meanwhile).
        fallback = warm if warm is not None and not verify(instance, warm) else None
        # With a schedule in hand only shorter ones matter: its length is the horizon.
        cap = fallback.length if fallback is not None else None
        model = build(instance, ii, length_lb=lb_len, horizon=cap)
        if model.trivially_infeasible and cap is None:
            entry.update(status="infeasible", reason=model.trivially_infeasible)
            ii += 1
            continue
        if fallback is not None or (warm is not None and HINT_UNVERIFIED):
            model.hint(fallback or warm)
        budget = deadline.remaining() if ii >= last_ii else deadline.fraction(FULL_SHARE)
        solver = make_solver(time_limit=budget, threads=threads, seed=seed)
        name = solver.status_name(solver.solve(model.model))
        entry.update(status=_ii_status(name), time_s=_since(tic))
        if name == "INFEASIBLE" and cap is not None:
            # the model rejects a schedule the verifier accepts: keep it, prove nothing
            name = "UNKNOWN"
        if name == "INFEASIBLE":
            ii += 1
            continue
        if name in ("OPTIMAL", "FEASIBLE"):
            best = model.solution(solver)
            if fallback is not None and (fallback.length or 0) < (best.length or 0):
                best = fallback
            entry["length"] = best.length
            length_bound = max(lb_len, math.ceil(solver.best_objective_bound - 1e-6))
            proven = name == "OPTIMAL" and open_ii is None
            status = Status.OPTIMAL if proven else Status.FEASIBLE
            if proven and tie_break:
                best = _tie_break(model, best, deadline, threads, seed, stats)
            break
        if fallback is not None:
            best, status = fallback, Status.FEASIBLE
            entry.update(status="feasible", length=best.length)
            length_bound = lb_len
            break
        # Undecided: remember the first such ii (the bound stops there) and look for a
        # schedule at the next ones with the time left.
        if open_ii is None:
            open_ii, open_len = ii, lb_len
        ii += 1
    reason = ""
    if best is None and incumbent is not None:
        best, status = incumbent, Status.FEASIBLE
    if best is None:
        if ii > last_ii and open_ii is None:
            status = Status.INFEASIBLE
            if last_ii < bounds.mii:
                reason = (
                    f"no schedule with ii <= {last_ii}: the lower bound is {bounds.mii} "
                    f"(ResMII {bounds.res_mii}, RecMII {bounds.rec_mii}, WarpMII {bounds.warp_mii})"
                )
            else:
                reason = (
                    f"no schedule with ii <= {instance.effective_max_ii} and length <= "
                    f"{instance.effective_horizon}: ii {bounds.mii}..{last_ii} proven infeasible"
                )
        else:
            reason = "time limit reached before a schedule was found"
    bound = None
    if open_ii is not None:
        # every ii below the first undecided one is proven infeasible
        bound = encode(instance, open_ii, min(open_len, instance.effective_horizon))
    elif status is not Status.INFEASIBLE and ii <= instance.effective_max_ii:
        # every ii below `ii` is proven infeasible; at `ii` the length is at least this
        lengths = [length_lb(instance, ii)] + ([length_bound] if length_bound is not None else [])
        bound = encode(instance, ii, min(max(lengths), instance.effective_horizon))
    if best is not None:
        stats["ii"], stats["length"] = best.ii, best.length
        stats["warp_groups_used"] = len(set(best.warp.values()))
    return Result(
        "pipelining",
        instance.name,
        "exact",
        status,
        objective=None if best is None else float(encode(instance, best.ii, best.length)),
        bound=None if bound is None else float(bound),
        runtime_s=deadline.elapsed(),
        solution=best,
        stats=stats,
        reason=reason,
    )


def _packing_infeasible(
    instance: Instance, ii: int, deadline: Deadline, threads: int, seed: int
) -> bool:
    """True when the modulo resource limits alone, time-indexed with the balance of a
    full unit (:func:`~planner.pipelining.cpsat.build_packing`), are proven infeasible."""
    model = build_packing(instance, ii)
    if model is None or deadline.remaining() < 0.05:
        return False
    solver = make_solver(time_limit=deadline.fraction(PACKING_SHARE), threads=threads, seed=seed)
    return solver.status_name(solver.solve(model)) == "INFEASIBLE"


def _accept(
    instance: Instance,
    ii: int,
    lb_len: int,
    candidate: Solution,
    deadline: Deadline,
    threads: int,
    seed: int,
) -> Solution | None:
    """``candidate`` (a relaxation's optimum) if the joint model accepts it, possibly with
    other warp groups for the same start times; else ``None``."""
    if not verify(instance, candidate):
        return candidate
    pinned = build(instance, ii, length_lb=lb_len)
    pinned.fix_starts(candidate.start)
    pinned.model.clear_objective()
    solver = make_solver(
        time_limit=deadline.fraction(PIN_SHARE, at_least=min(0.5, deadline.remaining())),
        threads=threads,
        seed=seed,
    )
    if solver.status_name(solver.solve(pinned.model)) in ("OPTIMAL", "FEASIBLE"):
        return pinned.solution(solver)
    return None


def _window(
    instance: Instance,
    ii: int,
    lb_len: int,
    warm: Solution | None,
    fallback: Solution | None,
    deadline: Deadline,
    threads: int,
    seed: int,
    entry: dict[str, Any],
) -> dict[str, Any]:
    """The joint model with the length capped a little above its lower bound.

    Capping the length (the horizon of the model) shrinks every start domain,
    which makes schedules near the bound much faster to find. The answer is
    exact within its scope: an optimum inside the window is the optimum at
    ``ii`` (any shorter schedule is inside the window too); an infeasible window
    raises the length bound past it (it says nothing about ``ii`` itself).
    Returns ``{"status", "solution", "length_lb"}`` (keys present when known).
    """
    top = _window_top(instance, lb_len)
    if fallback is not None and fallback.length is not None:
        top = fallback.length if top is None else min(top, fallback.length)
    if top is None or deadline.remaining() < 0.1:
        return {}
    model = build(instance, ii, length_lb=lb_len, horizon=top)
    if model.trivially_infeasible:
        return {}
    if warm is not None:
        model.hint(warm)
    solver = make_solver(time_limit=deadline.fraction(WINDOW_SHARE), threads=threads, seed=seed)
    name = solver.status_name(solver.solve(model.model))
    entry["window"] = f"{_ii_status(name)} (length <= {top})"
    if name == "INFEASIBLE":
        if fallback is not None and (fallback.length or 0) <= top:
            return {}  # the model rejects a schedule the verifier accepts: prove nothing
        return {"status": "infeasible", "length_lb": top + 1}
    if name not in ("OPTIMAL", "FEASIBLE"):
        return {}
    found = model.solution(solver)
    if verify(instance, found):
        return {}
    bound = max(lb_len, math.ceil(solver.best_objective_bound - 1e-6))
    return {
        "status": "optimal" if name == "OPTIMAL" else "feasible",
        "solution": found,
        "length_lb": bound,
    }


def _window_top(instance: Instance, lb_len: int, widen: int = 0) -> int | None:
    """The length cap of a windowed solve, twice as wide per ``widen`` (``None`` when it
    reaches the horizon: no cap at all)."""
    top = lb_len + (2**widen) * max(WINDOW_MIN, math.ceil(WINDOW_FRACTION * lb_len))
    return top if top < instance.effective_horizon else None


def _verified_length(instance: Instance, solution: Solution | None) -> int | None:
    """The length of ``solution`` if the verifier accepts it, else ``None``."""
    if solution is None or solution.length is None or verify(instance, solution):
        return None
    return solution.length


def _better_warm(instance: Instance, warm: Solution | None, candidate: Solution) -> Solution:
    """The warm start to keep: a verified schedule beats one that breaks storage or warp
    rules (a relaxation's, still a good hint); between equals, the shorter."""
    if warm is None:
        return candidate
    key_warm = (bool(verify(instance, warm)), warm.length or 0)
    key_candidate = (bool(verify(instance, candidate)), candidate.length or 0)
    return candidate if key_candidate <= key_warm else warm


def _plain_ims(instance: Instance, ii: int) -> Solution | None:
    """Rau's scheduler on the plain modulo-scheduling relaxation: a warm start at ``ii``."""
    warp = assign_together(instance, ii)
    if warp is None:
        return None
    start = modulo_schedule(instance, ii, warp, occupancy=False)
    if start is None:
        return None
    return Solution(ii=ii, start=start, warp=warp, length=schedule_length(instance, start))


def _since(tic: float) -> float:
    return round(time.perf_counter() - tic, 3)


def _tie_break(
    model: Model, best: Solution, deadline: Deadline, threads: int, seed: int, stats: dict
) -> Solution:
    """Among schedules of the optimal length, lexicographically (one weighted objective):

    1. fewest ops sharing a warp group with a consumer of a variable-latency op without
       being one (that group blocks in the consumer's wait for as long as the copy takes,
       which the schedule cannot know: the reason the copies get their own group, one
       step on);
    2. the least busy busiest group (sum of its ops' ``warp_cycles``: the margin before a
       group's own work exceeds ``ii`` when its durations are longer than modelled);
    3. the least cross-warp delay summed over the edges that cross groups;
    4. the fewest warp groups.
    """
    budget = min(TIE_BREAK_CAP, TIE_BREAK_SHARE * deadline.remaining())
    if budget < 0.05:
        return best
    m = model.model
    instance_ops = model.ops
    members: dict[int, list[tuple[str, Any]]] = {}
    for v, lits in model.assign.items():
        for g, lit in lits.items():
            members.setdefault(g, []).append((v, lit))
    used = []
    for g, group in members.items():
        free = [lit for _, lit in group if not isinstance(lit, int)]
        if not free:
            continue
        u = m.new_bool_var(f"tb_used[{g}]")
        for lit in free:
            m.add_implication(lit, u)
        used.append(u)
    busy = sum(op.warp_cycles for op in instance_ops.values())
    busiest = m.new_int_var(0, busy, "tb_busiest")
    for group in members.values():
        m.add(busiest >= sum(instance_ops[v].warp_cycles * lit for v, lit in group))
    waits = model.variable_waits
    exposed = []
    for g, group in members.items():
        consumers = [lit for v, lit in group if v in waits]
        if not consumers:
            continue
        for v, lit in group:
            if v in waits or instance_ops[v].variable_latency:
                continue
            x = m.new_bool_var(f"tb_exposed[{v},{g}]")
            for c in consumers:
                m.add(x >= lit + c - 1)
            exposed.append(x)
    delay = sum(d * c for d, c in zip(model.crossing_delay, model.crossing, strict=True))
    w_used = len(used) + 1
    w_delay = w_used * (sum(model.crossing_delay) + 1)
    w_busy = w_delay * (busy + 1)
    m.add(model.length <= best.length)
    m.minimize(w_busy * sum(exposed) + w_delay * busiest + w_used * delay + sum(used))
    model.hint(best)
    solver = make_solver(time_limit=budget, threads=threads, seed=seed)
    code = solver.solve(m)
    name = solver.status_name(code)
    stats["tie_break"] = _ii_status(name)
    if name in ("OPTIMAL", "FEASIBLE"):
        return model.solution(solver)
    return best


def _scale_stats(instance: Instance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cycles_per_unit": instance.cycles_per_unit,
        "horizon": instance.effective_horizon,
        "objective": "ii * (horizon + 1) + length",
    }
    if "normalization" in instance.meta:
        out["normalization"] = instance.meta["normalization"]
    return out
