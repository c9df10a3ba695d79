"""A relaxation over all micro-batch splits: the certificate of the step time.

The model keeps what makes a step slow and relaxes the rest. For a number
``M`` of micro-batches (each of duration ``C_k``):

* each of the ``L`` heaviest sequences goes to one micro-batch at one degree
  (``x_ikj`` binary); its group lasts at least its time alone there plus the
  time of the tokens ``u_ikj`` that share its group (at the group's per-token
  rate): ``C_k ≥ Σ_j x_ikj (β + w_j(s_i)) + Σ_j lin_j·u_ikj``. The sharing
  tokens are fluid ones (at most the fluid tokens of micro-batch ``k``) or long
  ones, which then sit in the same micro-batch at the same type:
  ``u_ikj = f_ikj + l_ikj``, ``f_ikj ≤ Σ_q ŝ_q n_qk``,
  ``l_ikj ≤ Σ_{i'≠i} s_i' x_i'kj`` (without this a long sequence could count
  inside another's large group and at its own cheap degree at once);
* outside that group the other ``N − d_j`` GPUs hold at most ``(N − d_j)·c``
  tokens: ``tokens_k − Σ_j (s_i x_ikj + u_ikj) ≤ N·c − c·Σ_j d_j x_ikj``;
* the other sequences are fluid (``n_qk ≥ 0`` of bucket ``q`` in micro-batch
  ``k``), with lengths rounded *down* to their bucket's lower end, so every
  coefficient is at most the real one;
* area (see :mod:`planner.seqpar.bounds`):
  ``N·C_k ≥ N·β + Σ x_ikj · d_j·w_j(s_i) + Σ n_qk · area(ŝ_q)``;
* memory: ``tokens_k = Σ x_ikj · s_i + Σ n_qk · ŝ_q ≤ N·c``.

Every real plan with ``M`` micro-batches maps to a feasible point of equal or
smaller cost, so the model's optimum (or HiGHS's dual bound when it stops
early) bounds the step time of all such plans. One model is solved per ``M``
from the fewest micro-batches that hold the tokens up to the largest ``M``
whose area bound (``Σ area / N + M·β``) is still below the known plan; plans
with more micro-batches cost at least that area bound. The certificate is the
smallest of these bounds. (Fixing ``M`` instead of letting the model choose it
keeps the LP relaxation from paying a fraction of ``β`` for a fraction of a
micro-batch, which made the joint model slow to close.)

Symmetry: the heaviest sequence is put in micro-batch 0 and the others are
ordered by duration, which every plan allows after relabelling.

Stages (:data:`STAGES`): at first only the placements of the heaviest one or
two sequences are integer, the other long ones fractional (still a valid
relaxation, weaker), and fewer sequences are long; with one integer
placement the model is a case split into one LP per type of the heaviest
sequence, which is fast and carries most of the bound on batches with one
very long document. Stronger stages run while time is left, on the
micro-batch count whose bound is the smallest; a count's bound is the best of
its stages and of the memory-aware area bound
(:func:`planner.seqpar.bounds.waste_bound_ms`), computed first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.core.timing import Deadline
from planner.seqpar.bounds import area_bound_ms, min_area, min_microbatches, waste_bound_ms
from planner.seqpar.bucketing import bucketize
from planner.seqpar.costmodel import Tables
from planner.seqpar.model import Model

#: Sequences with their own binaries (the rest are fluid).
LONG_SEQUENCES = 12
#: Stages of the relaxation: (integer placements, long sequences). The first
#: ``integral`` of the ``long`` heaviest sequences have integer placements, the other long
#: ones are relaxed to fractions (still a valid relaxation, weaker). With one, the model is
#: a case split into one LP per type of the heaviest sequence: fast, and it carries most of
#: the bound on batches with one very long document. Later stages are stronger and slower;
#: they run while time is left.
STAGES = (
    (1, 6),
    (1, LONG_SEQUENCES),
    (2, 4),
    (2, LONG_SEQUENCES),
    (LONG_SEQUENCES, LONG_SEQUENCES),
)
#: Share of the time left that one model may take (the rest is kept for the stronger stages).
STAGE_SHARE = 0.6
#: Most micro-batch counts modelled one by one (beyond: the area bound).
MAX_SLOTS = 12


@dataclass
class RelaxationBound:
    """Outcome of the relaxation: the bound (ms) and how it was obtained."""

    bound_ms: float
    counts: list[int] = field(default_factory=list)
    per_count_ms: list[float] = field(default_factory=list)
    long: int = 0
    buckets: int = 0
    proven: bool = False
    stages: list[tuple[int, int]] = field(default_factory=list)

    def stats(self) -> dict:
        """For ``Result.stats``."""
        return {
            "relaxation_bound_s": self.bound_ms / 1000.0,
            "relaxation_microbatches": self.counts,
            "relaxation_per_count_s": [round(b / 1000.0, 6) for b in self.per_count_ms],
            "relaxation_long": self.long,
            "relaxation_buckets": self.buckets,
            "relaxation_closed": self.proven,
            "relaxation_stages": [list(x) for x in self.stages],
        }


def representatives(
    single: np.ndarray, area: np.ndarray, share_rate: np.ndarray, degrees: np.ndarray
) -> list[int]:
    """For each type, the type that stands for it in the model (``-1``: cannot hold the sequence).

    Type ``j'`` is dropped when a type ``j`` of a smaller degree is at least as
    good on all three terms the relaxation charges: time alone
    (``single``), GPU-time (``area = d·w``) and GPU-time per token sharing the
    group (``share_rate = d·rate``); it is then represented by the first such
    ``j`` that is kept (domination is transitive, so one exists). Any plan
    putting the sequence in a ``j'`` group maps to a feasible point with ``j``:
    shared tokens beyond ``j``'s capacity move outside, where ``N − d_j`` GPUs
    have room for them, and the remaining ones cost at most what they cost in
    ``j'`` (``rate_j·u ≤ rate_j·(d_j/d_j')·u_real ≤ rate_j'·u_real``).
    """
    rep = []
    for jp in range(len(single)):
        if not math.isfinite(single[jp]):
            rep.append(-1)
            continue
        by = next(
            (
                j
                for j in range(jp)
                if degrees[j] < degrees[jp]
                and rep[j] == j
                and single[j] <= single[jp]
                and area[j] <= area[jp]
                and share_rate[j] <= share_rate[jp]
            ),
            jp,
        )
        rep.append(by)
    return rep


def useful_types(
    single: np.ndarray, area: np.ndarray, share_rate: np.ndarray, degrees: np.ndarray
) -> list[int]:
    """Type indices worth modelling for one sequence: those that represent themselves."""
    rep = representatives(single, area, share_rate, degrees)
    return [j for j, r in enumerate(rep) if r == j]


def relaxation_bound(
    tables: Tables,
    lengths: np.ndarray,
    upper_ms: float,
    *,
    time_limit: float,
    threads: int = 1,
    seed: int = 0,
    long: int = LONG_SEQUENCES,
) -> RelaxationBound:
    """Lower bound (ms) on the step time of every plan of ``lengths``.

    Parameters
    ----------
    tables
        Per-degree coefficients of the cluster and cost model.
    lengths
        The batch (every sequence must fit the largest group).
    upper_ms
        The step time of a known plan; limits the micro-batch counts to model.
    time_limit, threads, seed
        HiGHS settings (the time is shared by the models).
    long
        How many of the heaviest sequences get binaries.
    """
    deadline = Deadline(time_limit)
    s = np.asarray(lengths, dtype=np.int64)
    n = len(s)
    N = tables.gpus
    beta = float(tables.fixed.min())
    fluid_floor = float(min_area(tables, s).sum()) / N
    cheap = area_bound_ms(tables, s)
    m_min = min_microbatches(tables, s)
    m_max = math.floor((upper_ms - fluid_floor) / beta + 1e-09) if beta > 0 else n
    m_max = max(m_min, min(m_max, n, m_min + MAX_SLOTS - 1))
    beyond = fluid_floor + (m_max + 1) * beta if m_max < n else math.inf
    # in the given order, without repeats (a small ``long`` or batch merges stages)
    stages = list(dict.fromkeys((min(a, long, n), min(b, long, n)) for a, b in STAGES))
    parts: dict[int, _Parts] = {}  # built when a stage first needs them (large batches: 0.1 s+)

    def parts_of(long_count: int) -> _Parts:
        if long_count not in parts:
            parts[long_count] = _Parts(tables, s, long_count)
            top = parts[max(parts)]
            out.long, out.buckets = len(top.long_idx), top.buckets
        return parts[long_count]

    out = RelaxationBound(bound_ms=cheap)
    counts = list(range(m_min, m_max + 1))
    # per count: the best bound so far; counts whose area floor beats the rest go first
    value = {M: fluid_floor + M * beta for M in counts}
    closed: dict[int, bool] = dict.fromkeys(counts, False)
    # first the memory-aware area bound (numpy, cheap) on the counts that become the smallest
    wasted: set[int] = set()
    while not deadline.expired():
        M = min(counts, key=lambda k: value[k])
        if value[M] >= beyond or M in wasted:
            break
        wasted.add(M)
        value[M] = max(value[M], waste_bound_ms(tables, s, M, value[M], upper_ms, deadline))
    for integral, long_count in stages:
        done: set[int] = set()
        while not deadline.expired():
            M = min(counts, key=lambda k: value[k])
            if value[M] >= beyond or M in done:
                break  # the smallest count's bound has this stage's value already
            share = STAGE_SHARE * deadline.remaining()
            got, proven = _solve_count(
                parts_of(long_count), M, max(0.02, share), threads, seed, integral
            )
            value[M] = max(value[M], got)
            closed[M] = proven and (integral, long_count) == stages[-1]
            done.add(M)
            if M not in out.counts:
                out.counts.append(M)
    out.per_count_ms = [value[M] for M in out.counts]
    best = min(beyond, *value.values())
    out.bound_ms = max(cheap, best)
    out.proven = all(closed[M] for M in counts if value[M] <= best)
    out.stages = stages
    return out


@dataclass
class _Parts:
    """The batch split into modelled (long) sequences and fluid buckets."""

    tables: Tables
    s: np.ndarray
    long: int

    def __post_init__(self) -> None:
        t, s = self.tables, self.s
        self.single = t.single_time(s)
        heaviest = np.argsort(-self.single.min(axis=1), kind="stable")
        self.long_idx = heaviest[: min(self.long, len(s))]
        rest = heaviest[len(self.long_idx) :]
        self.W = t.work(s)
        self.rate = t.rate_floor(s)
        self.buckets = 0
        self.lower = np.zeros(0, np.int64)
        self.count = np.zeros(0, np.int64)
        self.lower_area = np.zeros(0)
        if len(rest):
            # bucketing weights: area at each distinct length (non-decreasing in s)
            values = np.unique(s[rest])
            weight = np.maximum.accumulate(min_area(t, values))
            cut = bucketize(s[rest], weight)
            self.buckets = cut.size
            self.lower = cut.lower
            self.count = cut.count
            self.lower_area = min_area(t, cut.lower)


def _solve_count(
    parts: _Parts, M: int, time_limit: float, threads: int, seed: int, integral: int
) -> tuple[float, bool]:
    """Bound (ms) over plans with exactly ``M`` micro-batches, and whether it is the model's optimum.

    The placements of the ``integral`` heaviest sequences are integer, the
    others fractional. With ``integral = 1`` the model is solved as a case split:
    one LP per type of the heaviest sequence (the minimum over the cases), which is
    the same bound and faster than branching in HiGHS.
    """
    if integral != 1 or not len(parts.long_idx):
        return _solve_model(parts, M, time_limit, threads, seed, integral)
    deadline = Deadline(time_limit)
    i = int(parts.long_idx[0])
    cases = _types_of(parts, i)
    worst = math.inf
    for r, j in enumerate(cases):
        share = deadline.remaining() / (len(cases) - r)
        value, proven = _solve_model(parts, M, max(0.01, share), threads, seed, 0, heaviest_type=j)
        if not proven:
            return -math.inf, False  # an LP that did not finish bounds nothing
        worst = min(worst, value)
    return worst, True


def _types_of(parts: _Parts, i: int) -> list[int]:
    return [j for j, r in enumerate(_representatives(parts, i)) if r == j]


def _representatives(parts: _Parts, i: int) -> list[int]:
    t = parts.tables
    return representatives(
        parts.single[i], t.degrees * parts.W[i], t.degrees * parts.rate, t.degrees
    )


def _solve_model(
    parts: _Parts,
    M: int,
    time_limit: float,
    threads: int,
    seed: int,
    integral: int,
    heaviest_type: int | None = None,
) -> tuple[float, bool]:
    """One model: ``integral`` heaviest sequences integer; the heaviest at ``heaviest_type``
    only when given."""
    t = parts.tables
    N = t.gpus
    # rows in units of one GPU's capacity (tokens) and per GPU (area): in raw tokens and
    # GPU-ms the rows of 65,536 GPUs carry coefficients up to 4e8 next to times of ~1
    unit = float(t.tokens_per_gpu)
    s = parts.s / unit
    beta = float(t.fixed.min())
    deg = t.degrees.astype(np.float64)
    m = Model()
    C = [m.var(cost=1.0) for _ in range(M)]
    area_rows = [([C[k]], [1.0]) for k in range(M)]
    tokens: list[tuple[list[int], list[float]]] = [([], []) for _ in range(M)]
    # fluid buckets: n_qk sequences of bucket q in micro-batch k
    fluid: list[tuple[list[int], list[float]]] = [([], []) for _ in range(M)]
    for q in range(len(parts.count)):
        b = float(parts.count[q])
        ys = []
        for k in range(M):
            y = m.var(ub=b)
            ys.append(y)
            area_rows[k][0].append(y)
            area_rows[k][1].append(-float(parts.lower_area[q]) / N)
            for row in (tokens[k], fluid[k]):
                row[0].append(y)
                row[1].append(float(parts.lower[q]) / unit)
        m.row(ys, [1.0] * len(ys), lo=b, hi=b)
    # the long sequences: x_ikj = 1 when sequence i is in micro-batch k at type j
    long_idx = parts.long_idx.tolist()
    rep = {i: _representatives(parts, i) for i in long_idx}
    types = {i: [j for j, r in enumerate(rep[i]) if r == j] for i in long_idx}
    if heaviest_type is not None:
        types[long_idx[0]] = [heaviest_type]
    X: dict[tuple[int, int, int], int] = {}
    for r, i in enumerate(long_idx):
        for k in range(M):
            if r == 0 and k > 0:
                continue  # the heaviest sequence is in micro-batch 0
            for j in types[i]:
                X[i, k, j] = m.var(ub=1.0, integer=r < integral)
    outside: list[tuple[int, list[int], list[float]]] = []
    for i in long_idx:
        xs = []
        for k in range(M):
            out_idx, out_val = [], []
            time_idx, time_val = [C[k]], [1.0]
            for j in types[i]:
                x = X.get((i, k, j))
                if x is None:
                    continue
                xs.append(x)
                area_rows[k][0].append(x)
                area_rows[k][1].append(-deg[j] * parts.W[i, j] / N)
                tokens[k][0].append(x)
                tokens[k][1].append(float(s[i]))
                time_idx.append(x)
                time_val.append(-float(parts.single[i, j]))
                out_idx.append(x)
                out_val.append(float(deg[j]) - float(s[i]))
                room = float(t.capacity[j]) / unit - float(s[i])
                if room <= 0:
                    continue
                # tokens sharing i's group (they run at i's type): fluid ones f, and
                # long ones l, which are then at the same micro-batch and type
                f = m.var(ub=room)
                m.row([f, *fluid[k][0]], [1.0, *(-v for v in fluid[k][1])], hi=0.0)
                # a long mate shares i's real type t (one that j stands for), so it
                # sits at the type that stands for t for it
                real = [tt for tt, rr in enumerate(rep[i]) if rr == j]
                mates, sizes = [], []
                for o in long_idx:
                    if o == i:
                        continue
                    for jo in sorted({rep[o][tt] for tt in real if rep[o][tt] >= 0}):
                        if (o, k, jo) in X:
                            mates.append(X[o, k, jo])
                            sizes.append(-float(s[o]))
                share = [f]
                if mates:
                    lv = m.var(ub=room)
                    m.row([lv, *mates], [1.0, *sizes], hi=0.0)
                    share.append(lv)
                m.row([*share, x], [1.0] * len(share) + [-room], hi=0.0)
                for v in share:
                    time_idx.append(v)
                    time_val.append(-float(parts.rate[j]) * unit)
                    out_idx.append(v)
                    out_val.append(-1.0)
            if len(time_idx) > 1:
                # the group holding i lasts at least i's time alone there, plus what shares it
                m.row(time_idx, time_val, lo=0.0)
                # outside i's group the other N - d GPUs hold at most (N - d)·c tokens
                outside.append((k, out_idx, out_val))
        m.row(xs, [1.0] * len(xs), lo=1.0, hi=1.0)
    for k in range(M):
        m.row(*area_rows[k], lo=beta)
        m.row(*tokens[k], hi=float(N))
    for k, idx, val in outside:
        m.row([*tokens[k][0], *idx], [*tokens[k][1], *val], hi=float(N))
    for k in range(1, M - 1):
        m.row([C[k], C[k + 1]], [1.0, -1.0], lo=0.0)
    res = m.solve(time_limit=time_limit, threads=threads, seed=seed)
    if res.status.value == "INFEASIBLE":
        return math.inf, True  # no plan has exactly M micro-batches
    if res.bound is None:
        return -math.inf, False
    return res.bound, res.status.value == "OPTIMAL"
