"""The FlexSP MILP in HiGHS: virtual groups, bucket counts, minimal step time.

For ``K`` micro-batch slots, each slot has virtual groups ``p`` of every
group type (degree ``d_p`` and, for models derived from perfmodel, an SP
strategy; at most ``N / d_p`` of each, and never more than the sequences that
fit them). Variables: ``m_kp`` (group used), ``A_qkp`` (sequences of
bucket ``q`` in the group, integer), ``C_k`` (duration of slot ``k``).
Constraints: every sequence placed (``Σ A_qkp = b_q``); per group memory
(``Σ_q A_qkp ŝ_q ≤ d_p·c·m_kp``), time (``Σ_q A_qkp w_p(ŝ_q) + β m_kp ≤ C_k``)
and at least one sequence when used; per slot ``Σ_p d_p m_kp ≤ N``.
Objective ``Σ_k C_k``; with ``K = 1`` this is FlexSP's per-micro-batch model
(minimize the slowest group).

Lengths ``ŝ_q`` are the buckets' upper ends (padding up), so every solution is
feasible for the real lengths and its real step time is at most the model's.
With one bucket per distinct length and enough slots the model is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.core.result import Status
from planner.seqpar.costmodel import Tables
from planner.seqpar.instance import Group
from planner.seqpar.model import Model


@dataclass
class BucketBatch:
    """Sequences grouped by (padded) length: ``length[q]``, ``members[q]`` (batch indices)."""

    length: np.ndarray
    members: list[np.ndarray]

    @property
    def count(self) -> np.ndarray:
        """Sequences per bucket."""
        return np.array([len(m) for m in self.members], dtype=np.int64)

    @classmethod
    def exact(cls, lengths: np.ndarray, index: np.ndarray | None = None) -> BucketBatch:
        """One bucket per distinct length (no padding)."""
        lengths = np.asarray(lengths, dtype=np.int64)
        index = np.arange(len(lengths)) if index is None else np.asarray(index)
        values, inverse = np.unique(lengths, return_inverse=True)
        return cls(values, [index[inverse == q] for q in range(len(values))])


@dataclass
class MilpResult:
    """A solved model: per slot, its groups (with batch indices); status and bound (ms)."""

    microbatches: list[list[Group]] | None
    objective_ms: float | None
    bound_ms: float | None
    status: Status
    solver_status: str
    columns: int
    rows: int


def virtual_groups(tables: Tables, batch: BucketBatch) -> list[int]:
    """Type index of each virtual group of one slot."""
    dmin = tables.min_degree_index(batch.length)
    out = []
    for j, d in enumerate(tables.degrees.tolist()):
        fits = int(batch.count[dmin <= j].sum())
        out.extend([j] * min(tables.gpus // d, fits))
    return out


def solve_milp(
    tables: Tables,
    batch: BucketBatch,
    slots: int,
    *,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
    start: list[list[Group]] | None = None,
    lengths: np.ndarray | None = None,
) -> MilpResult:
    """Build and solve the model for ``batch`` with ``slots`` micro-batch slots.

    Parameters
    ----------
    start
        A plan of the same sequences (batch indices) used as MIP start when it
        is feasible for the padded lengths.
    lengths
        Real lengths by batch index (needed only with ``start``).
    """
    Q = len(batch.length)
    s = batch.length.astype(np.float64)
    b = batch.count
    dmin = tables.min_degree_index(batch.length)
    groups = virtual_groups(tables, batch)
    W = tables.work(batch.length)
    m = Model()
    C = [m.var(cost=1.0) for _ in range(slots)]
    used: dict[tuple[int, int], int] = {}
    A: dict[tuple[int, int, int], int] = {}
    place_rows: list[list[int]] = [[] for _ in range(Q)]
    for k in range(slots):
        gpu_idx, gpu_val = [], []
        prev_same = None
        for p, j in enumerate(groups):
            u = m.var(ub=1.0, integer=True)
            used[k, p] = u
            gpu_idx.append(u)
            gpu_val.append(float(tables.degrees[j]))
            qs = [q for q in range(Q) if dmin[q] <= j]
            cols = []
            for q in qs:
                a = m.var(ub=float(b[q]), integer=True)
                A[q, k, p] = a
                cols.append(a)
                place_rows[q].append(a)
            # memory, time, used iff non-empty
            m.row([*cols, u], [*(s[q] for q in qs), -float(tables.capacity[j])], hi=0.0)
            m.row([*cols, u, C[k]], [*(W[q, j] for q in qs), float(tables.fixed[j]), -1.0], hi=0.0)
            m.row([*cols, u], [1.0] * len(cols) + [-1.0], lo=0.0)
            m.row([*cols, u], [1.0] * len(cols) + [-float(sum(b[q] for q in qs))], hi=0.0)
            if prev_same is not None and groups[prev_same] == j:
                m.row([used[k, prev_same], u], [1.0, -1.0], lo=0.0)  # symmetry
            prev_same = p
        m.row(gpu_idx, gpu_val, hi=float(tables.gpus))
    for q in range(Q):
        m.row(place_rows[q], [1.0] * len(place_rows[q]), lo=float(b[q]), hi=float(b[q]))
    for k in range(slots - 1):
        m.row([C[k], C[k + 1]], [1.0, -1.0], lo=0.0)
    start_values = None
    if start is not None and lengths is not None:
        start_values = _start_vector(m, tables, batch, groups, slots, start, lengths, C, used, A, W)
    out = m.solve(time_limit=time_limit, threads=threads, seed=seed, start=start_values)
    plan = None
    objective = None
    if out.has_solution and out.values is not None:
        plan = _decode(out.values, tables, batch, groups, slots, used, A)
        objective = out.objective
    return MilpResult(plan, objective, out.bound, out.status, out.solver_status, m.columns, m.rows)


def _decode(values, tables, batch, groups, slots, used, A) -> list[list[Group]]:
    pools = [list(map(int, mem)) for mem in batch.members]
    out = []
    for k in range(slots):
        mb = []
        for p, j in enumerate(groups):
            if values[used[k, p]] < 0.5:
                continue
            seqs = []
            for q in range(len(batch.length)):
                key = (q, k, p)
                if key in A:
                    take = round(values[A[key]])
                    seqs.extend(pools[q][:take])
                    del pools[q][:take]
            if seqs:
                mb.append(Group(int(tables.degrees[j]), sorted(seqs), tables.strategies[j]))
        if mb:
            out.append(mb)
    return out


def _start_vector(m, tables, batch, groups, slots, start, lengths, C, used, A, W):
    """Column values of ``start`` in the model, or ``None`` if it does not fit the padded model."""
    if len(start) > slots:
        return None
    bucket_of = {}
    for q, mem in enumerate(batch.members):
        for i in mem.tolist():
            bucket_of[i] = q

    type_of = {t: j for j, t in enumerate(tables.types)}

    def duration(mb):
        worst = 0.0
        for g in mb:
            j = type_of.get((g.degree, g.strategy))
            if j is None:
                return math.inf
            t = float(tables.fixed[j]) + sum(W[bucket_of[i], j] for i in g.sequences)
            worst = max(worst, t)
        return worst

    ordered = sorted(start, key=lambda mb: -duration(mb))  # slots by decreasing duration
    values = [0.0] * m.columns
    for k, mb in enumerate(ordered):
        free: dict[int, list[int]] = {}
        for p, j in enumerate(groups):
            free.setdefault(j, []).append(p)
        for g in mb:
            j = type_of.get((g.degree, g.strategy))
            if j is None or not free.get(j):
                return None
            p = free[j].pop(0)
            values[used[k, p]] = 1.0
            tokens = 0.0
            for i in g.sequences:
                q = bucket_of[i]
                if (q, k, p) not in A:
                    return None
                values[A[q, k, p]] += 1.0
                tokens += float(batch.length[q])
            if tokens > tables.capacity[j]:
                return None
        values[C[k]] = duration(mb)
    return values


def slots_needed(tables: Tables, lengths: np.ndarray, upper_ms: float) -> int:
    """Micro-batch slots an optimal plan can use: ``⌊(UB − Σ area / N) / β⌋`` (at most n)."""
    from planner.seqpar.bounds import min_area, min_microbatches

    n = len(lengths)
    beta = float(tables.fixed.min())
    floor = float(min_area(tables, lengths).sum()) / tables.gpus
    if beta <= 0:
        return n
    k = math.floor((upper_ms - floor) / beta + 1e-9)
    return max(min_microbatches(tables, lengths), min(n, k))
