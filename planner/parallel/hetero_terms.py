"""Stage terms of pipelines that span GPU pools, affine in the stage's layer count.

For a fixed outer combination (per-layer configuration, ``dp``, ZeRO stage)
every term of a stage in :func:`planner.parallel.step_time._stage_static`
(forward/backward/p2p time, gradient sync and parameter gather volumes,
optimizer time, parameters, activations, buffers) is ``c0 + c1 n`` in the
stage's layer count ``n >= 1`` when all layers have the same type (dense
models, and MoE models whose layers are all MoE): each is a sum over layers
plus constants (embedding, head, p2p, collective latencies). The two
coefficients are read off the model itself at ``n = 1`` and ``n = 2``. The
nonlinear pieces — exposed communication ``max(k c, c - (1 - k) w)`` and the
memory check — are applied afterwards, exactly as the step model does.

A stage's terms depend on its pool and on whether it is the first stage
(embedding), the last (LM head, loss) and next to another pool (p2p over the
inter-pool link); its memory cap also on its in-flight microbatches
``min(p - j, m)``.
"""

from __future__ import annotations

import math

import numpy as np

from planner.parallel.instance import TrainingPlan, TrainingProblem
from planner.parallel.memory import GIB, RUNTIME_RESERVED_GIB, in_flight_microbatches
from planner.parallel.split import StageClass
from planner.parallel.step_time import OVERLAP_SLOWDOWN, _moe_flags, _stage_static

#: Relative slack of the affine memory check (floating-point noise only).
MEMORY_RTOL = 1e-12


class StageTerms:
    """A stage's model terms as ``c0 + c1 * n`` in its layer count ``n``."""

    __slots__ = ("act", "b", "emb", "f", "g", "logits_fixed", "logits_per", "mem", "o", "s", "u")

    def __init__(self, one, two) -> None:
        def lin(field: str) -> tuple[float, float]:
            slope = getattr(two, field) - getattr(one, field)
            return getattr(one, field) - slope, slope

        self.u = lin("micro")
        self.o = lin("opt")
        self.s = lin("grad_sync")
        self.g = lin("param_gather")
        self.f = lin("fwd")
        self.b = lin("bwd")
        self.act = lin("act_per_microbatch")
        c0 = c1 = 0.0
        for name in ("weights", "grads", "optim", "buffers"):
            a, k = lin(name)
            c0 += a
            c1 += k
        c0 += one.work + one.logits_fixed + RUNTIME_RESERVED_GIB * GIB
        self.mem = (c0, c1)
        self.emb = one.emb_sync
        self.logits_per = one.logits_per_microbatch

    def memory(self, flight: float) -> tuple[float, float]:
        """Bytes of the stage as ``c0 + c1 * n`` with ``flight`` microbatches in flight."""
        c0 = self.mem[0] + self.act[0] * flight + self.logits_per * flight
        return c0, self.mem[1] + self.act[1] * flight

    def cap(self, flight: float, capacity: float, L: int, rtol: float = MEMORY_RTOL) -> int:
        """Most layers that fit in ``capacity`` bytes (0 if none), at most ``L``."""
        c0, c1 = self.memory(flight)
        room = capacity * (1 + rtol) - c0
        if room < c1:
            return 0
        return min(L, math.floor(room / c1)) if c1 > 0 else L

    def tail(self, L: int, overlap: bool) -> np.ndarray:
        """Per-step tail (exposed DP sync + optimizer + embedding sync) for ``n = 0 .. L``."""
        n = np.arange(L + 1, dtype=float)
        s = self.s[0] + self.s[1] * n
        g = self.g[0] + self.g[1] * n
        if overlap:
            k = OVERLAP_SLOWDOWN
            bwd = self.b[0] + self.b[1] * n
            fwd = self.f[0] + self.f[1] * n
            exposed = np.maximum(k * s, s - (1 - k) * bwd) + np.maximum(k * g, g - (1 - k) * fwd)
        else:
            exposed = s + g
        return exposed + self.o[0] + self.o[1] * n + self.emb


def uniform_layers(problem: TrainingProblem) -> bool:
    """True when every layer has the same type (the affine stage model is exact)."""
    return len(set(_moe_flags(problem.model))) == 1


class ComboTerms:
    """Stage terms of one (layer configuration, ``dp``, ZeRO) combination, cached by stage kind."""

    def __init__(
        self, problem: TrainingProblem, stub: TrainingPlan, layer_ids: tuple[int, int] = (0, 1)
    ) -> None:
        self.problem = problem
        self.stub = stub
        self.ids = layer_ids
        self.pools = {p.label: p for p in problem.cluster.pools}
        self.L = problem.model.layers
        self.m = stub.microbatches(problem.workload.global_batch)
        self.overlap = problem.constraints.overlap_grad_reduce
        self._terms: dict[tuple, StageTerms] = {}
        self._tails: dict[tuple, np.ndarray] = {}

    def terms(self, pool: str, first: bool, last: bool, inter: bool) -> StageTerms:
        """Affine terms of a stage of this kind."""
        key = (pool, first, last, inter)
        hit = self._terms.get(key)
        if hit is None:
            p = self.pools[pool]
            a, b = self.ids
            one = _stage_static(self.problem, self.stub, p, [a], first, last, inter)
            two = _stage_static(self.problem, self.stub, p, [a, b], first, last, inter)
            hit = self._terms[key] = StageTerms(one, two)
        return hit

    def tail(self, key: tuple) -> np.ndarray:
        """Tail array of a stage kind (cached)."""
        hit = self._tails.get(key)
        if hit is None:
            hit = self._tails[key] = self.terms(*key).tail(self.L, self.overlap)
        return hit

    def classes(self, labels: tuple[str, ...], rtol: float = MEMORY_RTOL) -> list[StageClass]:
        """The stages of pipeline ``labels`` grouped into classes for :func:`solve_split`."""
        pp = len(labels)
        groups: dict[tuple, StageClass] = {}
        for j in range(pp):
            first, last = j == 0, j == pp - 1
            inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
            key = (labels[j], first, last, inter)
            t = self.terms(*key)
            cls = groups.get(key)
            if cls is None:
                cls = groups[key] = StageClass(t.u[0], t.u[1], self.tail(key), [], [])
            flight = in_flight_microbatches(j, pp, self.m, 1)
            cls.stages.append(j)
            cls.caps.append(t.cap(flight, self.pools[labels[j]].gpu.memory_bytes, self.L, rtol))
        return list(groups.values())
