"""The offload methods table: online policies, offline references and the exact MIP.

Every method has the signature ``f(instance, *, time_limit, threads, seed, hint)``
and returns a :class:`~planner.core.result.Result`; ``planner.solve``
certifies it (objective recomputed by ``evaluate``, plan checked by
``verify``, cheap bound added). Policies (``static``, ``lru``, ``lfu``,
``d2moe``, ``tide`` at a given tau, ``auto``) are causal; ``belady`` and
``exact`` read the whole trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from planner.core.family import Method
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.offload import tide
from planner.offload.adaptive import AdaptivePolicy
from planner.offload.evaluate import summary
from planner.offload.instance import Instance, Solution
from planner.offload.policies import D2MoEPolicy, LFUPolicy, LRUPolicy, StaticPolicy, belady_until
from planner.offload.policy import Context, Policy, StepDeadline, plan_times, simulate_until


def changed_steps(instance: Instance, mask: np.ndarray) -> list[int]:
    """Steps at which some layer's resident set changes (step 0: vs the initial set)."""
    previous = np.concatenate([instance.initial_mask()[None], mask[:-1]], axis=0)
    return np.flatnonzero((mask != previous).any(axis=(1, 2))).tolist()


def plan_result(
    instance: Instance,
    method: str,
    mask: np.ndarray | None,
    *,
    started: float,
    status: Status = Status.FEASIBLE,
    bound: float | None = None,
    info: dict[str, Any] | None = None,
    stats: dict[str, Any] | None = None,
) -> Result:
    """Wrap a plan mask into a Result with the plan's statistics (``certify`` checks it)."""
    info = dict(info or {})
    solution = None
    all_stats: dict[str, Any] = dict(stats or {})
    objective = None
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        info.setdefault("refresh_steps", changed_steps(instance, mask))
        solution = Solution.from_mask(mask, policy=method, **info)
        all_stats = {**summary(instance, solution, mask), **all_stats}
        objective = all_stats["time_s"]
    return Result(
        family="offload",
        instance=instance.name,
        method=method,
        status=status if mask is not None else Status.UNKNOWN,
        objective=objective,
        bound=bound,
        runtime_s=time.perf_counter() - started,
        solution=solution,
        stats=all_stats,
    )


#: Share of the time limit a policy may run; the rest builds and sums up the plan.
POLICY_SHARE = 0.5

#: Seconds per count of the trace to build the answer of any plan (the summary over the plan
#: mask): 2e-8 measured at 16,384 steps of deepseek-v2-lite (27 M counts, load 6), plus half.
ANSWER_S_PER_CELL = 3e-8

#: Seconds per (step, layer) row whose resident set may be new: its expert list, its check
#: and its JSON. Measured 1.6e-5 at 16,384 steps of deepseek-v2-lite (load 6: a plan that
#: changes at every step vs one that never changes), plus a quarter. Rows of the steps a
#: policy did not decide repeat the last set and are not counted.
ANSWER_S_PER_ROW = 2e-5


def policy_deadline(instance: Instance, time_limit: float) -> StepDeadline:
    """The part of ``time_limit`` a policy may decide steps in: half of it, less what
    building and checking the answer of a long trace takes afterwards -- a part for the
    whole trace and a part per decided step (:class:`~planner.offload.policy.StepDeadline`)."""
    reserve = ANSWER_S_PER_CELL * instance.counts.size
    return StepDeadline(
        max(0.0, min(POLICY_SHARE * time_limit, time_limit - reserve)),
        step_s=ANSWER_S_PER_ROW * instance.layers,
    )


def stopped_stats(instance: Instance, decided: int) -> dict[str, Any]:
    """What a method says when its policy stopped at the deadline after ``decided`` steps."""
    if decided >= instance.steps:
        return {}
    return {
        "stopped_at_step": decided,
        "stopped_reason": f"time limit: the policy decided {decided} of {instance.steps} steps; "
        "the later steps keep the last resident set",
    }


def _policy_method(name: str, make: Callable[[], Policy], doc: str) -> Callable[..., Result]:
    def run(
        instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
    ) -> Result:
        started = time.perf_counter()
        mask, decided = simulate_until(instance, make(), policy_deadline(instance, time_limit))
        stats = stopped_stats(instance, decided)
        return plan_result(instance, name, mask, started=started, stats=stats)

    run.__name__ = f"method_{name}"
    run.__doc__ = doc
    return run


def method_belady(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Belady's offline eviction (knows the future; a reference, not a policy)."""
    started = time.perf_counter()
    mask, decided = belady_until(instance, policy_deadline(instance, time_limit))
    return plan_result(
        instance,
        "belady",
        mask,
        started=started,
        info={"offline": True},
        stats=stopped_stats(instance, decided),
    )


def sweep_stats(instance: Instance, results: list[tide.TauResult]) -> dict[str, Any]:
    """What the TIDE method says when the deadline cut its sweep of tau short."""
    taus = tide.tau_range(instance)
    if len(results) == len(taus):
        return {}
    return {
        "sweep_reason": f"time limit: {len(results)} of the taus 1..{taus[-1]} tried "
        f"(from the largest down: {results[0].tau}..{results[-1].tau})"
    }


def method_tide(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """TIDE's refresh rule with the interval tau chosen exactly by enumeration on this trace."""
    started = time.perf_counter()
    deadline = policy_deadline(instance, time_limit)
    results, mask, decided = tide.sweep_until(instance, deadline)
    top = tide.best(results)
    sweep = [
        {
            "tau": r.tau,
            "time_s": r.time_s,
            "copy_s": r.copy_s,
            "loads": r.loads,
            "refreshes": r.refreshes,
        }
        for r in results
    ]
    refresh = tide.refresh_steps(Context.of(instance), top.tau)
    info = {"tau": top.tau, "refresh_steps": np.flatnonzero(refresh).tolist()}
    return plan_result(
        instance,
        "tide",
        mask,
        started=started,
        info=info,
        stats={
            "tau": top.tau,
            "tau_sweep": sweep,
            "why": tide.explain(results, instance),
            **stopped_stats(instance, decided),
            **sweep_stats(instance, results),
        },
    )


def method_exact(
    instance: Instance, *, time_limit: float, threads: int, seed: int, hint: Any | None
) -> Result:
    """Offline optimum: MIP in HiGHS (per layer when the budget is per layer, no overlap)."""
    from planner.offload import mip

    started = time.perf_counter()
    deadline = Deadline(time_limit)
    auto, decided = simulate_until(instance, AdaptivePolicy(), Deadline(0.25 * time_limit))
    starts = [auto]
    ahead, ahead_decided = mip.lookahead_until(instance, Deadline(0.25 * deadline.remaining()))
    if ahead_decided == instance.steps:
        starts.append(ahead)
    hinted = hint_mask(instance, hint)
    if hinted is not None:
        starts.append(hinted)
    start_times = [float(plan_times(instance, m).sum()) for m in starts]
    start_time, start = min(zip(start_times, starts, strict=True), key=lambda pair: pair[0])
    # the rest of the budget goes to the MIP, less what building the answer takes
    answer = ANSWER_S_PER_CELL * instance.counts.size
    answer += ANSWER_S_PER_ROW * instance.steps * instance.layers
    reserve = min(0.5 * deadline.remaining(), answer + 0.1)
    status, mask, bound, stats = mip.solve(
        instance,
        time_limit=max(0.0, deadline.remaining() - reserve),
        threads=threads,
        seed=seed,
        start=start,
    )
    if mask is None:
        mask, status = start, Status.FEASIBLE
    stats["start_time_s"] = start_time
    if decided < instance.steps:
        stats["start_stopped_at_step"] = decided
    return plan_result(
        instance,
        "exact",
        mask,
        started=started,
        status=status,
        bound=bound,
        info={"offline": True},
        stats={"mip": stats},
    )


def hint_mask(instance: Instance, hint: Any | None) -> np.ndarray | None:
    """The hint as a plan mask, or None (a bad hint is ignored, never trusted)."""
    if hint is None:
        return None
    from planner.offload.evaluate import verify

    try:
        solution = hint if isinstance(hint, Solution) else Solution.from_dict(hint)
    except Exception:
        return None
    if verify(instance, solution):
        return None
    return solution.mask(instance.layers, instance.experts)


def _methods() -> dict[str, Method]:
    table = {
        "static": Method(
            "static",
            _policy_method("static", StaticPolicy, "Top experts of step 0, never changed."),
            "heuristic",
            "static: top-B of the first step, never refreshed (causal)",
        ),
        "lru": Method(
            "lru",
            _policy_method("lru", LRUPolicy, "LRU cache of experts."),
            "heuristic",
            "LRU cache: load every used expert, evict least recently used (causal)",
        ),
        "lfu": Method(
            "lfu",
            _policy_method("lfu", LFUPolicy, "LFU cache of experts."),
            "heuristic",
            "LFU cache: load every used expert, evict least frequently used (causal)",
        ),
        "d2moe": Method(
            "d2moe",
            _policy_method("d2moe", D2MoEPolicy, "Hottest-expert-first I/O schedule."),
            "heuristic",
            "D²MoE-style hottest-expert-first loads, as many as compute hides (causal)",
        ),
        "belady": Method(
            "belady",
            method_belady,
            "heuristic",
            "Belady's offline eviction (farthest next use; knows the future)",
        ),
        "tide": Method(
            "tide",
            method_tide,
            "heuristic",
            "TIDE's refresh rule, interval tau chosen exactly by enumeration on the trace",
        ),
        "exact": Method(
            "exact",
            method_exact,
            "exact",
            "offline optimum: MIP in HiGHS, decomposed by layer for a per-layer budget",
        ),
        "auto": Method(
            "auto",
            _policy_method(
                "auto", AdaptivePolicy, "Adaptive refresh triggered by the predicted gain (causal)."
            ),
            "heuristic",
            "ours: adaptive refresh when the predicted gain pays for the copies (causal)",
        ),
    }
    return table


METHODS: dict[str, Method] = _methods()
