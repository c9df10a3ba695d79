"""Exact layer split of one pipeline that spans GPU pools, under the step model.

For a fixed plan but its ``stage_layers`` (configuration, ``dp``, ZeRO
stage, pool of every stage), the stages' terms are affine in their layer
counts (:mod:`planner.train.hetero.terms`) and
:func:`planner.train.hetero.split.solve_split` finds the best split exactly.
Models with ``D`` dense layers followed by MoE layers (DeepSeek) are split
exactly by a case split over how the dense layers fill the leading stages.
Every split is re-evaluated with :func:`planner.train.step_time.quick`;
a memory check that rounding tipped over is retried with tighter caps.
"""

from __future__ import annotations

import math
from dataclasses import replace

from planner.perfmodel.memory import in_flight_microbatches
from planner.train.hetero.split import solve_split
from planner.train.hetero.terms import MEMORY_RTOL, ComboTerms, dense_prefix, type_ids
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.step_time import quick


def best_split(
    problem: TrainingProblem,
    plan: TrainingPlan,
    labels: tuple[str, ...],
    *,
    upper: float = math.inf,
    terms: ComboTerms | None = None,
    doubts: list[str] | None = None,
) -> tuple[tuple[int, ...] | None, float]:
    """Best layers per stage for fixed everything else: (layers or None, step time).

    ``plan`` gives every decision but ``stage_layers``; ``labels`` the pool of
    each stage. Exact for models whose layers all have one type and for
    dense-prefix MoE models (:func:`_prefix_split`); for other layer patterns
    the stage terms of the main layer type are used. Returns ``(None, inf)``
    when no split fits in memory (or none is below ``upper``). If rounding
    makes the step model reject the splits found with both the liberal and
    the conservative memory check, a note is appended to ``doubts`` (the
    pipeline's optimum is then not certain).
    """
    ct = terms or ComboTerms(problem, plan, type_ids(problem)[0])
    L = problem.model.layers
    m = plan.microbatches(problem.workload.global_batch)
    D = dense_prefix(problem)
    for attempt, rtol in enumerate((MEMORY_RTOL, -MEMORY_RTOL)):  # retry tighter on rounding
        if D:
            layers = _prefix_split(problem, labels, ct, D, upper, rtol)
        else:
            res = solve_split(L, m, ct.classes(labels, rtol), upper=upper)
            layers = tuple(res.layers) if res is not None else None
        if layers is None:
            if attempt and doubts is not None:
                doubts.append(f"memory rounding: {plan.short()} on {labels}")
            return None, math.inf
        q = quick(problem, replace(plan, stage_layers=layers, stage_pools=labels))
        if q.fits:
            return layers, q.step_time
    if doubts is not None:
        doubts.append(f"memory rounding: {plan.short()} on {labels}")
    return None, math.inf


def _prefix_cases(L: int, D: int, pp: int):
    """Ways the ``D`` dense layers fill the leading stages.

    Yields ``(fixed, rest)``: ``fixed`` the sizes of the leading stages whose
    layers are fixed, ``rest`` either ``("moe", j)`` (stages ``j ..`` hold
    only MoE layers), ``("mixed", j, k)`` (stage ``j`` holds the last ``k``
    dense layers and at least one MoE layer, later stages only MoE) or
    ``None`` (every stage fixed).
    """

    def walk(j: int, pos: int, fixed: tuple[int, ...]):
        left = pp - j - 1  # stages after j
        if left == 0:
            yield (*fixed, L - pos), None
            return
        for n in range(1, D - pos):  # only dense layers, the block goes on
            if L - pos - n >= left:
                yield from walk(j + 1, pos + n, (*fixed, n))
        if left <= L - D:
            yield (*fixed, D - pos), ("moe", j + 1)
        if left <= L - D - 1:
            yield fixed, ("mixed", j, D - pos)

    yield from walk(0, 0, ())


def _prefix_split(
    problem: TrainingProblem,
    labels: tuple[str, ...],
    ct: ComboTerms,
    D: int,
    upper: float,
    rtol: float,
) -> tuple[int, ...] | None:
    """Exact split for ``D`` dense layers followed by MoE layers (DeepSeek style).

    Only the leading stages can hold dense layers: every way of filling them
    (:func:`_prefix_cases`) leaves stages of fixed content (evaluated exactly),
    at most one stage with ``k`` dense layers plus ``n' >= 1`` MoE layers
    (affine in ``n'``) and stages of MoE layers only (affine), i.e. a split
    problem of the :func:`solve_split` form; the best case wins.
    """
    L = problem.model.layers
    pp = len(labels)
    m = ct.m
    best: tuple[float, tuple[int, ...]] | None = None
    for fixed, rest in _prefix_cases(L, D, pp):
        floor_u = floor_tau = fixed_sum = 0.0
        pos, ok = 0, True
        for j, n in enumerate(fixed):
            first, last = j == 0, j == pp - 1
            inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
            flight = in_flight_microbatches(j, pp, m, 1)
            u, tau, fits = ct.fixed(
                labels[j], first, last, inter, list(range(pos, pos + n)), flight
            )
            if not fits:
                ok = False
                break
            floor_u, floor_tau, fixed_sum = max(floor_u, u), max(floor_tau, tau), fixed_sum + u
            pos += n
        if not ok:
            continue
        if rest is None:
            res = solve_split(
                0, m, [], upper=upper, floor_u=floor_u, floor_tau=floor_tau, fixed_sum_u=fixed_sum
            )
            layers = tuple(fixed)
        else:
            start = rest[1]
            special = None
            if rest[0] == "mixed":
                j = rest[1]
                first, last = j == 0, j == pp - 1
                inter = (
                    labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
                )
                dense = list(range(pos, D))
                special = (
                    j,
                    ct.terms_for(labels[j], first, last, inter, [*dense, D], [*dense, D, D + 1]),
                )
            classes = ct.classes(labels, rtol, start=start, layers=L - D, special=special)
            res = solve_split(
                L - D,
                m,
                classes,
                upper=upper,
                floor_u=floor_u,
                floor_tau=floor_tau,
                fixed_sum_u=fixed_sum,
            )
            if res is None:
                continue
            tail_layers = list(res.layers)
            if rest[0] == "mixed":
                tail_layers[0] += rest[2]
            layers = (*fixed, *tail_layers)
        if res is None:
            continue
        if best is None or res.objective < best[0]:
            best = (res.objective, layers)
            upper = min(upper, res.objective)
    return best[1] if best is not None else None
