"""A global GPU budget over all layers: a Lagrangian bound and per-layer plans under split caps.

One MIP over every layer is too large to solve in a minute at the LLaDA2.0-mini shape
(200 000 columns; even its LP relaxation takes longer). The global budget is the only
constraint that couples the layers, so it is relaxed with one multiplier per step:

* bound: for multipliers ``lambda_s >= 0`` each layer's LP relaxation, with
  ``lambda_s`` added to the cost of every resident expert at step ``s`` and no
  budget of its own, is solved separately; ``sum_l LP_l(lambda) - sum_s lambda_s K``
  is a valid lower bound on the optimum (weak duality). The multipliers are
  chosen by a trust-region cutting-plane method (:func:`maximize_dual`);
* plan: each layer is planned on its own under per-step caps (LP relaxation +
  RENS, see :func:`planner.offload.mip.run_model`): first the even split of the
  slots, then -- with time left -- the slots apportioned to the layers in
  proportion to their residency in the best relaxation (largest remainders).

The result is a plan and a proven gap, not a proof of optimality.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import highspy
import numpy as np

from planner.core.lp_bound import highs_lp_bound, sum_lower
from planner.core.mip import new_highs
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.offload import mip
from planner.offload.instance import Instance
from planner.offload.policy import plan_times

#: Largest number of dual iterations (each solves every layer's LP once).
MAX_ITERATIONS = 60
#: Relative predicted increase of the bound below which the dual ascent stops.
DUAL_TOLERANCE = 1e-6


class LayerLP:
    """The LP relaxation of one layer without its own budget, re-solved for new multipliers."""

    def __init__(self, instance: Instance, layer: int, seed: int) -> None:
        self.steps = instance.steps
        model = mip.build(
            instance, [layer], capacity=instance.experts, global_budget=False, overlap=False
        )
        xc = model.xcol[0]
        self.cols = xc[xc >= 0].astype(np.int32)
        self.col_step = np.nonzero(xc >= 0)[1]
        self.h = new_highs(time_limit=1e9, seed=seed)
        self.h.setOptionValue("solve_relaxation", True)
        self.h.passModel(model.lp)

    def solve(self, lam: np.ndarray, time_limit: float) -> tuple[float, np.ndarray] | None:
        """``(a rigorous lower bound of the LP in :data:`~planner.offload.mip.UNIT`, expected
        residency per step)``,
        None if not optimal or no finite bound follows from its duals."""
        self.h.changeColsCost(len(self.cols), self.cols, lam[self.col_step])
        self.h.setOptionValue("time_limit", max(0.01, time_limit))
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(self.h.getSolution().col_value)[self.cols]
        usage = np.bincount(self.col_step, weights=x, minlength=self.steps)
        value = highs_lp_bound(self.h, time_limit=max(0.01, time_limit))
        return None if value is None else (value, usage)


def apportion(weights: np.ndarray, total: int, upper: int) -> np.ndarray:
    """Integers ``<= upper`` summing to at most ``total``, proportional to ``weights`` (largest
    remainders); ``weights`` is ``[layers]``."""
    w = np.maximum(np.asarray(weights, dtype=np.float64), 0.0)
    if w.sum() <= 0:
        w = np.ones_like(w)
    share = np.minimum(w / w.sum() * total, upper)
    out = np.floor(share).astype(np.int64)
    rest = total - int(out.sum())
    order = np.argsort(-(share - out), kind="stable")
    for i in order:
        if rest <= 0:
            break
        if out[i] < upper:
            out[i] += 1
            rest -= 1
    return out


def maximize_dual(
    evaluate: Any,
    lam: np.ndarray,
    deadline: Deadline,
    *,
    target: float,
    scale: float = 1.0,
) -> tuple[float | None, np.ndarray | None, int]:
    """Maximize the Lagrangian bound over multipliers ``>= 0`` by a trust-region cutting-plane
    (bundle) method; returns ``(best bound, its usage, evaluations)``.

    ``evaluate(lam)`` returns ``(value, subgradient, usage)`` or None. The bound is concave and
    piecewise linear in the ``steps`` multipliers, so every evaluation is a cut
    ``f(mu) <= value + g . (mu - lam)``; the next point maximizes the cuts within a box around
    the best point so far (a small LP), and the box grows after a step that gains at least a
    tenth of what the cuts predicted and shrinks otherwise. Unlike plain subgradient steps this
    needs no step length (the old Polyak steps, aimed at the value of a plan that was itself a
    few % above the optimum, overshot) and stops when the cuts prove no more gain is possible
    within :data:`DUAL_TOLERANCE`. ``target`` (a known plan's value) only scales the first box;
    ``scale`` is one microsecond in the values' unit (the smallest first box).
    """
    cuts: list[tuple[float, np.ndarray, np.ndarray]] = []
    center = lam.copy()
    best: float | None = None
    best_usage = None
    box = max(scale, float(lam.max(initial=0.0)), 1e-3 * abs(target) / max(len(lam), 1))
    point, predicted = center, 0.0
    iterations = 0
    while iterations < MAX_ITERATIONS and not deadline.expired():
        result = evaluate(point)
        if result is None:
            break
        iterations += 1
        value, grad, usage = result
        cuts.append((value, grad.astype(np.float64), point.copy()))
        if best is None or value > best:
            if best is not None:
                box = box * 2 if value - best >= 0.5 * predicted else box
            best, best_usage, center = value, usage, point.copy()
        else:
            box /= 2  # null step: the cut stays, the next point comes closer
        point, model_value = _master(cuts, center, box)
        predicted = model_value - best
        # the cuts form a concave model above the bound; its maximum within the box is
        # (almost) its value at the best point, so no point anywhere gains more
        if predicted <= DUAL_TOLERANCE * max(abs(best), scale) or box < 1e-9 * scale:
            break
    return best, best_usage, iterations


def _master(
    cuts: list[tuple[float, np.ndarray, np.ndarray]], center: np.ndarray, box: float
) -> tuple[np.ndarray, float]:
    """Maximize ``min_k value_k + g_k . (mu - lam_k)`` over ``mu >= 0`` within ``box`` of
    ``center``: columns ``mu`` (``S``) and ``theta``; one row per cut."""
    S = len(center)
    lp = highspy.HighsLp()
    lp.num_col_ = S + 1
    lp.num_row_ = len(cuts)
    lp.col_cost_ = np.append(np.zeros(S), -1.0)  # HiGHS minimizes: maximize theta
    lp.col_lower_ = np.append(np.maximum(0.0, center - box), -highspy.kHighsInf)
    lp.col_upper_ = np.append(center + box, highspy.kHighsInf)
    rows, cols, vals, upper = [], [], [], []
    for k, (value, grad, at) in enumerate(cuts):
        # theta - g . mu <= value - g . lam_k
        rows.extend([k] * (S + 1))
        cols.extend(range(S + 1))
        vals.extend(np.append(-grad, 1.0))
        upper.append(value - float(grad @ at))
    lp.row_lower_ = np.full(len(cuts), -highspy.kHighsInf)
    lp.row_upper_ = np.array(upper)
    r, c, v = np.array(rows), np.array(cols), np.array(vals)
    order = np.lexsort((r, c))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(c[order], np.arange(S + 2)).astype(np.int32)
    lp.a_matrix_.index_ = r[order].astype(np.int32)
    lp.a_matrix_.value_ = v[order]
    h = new_highs(time_limit=10.0)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return center, float("-inf")
    sol = np.asarray(h.getSolution().col_value)
    return np.maximum(sol[:S], 0.0), float(sol[S])


def combine(
    instance: Instance, base: np.ndarray, runs: list[mip.MipRun], budget: int
) -> tuple[np.ndarray, int]:
    """``base`` with layers replaced by the plans in ``runs`` (one per layer, ``mask`` may be
    None) where a layer gets faster and the global ``budget`` still holds at every step, the
    largest gains first; returns the plan and how many layers were replaced.

    Without overlap each layer's time depends on its own residency only, so layers can be
    swapped one at a time; a layer whose plan missed its time limit keeps ``base``'s.
    """
    out = base.copy()
    times = plan_times(instance, out).sum(axis=0)  # [layers]
    used = out.sum(axis=(1, 2))  # [steps]
    gains = []
    for layer, run in enumerate(runs):
        if run.mask is None:
            continue
        plan = run.mask[:, 0, :]
        trial = out.copy()
        trial[:, layer, :] = plan
        gain = times[layer] - plan_times(instance, trial)[:, layer].sum()
        if gain > 0:
            gains.append((gain, layer, plan))
    swapped = 0
    for _, layer, plan in sorted(gains, key=lambda g: -g[0]):
        after = used - out[:, layer, :].sum(axis=1) + plan.sum(axis=1)
        if (after <= budget).all():
            out[:, layer, :] = plan
            used = after
            swapped += 1
    return out, swapped


def solve_global(
    instance: Instance,
    *,
    time_limit: float,
    threads: int,
    seed: int,
    start: np.ndarray | None,
) -> tuple[Status, np.ndarray | None, float | None, dict[str, Any]]:
    """Plan under a global budget: ``(status, mask, bound, stats)`` (see the module docstring).

    1. each layer planned under the even split of the slots (LP relaxation + RENS),
       whose budget duals start the multipliers;
    2. the Lagrangian bound maximized by :func:`maximize_dual`;
    3. with time left, each layer re-planned under the slots apportioned by the best
       relaxation; the best plan found is returned.
    """
    deadline = Deadline(time_limit)
    S, L, E = instance.counts.shape
    K = instance.capacity
    workers = max(1, threads)
    rounds = -(-L // workers)  # layer solves per worker

    def plan(
        caps: np.ndarray, share: float, fallback: np.ndarray | None
    ) -> tuple[np.ndarray | None, list[mip.MipRun]]:
        """Each layer under its caps; a layer without a plan in time keeps ``fallback``'s."""
        budget = deadline.fraction(share)

        def one(layer: int) -> mip.MipRun:
            return mip.run_model(
                instance,
                [layer],
                capacity=caps[:, layer],
                global_budget=False,
                overlap=False,
                time_limit=budget / rounds,
                start=None,
                seed=seed,
                prove=False,
            )

        runs = list(pool.map(one, range(L)))
        if any(r.mask is None for r in runs) and fallback is None:
            return None, runs
        layers = [
            r.mask if r.mask is not None else fallback[:, [layer], :]
            for layer, r in enumerate(runs)
        ]
        return np.concatenate(layers, axis=1), runs

    def value(mask: np.ndarray | None) -> float:
        return float("inf") if mask is None else float(plan_times(instance, mask).sum())

    stats: dict[str, Any] = {"decomposed": "lagrangian"}
    best_mask = start
    with ThreadPoolExecutor(max_workers=workers) as pool:
        even = np.tile(instance.layer_capacities(), (S, 1))
        fits = start is not None and (start.sum(axis=2) <= even).all()
        mask, runs = plan(even, 0.35, start if fits else None)
        if value(mask) < value(best_mask):
            best_mask = mask
        duals = [r.budget_duals for r in runs if r.budget_duals is not None]
        lam = np.mean([d[:, 0] for d in duals], axis=0) * mip.UNIT if duals else np.zeros(S)
        best_unit = value(best_mask) * mip.UNIT
        layer_lps = list(pool.map(lambda layer: LayerLP(instance, layer, seed), range(L)))
        bound_deadline = Deadline(deadline.fraction(0.6))

        def evaluate(m: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
            results = list(pool.map(lambda lp: lp.solve(m, bound_deadline.remaining()), layer_lps))
            if any(r is None for r in results):
                return None
            usage = np.stack([r[1] for r in results], axis=1)  # [steps, layers]
            # the Lagrangian value, rounded down like the layer bounds it sums
            value = sum_lower(np.concatenate([[r[0] for r in results], -K * m]))
            return value, usage.sum(axis=1) - K, usage

        bound_unit, best_usage, iterations = maximize_dual(
            evaluate, lam, bound_deadline, target=best_unit, scale=1e-6 * mip.UNIT
        )
        stats["iterations"] = iterations
        if best_usage is not None and deadline.remaining() > 0.05 * time_limit:
            caps = np.stack([apportion(best_usage[s], K, E) for s in range(S)])
            _, apportioned = plan(caps, 1.0, None)
            if best_mask is not None:
                mask, swapped = combine(instance, best_mask, apportioned, K)
                if swapped and value(mask) < value(best_mask):
                    best_mask = mask
                    stats["plan"] = f"apportioned ({swapped} of {L} layers)"
        elif any(r.mask is None for r in runs) and deadline.remaining() > 0.05 * time_limit:
            # no bound in time (a loaded machine): the rest goes to the even split's layer plans
            within = best_mask is not None and (best_mask.sum(axis=2) <= even).all()
            mask, _ = plan(even, 1.0, best_mask if within else None)
            if value(mask) < value(best_mask):
                best_mask = mask
                stats["plan"] = "even split, second try"
    bound = None if bound_unit is None else bound_unit / mip.UNIT
    stats["lagrangian_bound_s"] = bound
    if best_mask is None:
        return Status.UNKNOWN, None, bound, stats
    return Status.FEASIBLE, best_mask, bound, stats
