"""Stage terms of pipelines that span GPU pools, affine in the stage's layer count.

For a fixed outer combination (per-layer configuration, ``dp``, ZeRO stage)
every term of a stage in :func:`planner.perfmodel.stage.stage_cost`
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

from planner.perfmodel.memory import in_flight_microbatches
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN, exposed_after
from planner.perfmodel.stage import StageCost, stage_cost
from planner.train.hetero.split import StageClass
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.step_time import moe_flags, training_step

#: Scalar fields of a :class:`~planner.perfmodel.stage.StageCost` read as affine terms.
_FIELDS = {
    "micro": lambda c: c.micro,
    "opt": lambda c: c.optimizer,
    "grad_sync": lambda c: c.grad_sync,
    "param_gather": lambda c: c.param_gather,
    "fwd": lambda c: c.fwd,
    "bwd": lambda c: c.bwd,
    "act_per_microbatch": lambda c: c.memory.activations,
    "weights": lambda c: c.memory.weights,
    "grads": lambda c: c.memory.gradients,
    "optim": lambda c: c.memory.optimizer,
    "buffers": lambda c: c.memory.buffers,
}

#: Relative slack of the affine memory check (floating-point noise only).
MEMORY_RTOL = 1e-12


class StageTerms:
    """A stage's model terms as ``c0 + c1 * n`` in its layer count ``n``."""

    __slots__ = ("act", "b", "emb", "f", "g", "logits_per", "mem", "o", "relaxed", "s", "u")

    def __init__(self, one: StageCost, two: StageCost) -> None:
        self.relaxed = False

        def lin(field: str) -> tuple[float, float]:
            get = _FIELDS[field]
            slope = get(two) - get(one)
            return get(one) - slope, slope

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
        c0 += one.memory.work + one.memory.logits_fixed
        self.mem = (c0, c1)
        self.emb = one.embedding_sync
        self.logits_per = one.memory.logits

    @classmethod
    def lower(cls, x: StageTerms, y: StageTerms) -> StageTerms:
        """Field-wise least terms of two layer types: a lower bound for any mix of them.

        Times, memory and volumes of a stage are sums over its layers plus
        constants, so the per-layer minimum and the least constant bound every
        mix; the tail keeps only the part that is monotone in the volumes
        (``k c`` of the exposed communication, the optimizer, the embedding sync).
        """
        out = object.__new__(cls)
        for name in ("u", "o", "s", "g", "f", "b", "act", "mem"):
            a, b = getattr(x, name), getattr(y, name)
            setattr(out, name, (min(a[0], b[0]), min(a[1], b[1])))
        out.emb = min(x.emb, y.emb)
        out.logits_per = min(x.logits_per, y.logits_per)
        out.relaxed = True
        return out

    @classmethod
    def shifted(cls, x: StageTerms, y: StageTerms, count: int) -> StageTerms:
        """Main-type terms ``x`` lowered for at most ``count`` layers of type ``y`` anywhere.

        A stage with ``n`` layers, ``n_y <= count`` of them of type ``y``, has
        ``c0 + x1 n - (x1 - y1) n_y >= min(c0) + x1 n - count max(0, x1 - y1)``
        in every field: tight when few layers differ (DeepSeek's dense prefix).
        """
        out = object.__new__(cls)
        for name in ("u", "o", "s", "g", "f", "b", "act", "mem"):
            a, b = getattr(x, name), getattr(y, name)
            setattr(out, name, (min(a[0], b[0]) - count * max(0.0, a[1] - b[1]), a[1]))
        out.emb = min(x.emb, y.emb)
        out.logits_per = min(x.logits_per, y.logits_per)
        out.relaxed = True
        return out

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
        if overlap and self.relaxed:
            exposed = OVERLAP_SLOWDOWN * (s + g)  # exposed_after(c, w) >= k c
        elif overlap:
            bwd = self.b[0] + self.b[1] * n
            fwd = self.f[0] + self.f[1] * n
            exposed = exposed_after(s, bwd) + exposed_after(g, fwd)
        else:
            exposed = s + g
        return exposed + self.o[0] + self.o[1] * n + self.emb


def uniform_layers(problem: TrainingProblem) -> bool:
    """True when every layer has the same type (the affine stage model is exact)."""
    return len(set(moe_flags(problem.model))) == 1


def dense_prefix(problem: TrainingProblem) -> int:
    """``D`` when the layers are ``D >= 1`` dense ones followed only by MoE layers, else 0."""
    flags = moe_flags(problem.model)
    D = flags.index(True) if True in flags else 0
    if 0 < D < len(flags) and all(flags[D:]):
        return D
    return 0


def type_ids(problem: TrainingProblem) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """Two layer ids of the main type (MoE if any), and two of the other type if mixed."""
    flags = moe_flags(problem.model)
    moe = [i for i, f in enumerate(flags) if f]
    dense = [i for i, f in enumerate(flags) if not f]
    main = moe or dense
    other = dense if moe else []
    pair = (main[0], main[1] if len(main) > 1 else main[0])
    if not other:
        return pair, None
    return pair, (other[0], other[1] if len(other) > 1 else other[0])


class ComboTerms:
    """Stage terms of one (layer configuration, ``dp``, ZeRO) combination, cached by stage kind."""

    def __init__(
        self,
        problem: TrainingProblem,
        stub: TrainingPlan,
        layer_ids: tuple[int, int] = (0, 1),
        other_ids: tuple[int, int] | None = None,
    ) -> None:
        self.problem = problem
        self.stub = stub
        self.ids = layer_ids
        self.other = other_ids  # second layer type: terms become field-wise lower bounds
        flags = moe_flags(problem.model)
        self.other_count = (
            sum(1 for f in flags if f == flags[other_ids[0]]) if other_ids is not None else 0
        )
        self._shifted: dict[tuple, StageTerms] = {}
        self.pools = {p.label: p for p in problem.cluster.pools}
        self.L = problem.model.layers
        self.m = stub.microbatches(problem.workload.global_batch)
        self.overlap = problem.constraints.overlap_grad_reduce
        self._terms: dict[tuple, StageTerms] = {}
        self._tails: dict[tuple, np.ndarray] = {}
        self.step = training_step(problem, stub)
        self.flags = moe_flags(problem.model)

    def stage(self, pool: str, first: bool, last: bool, inter: bool, ids: list[int]) -> StageCost:
        """:func:`~planner.perfmodel.stage.stage_cost` of a stage holding the layers ``ids``."""
        n_moe = sum(1 for i in ids if self.flags[i])
        bw = self.problem.cluster.inter_pool_bw() if inter else None
        return stage_cost(self.step, self.pools[pool], len(ids) - n_moe, n_moe, first, last, bw)

    def terms(self, pool: str, first: bool, last: bool, inter: bool) -> StageTerms:
        """Affine terms of a stage of this kind."""
        key = (pool, first, last, inter)
        hit = self._terms.get(key)
        if hit is None:
            a, b = self.ids
            hit = self.terms_for(pool, first, last, inter, [a], [a, b])
            if self.other is not None:
                c, d = self.other
                other = self.terms_for(pool, first, last, inter, [c], [c, d])
                self._shifted[key] = StageTerms.shifted(hit, other, self.other_count)
                hit = StageTerms.lower(hit, other)
            self._terms[key] = hit
        return hit

    def shifted_terms(self, pool: str, first: bool, last: bool, inter: bool) -> StageTerms | None:
        """The second lower bound of a two-type stage (:meth:`StageTerms.shifted`), if any."""
        key = (pool, first, last, inter)
        self.terms(*key)
        return self._shifted.get(key)

    def terms_for(
        self, pool: str, first: bool, last: bool, inter: bool, one: list[int], two: list[int]
    ) -> StageTerms:
        """Terms of a stage holding layers ``two`` vs ``one`` (one more layer of a type)."""
        return StageTerms(
            self.stage(pool, first, last, inter, one), self.stage(pool, first, last, inter, two)
        )

    def fixed(
        self, pool: str, first: bool, last: bool, inter: bool, ids: list[int], flight: float
    ) -> tuple[float, float, bool]:
        """(per-microbatch time, tail, fits) of a stage holding exactly the layers ``ids``."""
        st = self.stage(pool, first, last, inter, ids)
        fits = st.memory.total(flight) <= self.problem.capacity(self.pools[pool].gpu)
        return st.micro, st.tail, fits

    def tail(self, key: tuple) -> np.ndarray:
        """Tail array of a stage kind (cached; the larger of both bounds for two types)."""
        hit = self._tails.get(key)
        if hit is None:
            hit = self.terms(*key).tail(self.L, self.overlap)
            other = self.shifted_terms(*key)
            if other is not None:
                hit = np.maximum(hit, other.tail(self.L, self.overlap))
            self._tails[key] = hit
        return hit

    def classes(
        self,
        labels: tuple[str, ...],
        rtol: float = MEMORY_RTOL,
        *,
        start: int = 0,
        layers: int | None = None,
        special: tuple[int, StageTerms] | None = None,
        interleave: int = 1,
    ) -> list[StageClass]:
        """Stages ``start ..`` of pipeline ``labels`` grouped into classes for :func:`solve_split`.

        Stage ``j`` becomes index ``j - start``; ``layers`` is the number of
        layers they share (default all); ``special = (j, terms)`` gives stage
        ``j`` its own terms (a stage holding fixed layers of another type);
        ``interleave`` sets the in-flight microbatches behind the memory caps.
        """
        pp = len(labels)
        L = self.L if layers is None else layers
        groups: dict[tuple, StageClass] = {}
        for j in range(start, pp):
            first, last = j == 0, j == pp - 1
            inter = labels[max(j - 1, 0)] != labels[j] or labels[min(j + 1, pp - 1)] != labels[j]
            key = (labels[j], first, last, inter)
            if special is not None and special[0] == j:
                t = special[1]
                cls = groups[("special", j)] = StageClass(
                    t.u[0], t.u[1], t.tail(L, self.overlap), [], []
                )
            else:
                t = self.terms(*key)
                cls = groups.get(key)
                if cls is None:
                    tail = self.tail(key) if L == self.L else t.tail(L, self.overlap)
                    cls = groups[key] = StageClass(t.u[0], t.u[1], tail, [], [])
            flight = in_flight_microbatches(j, pp, self.m, interleave)
            cls.stages.append(j - start)
            cls.caps.append(
                t.cap(flight, self.problem.capacity(self.pools[labels[j]].gpu), L, rtol)
            )
        return list(groups.values())
