"""Objective and feasibility of a plan, recomputed from scratch.

Nothing here touches a solver model: ``verify`` walks the plan and checks
each rule of the problem with its own loops, and ``evaluate`` applies the
cost model's scalar formula group by group.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from planner.seqpar.instance import Instance, Solution

#: Relative slack on the memory check (float round-off of MB arithmetic).
MEMORY_TOL = 1e-9


def verify(instance: Instance, solution: Solution) -> list[str]:
    """Violations of ``solution`` (empty when it is a valid plan).

    A valid plan has at least one micro-batch; every micro-batch at least one
    group; every group a power-of-two degree and a strategy the cost model
    offers at that degree (Ulysses degrees divide the attention heads when the
    model has a head limit), at least one sequence and at most as
    many tokens per GPU as its memory allows (each GPU holds ``⌈tokens / d⌉``
    tokens next to its model-state shard); the degrees of a micro-batch add up
    to at most ``N``; and every sequence of the batch is in exactly one group.
    """
    mbs = getattr(solution, "microbatches", None)
    if not isinstance(mbs, (list, tuple)):
        return [f"microbatches must be a list, got {type(mbs).__name__}"]
    if not mbs:
        return ["no micro-batch"]
    problems: list[str] = []
    n = instance.n
    where: dict[int, str] = {}
    fast = _group_tokens(instance, mbs)  # None: walk the sequences item by item below
    cost = instance.cost
    gpus = instance.gpus
    shard = cost.model_states_mb / gpus
    allowed = set(cost.group_types(gpus))
    for k, mb in enumerate(mbs):
        if not isinstance(mb, (list, tuple)) or not mb:
            problems.append(f"micro-batch {k}: no group")
            continue
        used = 0
        for g, group in enumerate(mb):
            tokens = 0 if fast is None else next(fast)
            label = f"micro-batch {k} group {g}"
            d = getattr(group, "degree", None)
            seqs = getattr(group, "sequences", None)
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
                problems.append(f"{label}: degree {d!r} is not a positive integer")
                continue
            d = int(d)
            if d & (d - 1):
                problems.append(f"{label}: degree {d} is not a power of two")
            strategy = getattr(group, "strategy", "ulysses")
            if (d, strategy) not in allowed:
                problems.append(
                    f"{label}: the cost model has no {strategy} group of degree {d}"
                    + (f" (heads {cost.heads})" if cost.heads is not None else "")
                )
            used += d
            if not isinstance(seqs, (list, tuple)) or not seqs:
                problems.append(f"{label}: holds no sequence")
                continue
            for i in [] if fast is not None else seqs:
                if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
                    problems.append(f"{label}: {i!r} is not a sequence index")
                elif not 0 <= i < n:
                    problems.append(f"{label}: sequence {i} out of range 0..{n - 1}")
                elif int(i) in where:
                    problems.append(f"{label}: sequence {i} already in {where[int(i)]}")
                else:
                    where[int(i)] = label
                    tokens += instance.lengths[int(i)]
            per_gpu = -(-tokens // d)
            need = per_gpu * cost.activation_mb_per_token + shard
            limit = instance.cluster.memory_mb
            if need > limit * (1 + MEMORY_TOL):
                problems.append(
                    f"{label}: {tokens} tokens on {d} GPUs need {need:.1f} MB per GPU > {limit:g} MB"
                )
        if used > gpus:
            problems.append(f"micro-batch {k}: degrees add up to {used} > {gpus} GPUs")
    missing = [i for i in range(n) if i not in where] if fast is None else []
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        problems.append(f"sequences in no group: {shown}")
    return problems


def _group_tokens(instance: Instance, mbs: list | tuple) -> Iterator[int] | None:
    """Tokens of every group in plan order, when numpy shows at once that every sequence is in
    exactly one group (plain ``int`` indices); ``None`` otherwise, and ``verify`` walks the plan
    item by item to name the faults. The walk took 1.7 CPU s at a million sequences
    (s26limits); the per-group rules are still checked one group at a time.
    """
    n = instance.n
    if not all(isinstance(mb, (list, tuple)) for mb in mbs):
        return None
    groups = [getattr(g, "sequences", None) for mb in mbs for g in mb]
    if not all(isinstance(s, (list, tuple)) for s in groups):
        return None
    flat = [i for s in groups for i in s]
    if len(flat) != n or not set(map(type, flat)) <= {int}:
        return None
    try:
        idx = np.asarray(flat, dtype=np.int64)
        lengths = np.asarray(instance.lengths, dtype=np.int64)
    except OverflowError:
        return None
    if int(lengths.sum(dtype=np.float64)) >= 2**62:  # int64 sums exact below this
        return None
    if int(idx.min()) < 0 or int(idx.max()) >= n or not np.all(np.bincount(idx, minlength=n) == 1):
        return None
    sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    owner = np.repeat(np.arange(len(groups)), sizes)
    tokens = np.bincount(owner, weights=lengths[idx], minlength=len(groups))
    # float64 sums of ints below 2**53 are exact; past that, exact int64 sums per group
    if float(tokens.max(initial=0.0)) >= 2**53:
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        exact = np.add.reduceat(lengths[idx], starts) if idx.size else np.zeros(0, np.int64)
        return iter(np.where(sizes > 0, exact, 0).tolist())
    return iter(tokens.astype(np.int64).tolist())


def microbatch_ms(instance: Instance, groups: list) -> float:
    """Duration of one micro-batch given as its groups: the slowest group (ms)."""
    cost = instance.cost
    return max(
        cost.group_time_ms(g.degree, [instance.lengths[i] for i in g.sequences], g.strategy)
        for g in groups
    )


def group_times_ms(instance: Instance, solution: Solution) -> list[list[float]]:
    """Time of every group (ms), micro-batch by micro-batch."""
    cost = instance.cost
    return [
        [
            cost.group_time_ms(g.degree, [instance.lengths[i] for i in g.sequences], g.strategy)
            for g in mb
        ]
        for mb in solution.microbatches
    ]


def microbatch_times_ms(instance: Instance, solution: Solution) -> list[float]:
    """Duration of each micro-batch: its slowest group (ms)."""
    return [max(times) for times in group_times_ms(instance, solution)]


def evaluate(instance: Instance, solution: Solution) -> float:
    """Modeled step time in seconds: the sum over micro-batches of the slowest group's time."""
    return sum(microbatch_times_ms(instance, solution)) / 1000.0


def describe(instance: Instance, solution: Solution) -> dict[str, Any]:
    """Per-micro-batch summary for reports: time, groups by degree, tokens."""
    out = []
    for mb, times in zip(solution.microbatches, group_times_ms(instance, solution), strict=True):
        degrees: dict[str, int] = {}
        for g in mb:
            key = str(g.degree) if g.strategy == "ulysses" else f"{g.degree} {g.strategy}"
            degrees[key] = degrees.get(key, 0) + 1
        out.append(
            {
                "time_s": max(times) / 1000.0,
                "groups": degrees,
                "tokens": sum(instance.lengths[i] for g in mb for i in g.sequences),
            }
        )
    return {"microbatches": out}
