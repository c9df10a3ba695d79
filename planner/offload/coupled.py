"""A global GPU budget over all layers: a Lagrangian bound and per-layer plans under split caps.

One MIP over every layer is too large to solve in a minute at the LLaDA2.0-mini shape
(200 000 columns; even its LP relaxation takes longer). The global budget is the only
constraint that couples the layers, so it is relaxed with one multiplier per step:

* bound: for multipliers ``lambda_s >= 0`` each layer's LP relaxation, with
  ``lambda_s`` added to the cost of every resident expert at step ``s`` and no
  budget of its own, is solved separately; ``sum_l LP_l(lambda) - sum_s lambda_s K``
  is a valid lower bound on the optimum (weak duality). The multipliers follow
  subgradient steps (Polyak step towards the best known plan);
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

from planner.core.mip import new_highs
from planner.core.result import Status
from planner.core.timing import Deadline
from planner.offload import mip
from planner.offload.instance import Instance
from planner.offload.policy import plan_times

#: Largest number of subgradient iterations.
MAX_ITERATIONS = 30


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

    def solve(self, lam_us: np.ndarray, time_limit: float) -> tuple[float, np.ndarray] | None:
        """``(LP value in microseconds, expected residency per step)``, None if not optimal."""
        self.h.changeColsCost(len(self.cols), self.cols, lam_us[self.col_step])
        self.h.setOptionValue("time_limit", max(0.01, time_limit))
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(self.h.getSolution().col_value)[self.cols]
        usage = np.bincount(self.col_step, weights=x, minlength=self.steps)
        return self.h.getInfo().objective_function_value, usage


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
    2. subgradient iterations on the Lagrangian bound;
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
        lam = np.mean([d[:, 0] for d in duals], axis=0) * mip.US if duals else np.zeros(S)
        best_us = value(best_mask) * mip.US
        layer_lps = list(pool.map(lambda layer: LayerLP(instance, layer, seed), range(L)))
        bound_us, best_usage, theta, stalls, iterations = None, None, 1.0, 0, 0
        bound_deadline = Deadline(deadline.fraction(0.6))
        while iterations < MAX_ITERATIONS and not bound_deadline.expired():
            results = list(
                pool.map(lambda lp, m=lam: lp.solve(m, bound_deadline.remaining()), layer_lps)
            )
            if any(r is None for r in results):
                break
            iterations += 1
            usage = np.stack([r[1] for r in results], axis=1)  # [steps, layers]
            current = sum(r[0] for r in results) - K * float(lam.sum())
            if bound_us is None or current > bound_us + 1e-9:
                bound_us, best_usage, stalls = current, usage, 0
            else:
                stalls += 1
                if stalls >= 2:
                    theta, stalls = theta / 2, 0
            g = usage.sum(axis=1) - K
            g = np.where((lam <= 0) & (g < 0), 0.0, g)  # projected subgradient
            if not g.any() or best_us - current <= 1e-6 * best_us:
                break
            lam = np.maximum(0.0, lam + theta * (best_us - current) / float(g @ g) * g)
        stats["iterations"] = iterations
        if best_usage is not None and deadline.remaining() > 0.05 * time_limit:
            caps = np.stack([apportion(best_usage[s], K, E) for s in range(S)])
            mask, _ = plan(caps, 1.0, None)
            if value(mask) < value(best_mask):
                best_mask = mask
                stats["plan"] = "apportioned"
    bound = None if bound_us is None else bound_us / mip.US
    stats["lagrangian_bound_s"] = bound
    if best_mask is None:
        return Status.UNKNOWN, None, bound, stats
    return Status.FEASIBLE, best_mask, bound, stats
