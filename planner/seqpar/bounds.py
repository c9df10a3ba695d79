"""Cheap lower bounds on the step time, valid over every micro-batch split.

Area argument. In a micro-batch of duration ``C`` every GPU is busy or idle
for ``C``; a group of degree ``d`` and time ``T ≤ C`` occupies ``d·T`` of it,
which is at least ``Σ_s d·w_d(s) + d·β₁`` (``w_d(s)`` the time sequence ``s``
adds to the group), and idle GPUs waste at least ``β₁`` each (``C ≥ β₁``). So
``N·C ≥ Σ_s area(s) + N·β₁`` with ``area(s) = min_d d·w_d(s)`` over the
degrees that hold ``s`` (``α₁s² + α₂s`` at ``d = 1``, plus the all-to-all
time once ``s`` needs a larger group). Summed over the ``M`` micro-batches::

    step ≥ Σ_s area(s) / N + M_min · β₁,   M_min = ⌈tokens / (N · c)⌉

since a micro-batch holds at most ``N·c`` tokens. It does not depend on how
the batch is split. A second bound: the group holding the heaviest sequence
takes at least that sequence's best time alone.
"""

from __future__ import annotations

import math

import numpy as np

from planner.seqpar.costmodel import Tables
from planner.seqpar.instance import Instance


def min_area(tables: Tables, lengths: np.ndarray) -> np.ndarray:
    """GPU-time (ms) each sequence occupies at least: ``min_d d·w_d(s)`` over the degrees holding it."""
    lengths = np.asarray(lengths)
    area = tables.degrees[None, :] * tables.work(lengths)
    area = np.where(lengths[:, None] <= tables.capacity[None, :], area, np.inf)
    return area.min(axis=1)


def min_microbatches(tables: Tables, lengths: np.ndarray) -> int:
    """``⌈tokens / (N·c)⌉``: micro-batches the batch's tokens need at least."""
    per_mb = tables.gpus * tables.tokens_per_gpu
    if per_mb <= 0:
        return 0
    return max(1, math.ceil(int(np.sum(lengths)) / per_mb))


def area_bound_ms(tables: Tables, lengths: np.ndarray) -> float:
    """The split-free area bound (ms)."""
    area = min_area(tables, lengths)
    return float(area.sum()) / tables.gpus + min_microbatches(tables, lengths) * float(
        tables.fixed.min()
    )


def single_bound_ms(tables: Tables, lengths: np.ndarray) -> float:
    """The heaviest sequence's best time alone (ms)."""
    return float(tables.single_time(np.asarray(lengths)).min(axis=1).max())


def lower_bound(instance: Instance) -> float:
    """Best cheap bound on the step time, in seconds (0 when no plan exists)."""
    if instance.infeasibility() is not None:
        return 0.0
    t, s = instance.tables, instance.array
    return max(area_bound_ms(t, s), single_bound_ms(t, s)) / 1000.0
