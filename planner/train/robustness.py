"""Robustness of the recommendation: does it stay within 5 % of the best when every term moves?

Every component of the step-time breakdown (compute, recompute, exposed TP /
CP / EP / PP / DP communication, offload, bubble, optimizer, embedding sync)
is scaled by ``1 - DELTA`` or ``1 + DELTA``, the same factor for that
component in every plan (a term the model gets wrong, it gets wrong
everywhere), and the recommended plan and its alternatives are re-evaluated
as the sum of their scaled terms. All ``2^c`` corners are swept for ``c``
components present (up to :data:`MAX_CORNERS`; beyond, that many corners
drawn with a fixed seed). This is a first-order sweep: the bubble is scaled
as a term of its own rather than recomputed from the scaled stage times.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

#: Relative perturbation of every term.
DELTA = 0.10
#: The recommended plan is robust when it stays within this fraction of the best.
WITHIN = 0.05
#: Most corners evaluated (all of them up to 12 components).
MAX_CORNERS = 4096
SEED = 0


def corners(n: int, delta: float = DELTA, seed: int = SEED, limit: int = MAX_CORNERS):
    """Factor vectors (``n`` entries of ``1 +/- delta``): all corners, or ``limit`` sampled."""
    import numpy as np

    if 2**n <= limit:
        signs = np.array(list(itertools.product((-1.0, 1.0), repeat=n)), dtype=float)
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice((-1.0, 1.0), size=(limit, n))
    return 1.0 + delta * signs.reshape(-1, n)


def sweep(
    breakdowns: Sequence[Mapping[str, float]],
    *,
    delta: float = DELTA,
    within: float = WITHIN,
    seed: int = SEED,
) -> dict[str, Any]:
    """Perturb every term of ``breakdowns`` (the recommended plan's first) by ``+/- delta``.

    Returns
    -------
    dict
        ``corners`` evaluated, ``components`` perturbed, ``robust`` (the first plan
        within ``within`` of the best in every corner), ``worst_ratio`` (largest
        first / best), ``best_share`` (share of corners where the first plan is the
        best), ``worst_corner`` (the factor of each component there) and
        ``winners`` (how often each plan index is the best).
    """
    import numpy as np

    keys = sorted({k for b in breakdowns for k, v in b.items() if v})
    times = np.array([[float(b.get(k, 0.0)) for k in keys] for b in breakdowns])
    factors = corners(len(keys), delta, seed)
    perturbed = factors @ times.T  # corners x plans
    best = perturbed.min(axis=1)
    ratio = perturbed[:, 0] / best
    worst = int(np.argmax(ratio))
    winners = np.bincount(np.argmin(perturbed, axis=1), minlength=len(breakdowns))
    return {
        "delta": delta,
        "within": within,
        "corners": int(factors.shape[0]),
        "exhaustive": 2 ** len(keys) <= MAX_CORNERS,
        "components": keys,
        "plans": len(breakdowns),
        "robust": bool(ratio.max() <= 1.0 + within),
        "worst_ratio": float(ratio.max()),
        "best_share": float(np.mean(ratio <= 1.0 + 1e-12)),
        "worst_corner": {k: float(f) for k, f in zip(keys, factors[worst], strict=True)},
        "winners": [int(w) for w in winners],
    }


def attach_robustness(summary: dict[str, Any]) -> dict[str, Any]:
    """Add ``robustness`` (:func:`sweep` over the plan and its alternatives) to a summary.

    Under ``--objective cost`` the plans are compared by cost per step: each plan's terms are
    scaled by its dollars per second (objective / step time), so a plan on fewer GPUs is not
    "behind" one that is faster on more (the sweep compared step times, and a cost plan on 28
    GPUs read "50 % behind" alternatives on 42). ``measure`` says which was compared.
    """
    if summary.get("plan") is None:
        return summary
    plans = [summary] + [a for a in summary.get("alternatives", []) if a.get("breakdown")]
    measure = "step_time"
    scales = [1.0] * len(plans)
    if summary.get("objective_kind") == "cost":
        rates = [_cost_rate(p) for p in plans]
        if all(r is not None for r in rates):
            measure, scales = "cost_per_step", rates
    breakdowns = [
        {k: v * scale for k, v in p["breakdown"].items()}
        for p, scale in zip(plans, scales, strict=True)
    ]
    summary["robustness"] = {**sweep(breakdowns), "measure": measure}
    return summary


def _cost_rate(plan: Mapping[str, Any]) -> float | None:
    """A plan's dollars per second of step time (``None``: no price or no time)."""
    objective, step = plan.get("objective"), plan.get("step_time_s")
    if objective is None or not step:
        return None
    return float(objective) / float(step)


__all__ = ["DELTA", "MAX_CORNERS", "WITHIN", "attach_robustness", "corners", "sweep"]
