"""Sensible choices: among plans within a tolerance of the best, recommend the simplest.

Two plans whose predicted step time differs by a fraction of a percent are
the same under the model's error, but a plan with fewer parallel dimensions,
tensor parallelism inside a node, no context parallelism at short sequences
and fewer pipeline stages is easier to launch, debug and scale. So the search
keeps a pool of the best plans, plans with the same behaviour (the same step
time and memory: e.g. ZeRO-1 and ZeRO-0 at ``dp = 1``) are merged into the
simplest one, and among the plans within ``tolerance`` of the fastest the
simplest is recommended.

The certificate stays honest: the recommended plan's objective is its own,
the bound is the search's proven bound, so the gap shows how far the
recommendation is from the proven optimum (and the status is OPTIMAL only
when the fastest plan is also the simplest).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.core import validate
from planner.core.errors import InputError
from planner.train.instance import (
    TrainingPlan,
    TrainingProblem,
    compact,
    distinct_labels,
)
from planner.train.step_time import Quick

#: Default tolerance (fraction of the best objective) for ``--prefer-simple``.
DEFAULT_TOLERANCE = 0.01
#: Sequences shorter than this count as "short": context parallelism there is a complication.
SHORT_SEQUENCE = 32_768
#: Plans the search keeps when a preference is asked for (the candidates within tolerance).
POOL_SIZE = 128
_RECOMPUTE_RANK = {"none": 0, "selective": 1, "full": 2, "offload": 3}


def check_tolerance(value: float, where: str | None = None) -> float:
    """``value`` as a tolerance in ``[0, 1)``, or :class:`InputError` naming ``where``
    (default: ``prefer_simple``, ``--prefer-simple`` on the command line)."""
    where = where or validate.arg("prefer_simple")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InputError(f"{where}: expected a fraction in [0, 1) such as 0.01, got {value!r}")
    return float(value)


def complexity(problem: TrainingProblem, plan: TrainingPlan) -> tuple[int, ...]:
    """Sort key of a plan's complexity (smaller is simpler), compared left to right.

    1. tensor parallelism across nodes (1) or inside a node (0);
    2. context parallelism at a sequence shorter than :data:`SHORT_SEQUENCE`;
    3. the number of parallel dimensions above 1 (tp, pp, dp, cp, ep);
    4. pipeline stages, then virtual stages, then the tensor-parallel size;
    5. an uneven stage split; the recompute mode (none < selective < full);
       the ZeRO stage; experts split unlike the attention (expert TP below TP);
       sequence parallelism.
    """
    node = min(p.gpus_per_node for p in problem.cluster.pools)
    dims = sum(1 for x in (plan.tp, plan.pp, plan.dp, plan.cp, plan.ep) if x > 1)
    short_cp = plan.cp > 1 and problem.workload.seq_len < SHORT_SEQUENCE
    uneven = len(set(plan.stage_layers)) > 1
    return (
        int(plan.tp > node),
        int(short_cp),
        dims,
        plan.pp,
        plan.interleave,
        plan.tp,
        plan.cp,
        int(uneven),
        _RECOMPUTE_RANK.get(plan.recompute, 4),
        plan.zero,
        int(plan.etp != plan.tp),
        int(plan.sequence_parallel),
    )


def reasons(problem: TrainingProblem, simple: TrainingPlan, fast: TrainingPlan) -> list[str]:
    """Why ``simple`` is simpler than ``fast``, in words (the first differences of the key)."""
    node = min(p.gpus_per_node for p in problem.cluster.pools)
    out = []
    if fast.tp > node >= simple.tp:
        out.append(f"tensor parallelism inside a node (tp {simple.tp} vs {fast.tp})")
    seq = problem.workload.seq_len
    if fast.cp > 1 and simple.cp == 1 and seq < SHORT_SEQUENCE:
        out.append(f"no context parallelism at {seq} tokens (cp 1 vs {fast.cp})")
    a, b = complexity(problem, simple)[2], complexity(problem, fast)[2]
    if a < b:
        out.append(f"{a} parallel dimension{'s' * (a != 1)} instead of {b}")  # "1 ... dimensions"
    if simple.pp < fast.pp:
        out.append(f"fewer pipeline stages ({simple.pp} vs {fast.pp})")
    elif simple.pp == fast.pp and simple.interleave < fast.interleave:
        out.append(f"fewer virtual stages ({simple.interleave} vs {fast.interleave})")
    if not out:
        for key, a, b in (
            ("tp", simple.tp, fast.tp),
            ("cp", simple.cp, fast.cp),
            ("even", len(set(simple.stage_layers)) == 1, len(set(fast.stage_layers)) == 1),
            ("recompute", simple.recompute, fast.recompute),
            ("zero", simple.zero, fast.zero),
            ("expert tp", simple.etp, fast.etp),
            ("sequence parallel", simple.sequence_parallel, fast.sequence_parallel),
        ):
            if a != b and key == "even":
                layers = (compact(simple.stage_layers), compact(fast.stage_layers))
                out.append("even stages ({} vs {})".format(*layers))
                break
            if a != b:
                out.append(f"simpler {key} ({a} vs {b})")
                break
    return out


def behaviour(q: Quick) -> tuple[str, str]:
    """Plans with equal step time and memory behave the same (to 9 significant digits)."""
    return (f"{q.step_time:.9g}", f"{q.memory:.9g}")


def distinct(
    problem: TrainingProblem, ranked: Sequence[tuple[TrainingPlan, Quick]]
) -> list[tuple[TrainingPlan, Quick]]:
    """``ranked`` with each behaviour kept once (its simplest plan), best objective first."""
    groups: dict[tuple[str, str], tuple[TrainingPlan, Quick]] = {}
    for plan, q in ranked:
        key = behaviour(q)
        held = groups.get(key)
        if held is None or complexity(problem, plan) < complexity(problem, held[0]):
            groups[key] = (plan, q)
    return sorted(groups.values(), key=lambda pq: (pq[1].objective, complexity(problem, pq[0])))


def prefer_simple(
    problem: TrainingProblem,
    ranked: Sequence[tuple[TrainingPlan, Quick]],
    tolerance: float,
    keep: int,
) -> tuple[list[tuple[TrainingPlan, Quick]], dict[str, Any] | None]:
    """The recommended plan first, then the other distinct plans (fastest first), ``keep`` in all.

    Returns the new ranking and, when the recommendation is not the fastest
    plan, a record of the choice (``tolerance``, the fastest plan and its
    objective, the reasons); ``None`` otherwise.
    """
    plans = distinct(problem, ranked)
    if not plans:
        return [], None
    best = plans[0][1].objective
    within = [pq for pq in plans if pq[1].objective <= best * (1 + tolerance)]
    chosen = min(within, key=lambda pq: (complexity(problem, pq[0]), pq[1].objective))
    rest = [pq for pq in plans if pq[0] != chosen[0]]
    out = [chosen, *rest][: max(1, keep)]
    if chosen[0] == plans[0][0]:
        return out, None
    fast, fq = plans[0]
    return out, {
        "tolerance": tolerance,
        "fastest_plan": fast.to_dict(),
        "fastest_label": distinct_labels([chosen[0], fast])[1],
        "fastest_objective": fq.objective,
        "slower_by": chosen[1].objective / fq.objective - 1.0,
        "candidates_within_tolerance": len(within),
        "reasons": reasons(problem, chosen[0], fast),
    }


__all__ = [
    "DEFAULT_TOLERANCE",
    "POOL_SIZE",
    "SHORT_SEQUENCE",
    "behaviour",
    "check_tolerance",
    "complexity",
    "distinct",
    "prefer_simple",
    "reasons",
]
