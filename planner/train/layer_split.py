"""Exact layers per stage of a pipeline on one GPU pool, inside the plan search.

For fixed decisions but ``stage_layers`` (layer configuration, ``pp``,
``dp``, ``v``, ZeRO stage), stage ``j`` holding ``n_j`` layers has the
per-microbatch time ``U_j(n) = a_j + b n`` (the first stage adds the
embedding, the last the LM head and loss), the tail ``tau_j(n)`` (exposed
data-parallel sync, optimizer, embedding sync) and the memory cap
``n <= h_j`` from its in-flight microbatches, which fall with the stage index
(1F1B and interleaving alike). The integer program

    min  P(max_j U_j(n_j), sum_j U_j(n_j)) + max_j tau_j(n_j)
    s.t. sum_j n_j = L,  v <= n_j <= h_j

with ``P`` = :func:`planner.perfmodel.stage.pipeline_time` is solved exactly
by :func:`planner.train.hetero.split.solve_split` (thresholds on the
bottleneck and on the tail, each checked by a greedy fill), on the affine
stage terms of :mod:`planner.train.hetero.terms` (read off
:func:`planner.perfmodel.stage.stage_cost`). With ``v > 1`` each stage keeps at
least ``v`` layers (one per chunk): the counts are shifted by ``v - 1`` and
``P = (m + (p - 1)/v) max U`` has no ``sum U`` term (it only breaks ties).
The reference formulation is :func:`cpsat_stage_layers`; both are tested
against a brute force over all compositions.

Exact for models whose layers all have one type. Without interleaving, models with mixed
layers (DeepSeek's dense first layers, a multi-token-prediction block on the last stage) and
DualPipe plans (stage ``j`` and ``p - 1 - j`` on one rank, any layer types) get the least
step time of :mod:`planner.train.step_split` (the slowest stage or rank, the sum and the tail
all depend on the split). Interleaved plans of a dense prefix followed by MoE layers get the
exact split of :mod:`planner.train.chunk_split` (the dense layers' chunks enumerated, each
branch solved exactly); other interleaved mixed-layer patterns keep the balanced split
(not proven).
"""

from __future__ import annotations

import math
from dataclasses import replace

from planner.perfmodel.memory import in_flight_microbatches
from planner.perfmodel.stage import pipeline_time
from planner.train import chunk_split
from planner.train.hetero.split import StageClass, solve_split
from planner.train.hetero.terms import (
    MEMORY_RTOL,
    ComboTerms,
    StageTerms,
    type_ids,
    uniform_layers,
)
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.space import least_stage_layers
from planner.train.step_split import step_split_1f1b, step_split_dualpipe
from planner.train.step_time import (
    Quick,
    balanced_stage_layers,
    quick,
    training_step,
)

#: Weight that turns ``sum U`` into a tie-break when the step time does not contain it.
LEXICOGRAPHIC = 1e12


def split_classes(
    problem: TrainingProblem, plan: TrainingPlan, rtol: float = MEMORY_RTOL
) -> tuple[list[StageClass], int, float, bool] | None:
    """Stage classes of ``plan``'s pipeline shifted to ``n' = n - (s - 1) >= 1``, ``s`` =
    :func:`least_stage_layers`.

    Returns ``(classes, layers left after s - 1 per stage, weight, with_sum)``: the
    step time is ``weight max U + [sum U] + max tau`` (``sum U`` counted only when
    ``with_sum``, i.e. 1F1B without interleaving), or ``None`` when the affine model
    is not exact for ``plan`` (layers of mixed types, or DualPipe's paired ranks).
    """
    if not uniform_layers(problem) or training_step(problem, plan).schedule == "dualpipe":
        return None  # DualPipe pairs stage j with pp - 1 - j: step_split
    pp, v = plan.pp, plan.interleave
    s = least_stage_layers(plan)
    L = problem.model.layers
    ct = ComboTerms(problem, plan, type_ids(problem)[0])
    pool = problem.cluster.pools[0]
    weight = pipeline_time(1.0, 0.0, ct.m, pp, v)
    if s <= 1:
        return ct.classes((pool.label,) * pp, rtol), L, weight, True
    # interleaved stages are affine from n = v on (a chunk per layer below), stages with
    # partial recompute of k layers from n = k on (all of a smaller stage is recomputed):
    # read the terms at s and s + 1 layers, i.e. in n' = n - (s - 1)
    rest = L - pp * (s - 1)
    if rest < pp:
        return [], rest, 0.0, v <= 1
    layer = type_ids(problem)[0][0]
    capacity = problem.capacity(pool.gpu)
    groups: dict[tuple[bool, bool], StageClass] = {}
    terms: dict[tuple[bool, bool], StageTerms] = {}  # a stage's terms depend on its kind only
    for j in range(pp):
        key = (j == 0, j == pp - 1)
        t = terms.get(key)
        if t is None:
            t = terms[key] = ct.terms_for(pool.label, *key, False, [layer] * s, [layer] * (s + 1))
        cls = groups.get(key)
        if cls is None:
            cls = groups[key] = StageClass(t.u[0], t.u[1], t.tail(rest, ct.overlap), [], [])
        cls.stages.append(j)
        cls.caps.append(t.cap(in_flight_microbatches(j, pp, ct.m, v), capacity, rest, rtol))
    return list(groups.values()), rest, weight, v <= 1


def exact_stage_layers(problem: TrainingProblem, plan: TrainingPlan) -> tuple[int, ...] | None:
    """Layers per stage minimizing the step time of ``plan`` under memory (``None``: none fits).

    ``plan.stage_layers`` is ignored. Falls back to the balanced split when the
    affine model does not apply (see :func:`split_classes`).
    """
    if plan.pp == 1:
        return (problem.model.layers,)
    got = split_classes(problem, plan)
    if got is None:
        return balanced_stage_layers(problem.model.layers, plan.pp)
    classes, rest, weight, with_sum = got
    if not classes:
        return None
    if not with_sum:
        # solve_split minimizes (m - 1) T + S + W; scaling T's weight and the tails by
        # LEXICOGRAPHIC makes S (not part of the interleaved step time) a mere tie-break
        classes = [
            replace(c, tau=c.tau * LEXICOGRAPHIC, order=[], sorted_caps=[], prefix=[])
            for c in classes
        ]
        weight *= LEXICOGRAPHIC
    res = solve_split(rest, weight + 1.0, classes)
    if res is None:
        return None
    return tuple(n + least_stage_layers(plan) - 1 for n in res.layers)


def best_stage_layers(problem: TrainingProblem, plan: TrainingPlan) -> tuple[TrainingPlan, Quick]:
    """``plan`` with its best layers per stage and its :func:`quick` numbers
    (:func:`split_and_proof` without the proof flag)."""
    plan, q, _ = split_and_proof(problem, plan)
    return plan, q


def split_and_proof(
    problem: TrainingProblem, plan: TrainingPlan
) -> tuple[TrainingPlan, Quick, bool]:
    """``plan`` with its best layers per stage, its :func:`quick` numbers, and whether that
    split is the step model's least one as far as the search may claim it (``False`` where
    an interleaved mixed-layer plan falls back to the balanced split:
    a dense/MoE pattern other than a dense prefix, more than
    :data:`~planner.train.chunk_split.MAX_BRANCHES` placements of the prefix, or an exact
    split that misses memory by rounding; and for mixed-layer or DualPipe plans over several
    pools; a better split may then exist).

    On one pool, DualPipe plans and mixed-layer plans without interleaving get the least
    step time of :mod:`planner.train.step_split` (the balanced split, not fitting, when no
    split fits). Otherwise the exact split is re-evaluated by the step model beside the balanced split,
    and the better of the two is kept: the split is exact for the affine stage
    model, but the step model also sees the chunks inside an interleaved stage
    (found by the brute-force test: 8 layers, pp 2, v 2 chose (5, 3) over a
    faster (4, 4)); if rounding makes the exact split miss memory there (or the
    affine model does not apply), the balanced split is used.
    """
    uniform = uniform_layers(problem)
    dualpipe = training_step(problem, plan).schedule == "dualpipe"
    one_pool = len(problem.cluster.pools) == 1
    if one_pool and plan.pp > 1 and (dualpipe or (not uniform and plan.interleave <= 1)):
        # the least step time of any layer types, 1F1B or DualPipe (step_split)
        layers = (step_split_dualpipe if dualpipe else step_split_1f1b)(problem, plan)
        if layers is not None:
            exact = replace(plan, stage_layers=layers)
            return exact, quick(problem, exact), True
        balanced = replace(plan, stage_layers=balanced_stage_layers(problem.model.layers, plan.pp))
        return balanced, quick(problem, balanced), True  # no split fits
    mixed_interleaved = not uniform and chunk_split.applies(problem, plan)
    if mixed_interleaved:
        layers = chunk_split.interleaved_mixed_layers(problem, plan)
    elif plan.pp > 1 and not uniform:
        layers = None  # other interleaved patterns, or several pools: balanced, not proven
    else:
        layers = exact_stage_layers(problem, plan)
    exact_is_step = mixed_interleaved or (uniform and plan.interleave <= 1 and not dualpipe)
    if exact_is_step and layers is not None:
        # without interleaving the affine stage model is the step model: the exact split
        # needs no comparison with the balanced one (unless rounding broke its memory)
        exact = replace(plan, stage_layers=layers)
        q = quick(problem, exact)
        if q.fits:
            return exact, q, True
    proven = (uniform and not dualpipe) or plan.pp == 1  # DualPipe over pools: balanced
    balanced = replace(plan, stage_layers=balanced_stage_layers(problem.model.layers, plan.pp))
    q_balanced = quick(problem, balanced)
    if layers is not None and layers != balanced.stage_layers:
        exact = replace(plan, stage_layers=layers)
        q = quick(problem, exact)
        if q.fits and (not q_balanced.fits or q.objective <= q_balanced.objective):
            return exact, q, proven
    return balanced, q_balanced, proven


def cpsat_stage_layers(
    problem: TrainingProblem,
    plan: TrainingPlan,
    *,
    time_limit: float = 10.0,
    threads: int = 1,
    scale: float = 1e9,
) -> tuple[int, ...] | None:
    """Reference CP-SAT model of the same split (times scaled to integers by ``scale``).

    Variables: one Boolean per (stage, layer count) within the memory cap;
    ``max U`` and ``max tau`` as upper-bounded integers. Used to cross-check
    :func:`exact_stage_layers` (rounding to nanoseconds aside).
    """
    from ortools.sat.python import cp_model

    from planner.core.cpsat import make_solver

    got = split_classes(problem, plan)
    if got is None:
        raise ValueError("the affine split model does not apply to this plan")
    classes, rest, weight, with_sum = got
    if not classes or rest < plan.pp:
        return None
    model = cp_model.CpModel()
    pick: dict[int, dict[int, cp_model.IntVar]] = {}
    u_of, tau_of = {}, {}
    for c in classes:
        for j, h in zip(c.stages, c.caps, strict=True):
            pick[j] = {n: model.new_bool_var(f"x{j}_{n}") for n in range(1, min(h, rest) + 1)}
            if not pick[j]:
                return None
            model.add_exactly_one(pick[j].values())
            u_of[j] = {n: round((c.a + c.b * n) * scale) for n in pick[j]}
            tau_of[j] = {n: round(float(c.tau[n]) * scale) for n in pick[j]}
    model.add(sum(n * x for j in pick for n, x in pick[j].items()) == rest)
    top_u = max(max(d.values()) for d in u_of.values())
    top_t = max(max(d.values()) for d in tau_of.values())
    umax = model.new_int_var(0, top_u, "umax")
    tmax = model.new_int_var(0, top_t, "tmax")
    for j in pick:
        model.add(umax >= sum(u_of[j][n] * x for n, x in pick[j].items()))
        model.add(tmax >= sum(tau_of[j][n] * x for n, x in pick[j].items()))
    usum = sum(u_of[j][n] * x for j in pick for n, x in pick[j].items())
    # the bottleneck's weight may be fractional (interleaving): scale it to an integer
    model.minimize(round(weight * 1000) * umax + 1000 * with_sum * usum + 1000 * tmax)
    solver = make_solver(time_limit=time_limit, threads=threads)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    layers = [0] * plan.pp
    shift = least_stage_layers(plan) - 1
    for j in pick:
        layers[j] = next(n for n, x in pick[j].items() if solver.value(x)) + shift
    return tuple(layers)


def step_of_split(problem: TrainingProblem, plan: TrainingPlan, layers) -> float:
    """Objective of ``plan`` with ``layers`` per stage (``inf`` if it does not fit)."""
    q = quick(problem, replace(plan, stage_layers=tuple(layers)))
    return q.objective if q.fits else math.inf
