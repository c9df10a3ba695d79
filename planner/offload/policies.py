"""Baseline residency policies: static, LRU, LFU, a D²MoE-style schedule, and Belady (offline).

The caches (LRU, LFU, Belady) load every expert that receives tokens at a
step (up to the layer's capacity; beyond it the most-loaded ones) and evict
by their rule; experts already resident and not needed stay while there is
room. ``static`` never changes its set; ``d2moe`` loads the hottest missing
experts first, only as many per step as the previous step's compute can
hide. Belady knows the future, so it is no policy: :func:`belady` reads the
whole trace.
"""

from __future__ import annotations

import numpy as np

from planner.core.timing import Deadline
from planner.offload.instance import Instance
from planner.offload.policy import CHECK_EVERY, Context, out_of_time, top_by


def keep_best(capacity: int, eligible: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Mask of the ``capacity`` eligible experts ranked by ``keys`` (first key most
    significant, larger is better; remaining ties: lower id)."""
    out = np.zeros(len(eligible), dtype=bool)
    idx = np.flatnonzero(eligible)
    if capacity <= 0 or len(idx) == 0:
        return out
    if len(idx) > capacity:
        sort_keys = [idx] + [-np.asarray(k, dtype=np.float64)[idx] for k in reversed(keys)]
        idx = idx[np.lexsort(sort_keys)[:capacity]]
    out[idx] = True
    return out


def keep_best_rows(capacity: np.ndarray, eligible: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """:func:`keep_best` for every row (layer) at once: ``capacity [rows]``, ``eligible`` and
    each key ``[rows, experts]``; one sort instead of a Python call per layer."""
    rows, experts = eligible.shape
    ids = np.broadcast_to(np.arange(experts), (rows, experts))
    sort_keys = [ids] + [-np.asarray(k, dtype=np.float64) for k in reversed(keys)] + [~eligible]
    order = np.lexsort(sort_keys, axis=-1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(experts), order.shape), axis=-1)
    return eligible & (rank < np.asarray(capacity)[:, None])


def cache_update(
    counts: np.ndarray, resident: np.ndarray, capacity: int | np.ndarray, priority: np.ndarray
) -> np.ndarray:
    """One cache step: load the requested experts, keep residents by ``priority``.

    Requested experts (``counts > 0``) come first, by count then priority;
    resident experts that are not requested fill the remaining room by
    priority. One layer (``[experts]`` arrays, an int capacity) or all layers at
    once (``[layers, experts]``, a capacity per layer).
    """
    requested = counts > 0
    eligible = requested | resident
    if eligible.ndim == 2:
        return keep_best_rows(capacity, eligible, requested.astype(float), counts, priority)
    return keep_best(int(capacity), eligible, requested.astype(float), counts, priority)


class StaticPolicy:
    """Top experts of the first step, never changed (one load, then no copies)."""

    def start(self, context: Context) -> None:
        self.context = context

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        if step > 0:
            return resident
        return np.stack(
            [
                top_by(counts[ly], int(self.context.capacity[ly]), counts[ly] > 0)
                for ly in range(self.context.layers)
            ]
        )


class LRUPolicy:
    """Least recently used eviction."""

    def start(self, context: Context) -> None:
        self.context = context
        self.last_use = np.full((context.layers, context.experts), -1.0)

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        self.last_use[counts > 0] = step
        return cache_update(counts, resident, self.context.capacity, self.last_use)


class LFUPolicy:
    """Least frequently used eviction (frequency = tokens so far)."""

    def start(self, context: Context) -> None:
        self.context = context
        self.frequency = np.zeros((context.layers, context.experts))

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        self.frequency += counts
        return cache_update(counts, resident, self.context.capacity, self.frequency)


class D2MoEPolicy:
    """Hottest-expert-first I/O (after D²MoE's hottest-first schedule; not a port of its code).

    At each step the missing experts with the most tokens are loaded first,
    at most as many as the previous step's compute time of the layer can hide
    (all of the capacity at step 0); the coldest residents (fewest tokens now,
    then least recently used) make room.
    """

    def start(self, context: Context) -> None:
        self.context = context
        self.last_use = np.full((context.layers, context.experts), -1.0)
        self.window = None  # previous step's compute time per layer

    def decide(self, step: int, counts: np.ndarray, resident: np.ndarray) -> np.ndarray:
        ctx = self.context
        self.last_use[counts > 0] = step
        gpu, cpu = ctx.gpu_time(counts), ctx.cpu_time(counts)
        shared = ctx.shared_time(counts)
        cap = ctx.capacity
        if self.window is None or ctx.copy_s <= 0:
            io = cap
        else:
            io = (self.window / ctx.copy_s + 1e-9).astype(np.int64)
        missing = (counts > 0) & ~resident
        # every layer at once: one sort for the newcomers, one for the set (as keep_best)
        newcomers = keep_best_rows(io, missing, counts)
        new = keep_best_rows(
            cap, resident | newcomers, counts, resident.astype(float), self.last_use
        )
        g = shared + (gpu * new).sum(axis=1)
        c = (cpu * ~new).sum(axis=1)
        self.window = np.maximum(g, c)
        return new


def belady(instance: Instance) -> np.ndarray:
    """Belady's offline eviction (farthest next use first); the plan ``[steps, layers, experts]``.

    Needs the whole trace: an offline reference, not a policy.
    """
    return belady_until(instance, None)[0]


def belady_until(instance: Instance, deadline: Deadline | None) -> tuple[np.ndarray, int]:
    """:func:`belady` within ``deadline``: the plan and the steps decided (the later ones keep
    the last resident set)."""
    context = Context.of(instance)
    counts = instance.counts
    S, L, E = counts.shape
    # next_use[s, ly, e]: first step > s where e receives tokens (S = never)
    next_use = np.full((S, L, E), S, dtype=np.int64)
    upcoming = np.full((L, E), S, dtype=np.int64)
    for s in range(S - 1, -1, -1):
        next_use[s] = upcoming
        upcoming = np.where(counts[s] > 0, s, upcoming)
    resident = context.initial.copy()
    out = np.zeros((S, L, E), dtype=bool)
    for s in range(S):
        if s and s % CHECK_EVERY == 0 and out_of_time(deadline, s):
            out[s:] = resident
            return out, s
        resident = cache_update(counts[s], resident, context.capacity, -next_use[s])
        out[s] = resident
    return out, S
