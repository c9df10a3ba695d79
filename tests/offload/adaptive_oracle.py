"""The ranked-prefix rule of ``auto`` for one layer, with plain per-layer loops: the oracle of
the batched :func:`planner.offload.adaptive.lookahead_sets` (the per-layer code it replaced;
the local search after it is :func:`planner.offload.adaptive.improve_set`, itself checked
against the batched :func:`~planner.offload.adaptive.improve_sets`)."""

from __future__ import annotations

import numpy as np

from planner.offload.adaptive import improve_set


def lookahead_set(
    gpu: np.ndarray,
    cpu: np.ndarray,
    shared: np.ndarray,
    weights: np.ndarray,
    resident: np.ndarray,
    capacity: int,
    copy_s: float,
    free_loads: int = 0,
) -> np.ndarray:
    """Best set of one layer for the steps ahead, by the ranked-prefix rule.

    Parameters
    ----------
    gpu, cpu
        Seconds of each expert's calls at each step ahead, ``[H, experts]``.
    shared
        Seconds of the shared experts at each step ahead, ``[H]``.
    weights
        Weight of each step ahead (discount), ``[H]``.
    resident
        Current set (no copy needed), bool ``[experts]``.
    capacity
        Routed slots of the layer.
    copy_s
        Seconds per load; the first ``free_loads`` loads are free (overlap).

    Returns the current set unless another is predicted to be cheaper.
    """
    w = weights[:, None]
    saving = ((cpu - gpu) * w).sum(axis=0) - copy_s * ~resident
    order = np.argsort(-saving, kind="stable")[:capacity]
    zeros = np.zeros((len(weights), 1))
    g_path = shared[:, None] + np.concatenate([zeros, np.cumsum(gpu[:, order], axis=1)], axis=1)
    c_path = cpu.sum(axis=1)[:, None] - np.concatenate(
        [zeros, np.cumsum(cpu[:, order], axis=1)], axis=1
    )
    loads = np.concatenate([[0], np.cumsum(~resident[order])])
    cost = (np.maximum(g_path, c_path) * w).sum(axis=0) + copy_s * np.maximum(loads - free_loads, 0)
    m = int(np.argmin(cost))
    g = shared + (gpu * resident).sum(axis=1)
    c = (cpu * ~resident).sum(axis=1)
    keep = float((np.maximum(g, c) * weights).sum())
    if cost[m] >= keep:
        return improve_set(
            gpu, cpu, shared, weights, resident, resident, capacity, copy_s, free_loads
        )
    chosen = np.zeros_like(resident)
    chosen[order[:m]] = True
    # free slots: resident experts that do not make the predicted cost worse stay
    room = capacity - m
    extra = np.flatnonzero(resident & ~chosen)
    if room > 0 and len(extra):
        extra = extra[np.argsort(-saving[extra], kind="stable")][:room]
        g = shared + (gpu * chosen).sum(axis=1)
        c = (cpu * ~chosen).sum(axis=1)
        base = float((np.maximum(g, c) * weights).sum())
        for e in extra:
            g2, c2 = g + gpu[:, e], c - cpu[:, e]
            trial = float((np.maximum(g2, c2) * weights).sum())
            if trial <= base:
                chosen[e] = True
                g, c, base = g2, c2, trial
    return improve_set(gpu, cpu, shared, weights, chosen, resident, capacity, copy_s, free_loads)
