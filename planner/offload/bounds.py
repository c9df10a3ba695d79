"""Cheap valid lower bound on the modeled time of any plan.

Copies are never cheaper than zero and hidden copy time never exceeds the
copy time, so every (step, layer) costs at least its compute time
``max(GPU, CPU)``. If ``m`` of the ``n`` experts that received tokens are
resident (``m <= capacity``), the GPU time is at least the shared experts
plus the ``m`` cheapest GPU calls, and the CPU time at least the ``n - m``
cheapest CPU calls; the smaller over ``m`` of the larger of the two bounds
each (step, layer). With a global budget a layer may hold up to
``min(experts, global capacity)`` routed experts.
"""

from __future__ import annotations

import numpy as np

from planner.offload.instance import Instance

#: Cells per chunk of steps (bounds memory on long traces).
CHUNK_CELLS = 1 << 22


def compute_floor(instance: Instance) -> np.ndarray:
    """Lower bound on the compute time of every (step, layer), ``[steps, layers]`` seconds."""
    gpu, cpu, shared = instance.cost_arrays
    counts = instance.counts
    cap = min(instance.experts, instance.capacity)
    S, L, E = counts.shape
    out = np.empty((S, L))
    chunk = max(1, CHUNK_CELLS // max(1, L * (E + 1)))
    for lo in range(0, S, chunk):
        hi = min(S, lo + chunk)
        out[lo:hi] = _floor(counts[lo:hi], gpu[lo:hi], cpu[lo:hi], shared[lo:hi], cap)
    return out


def _floor(
    counts: np.ndarray, gpu: np.ndarray, cpu: np.ndarray, shared: np.ndarray, cap: int
) -> np.ndarray:
    S, L, E = counts.shape
    used = counts > 0
    n = used.sum(axis=2)  # [S, L] experts that received tokens
    # cheapest-first prefix sums of the used experts' call times (unused ones sort last as 0)
    g = np.sort(np.where(used, gpu, np.inf), axis=2)
    c = np.sort(np.where(used, cpu, np.inf), axis=2)
    zeros = np.zeros((S, L, 1))
    g_prefix = np.concatenate([zeros, np.cumsum(np.where(np.isinf(g), 0.0, g), 2)], 2)
    c_prefix = np.concatenate([zeros, np.cumsum(np.where(np.isinf(c), 0.0, c), 2)], 2)
    m = np.arange(E + 1)[None, None, :]  # resident experts among the used ones
    valid = m <= np.minimum(n, cap)[..., None]
    gpu_lb = shared[..., None] + g_prefix
    cpu_lb = np.take_along_axis(c_prefix, np.clip(n[..., None] - m, 0, E), axis=2)
    return np.where(valid, np.maximum(gpu_lb, cpu_lb), np.inf).min(axis=2)


def lower_bound(instance: Instance) -> float:
    """Sum over steps and layers of :func:`compute_floor` (seconds)."""
    return float(compute_floor(instance).sum())
