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
from planner.perfmodel.experts import expert_time

#: Cells per chunk of steps (bounds memory on long traces).
CHUNK_CELLS = 1 << 21


def compute_floor(instance: Instance) -> np.ndarray:
    """Lower bound on the compute time of every (step, layer), ``[steps, layers]`` seconds."""
    counts = instance.counts
    cap = min(instance.experts, instance.capacity)
    S, L = counts.shape[:2]
    hw = instance.hardware
    out = np.empty((S, L))
    for lo, hi in instance.step_chunks(CHUNK_CELLS):  # bounded memory on long traces
        shared = instance.cost_chunk(lo, hi)[2]
        # a call's time grows with its tokens, so sorting the counts sorts both costs
        ordered = np.sort(counts[lo:hi], axis=2)
        gpu = expert_time(ordered, hw.gpu_token_us * 1e-6, hw.gpu_call_us * 1e-6)
        cpu = expert_time(ordered, hw.cpu_token_us * 1e-6, hw.cpu_call_us * 1e-6)
        out[lo:hi] = _floor(ordered, gpu, cpu, shared, cap)
    return out


def _floor(
    ordered: np.ndarray, gpu: np.ndarray, cpu: np.ndarray, shared: np.ndarray, cap: int
) -> np.ndarray:
    """Floor of each (step, layer) from counts sorted ascending and their call times."""
    S, L, E = ordered.shape
    n = (ordered > 0).sum(axis=2)  # [S, L] experts that received tokens (the last n)
    zeros = np.zeros((S, L, 1))
    # prefix sums cheapest first; the E - n unused experts come first and cost 0
    g_prefix = np.concatenate([zeros, np.cumsum(gpu, 2)], 2)
    c_prefix = np.concatenate([zeros, np.cumsum(cpu, 2)], 2)
    m = np.arange(E + 1)[None, None, :]  # resident experts among the used ones
    valid = m <= np.minimum(n, cap)[..., None]
    gpu_lb = shared[..., None] + np.take_along_axis(
        g_prefix, np.clip((E - n)[..., None] + m, 0, E), axis=2
    )
    cpu_lb = np.take_along_axis(c_prefix, np.clip(E - m, 0, E), axis=2)
    return np.where(valid, np.maximum(gpu_lb, cpu_lb), np.inf).min(axis=2)


def lower_bound(instance: Instance) -> float:
    """Sum over steps and layers of :func:`compute_floor` (seconds)."""
    return float(compute_floor(instance).sum())
