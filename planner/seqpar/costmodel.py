"""The cluster and the cost model of one sequence-parallel (SP) group.

A group of degree ``d`` (a power of two) holds a set ``S`` of whole
sequences, each split over its ``d`` GPUs. In FlexSP's model (times in ms)::

    T_comp(d, S) = (1/d) · Σ_s (α₁ s² + α₂ s) + β₁
    T_comm(d, S) = (1/(d·v_d)) · Σ_s α₃ s + β₂        (zero when d = 1)
    T(d, S)      = T_comp + T_comm
    memory/GPU   = tokens(S) · M_token / d + model states / N

``α₃`` is the all-to-all volume per token in bytes (``4·2·layers·hidden·2``:
four all-to-alls per layer, forward and backward, bf16), ``v_d`` the
all-to-all bandwidth of a group of ``d`` GPUs in GB/s (1 GB = 2^30 bytes),
which drops once the group spans more than one node. A micro-batched step
costs the sum over micro-batches of the slowest group's time.

Memory is counted in whole tokens: a GPU holds at most
``c = ⌊(E − model states / N) / M_token⌋`` tokens, so a group of degree ``d``
holds at most ``d·c`` (the integer form of the memory constraint; FlexSP's
solver uses the same per-device token capacity).

Groups are placed on the cluster largest degree first, each at an offset that
is a multiple of its degree; with power-of-two degrees, a power-of-two node
size and ``Σ d ≤ N`` this always fits, a group of ``d ≤ GPUs per node`` stays
inside one node and a larger one spans exactly ``d / GPUs per node`` nodes, so
the bandwidth depends on the degree alone.

Two kinds of cost model share one interface (:meth:`group_types`,
:meth:`work_ms`, :meth:`fixed_ms`): :class:`CostModel`, the formula above
with given coefficients (FlexSP's presets), and :class:`TabulatedCost`,
derived from a model and a GPU that :mod:`planner.perfmodel` knows
(:mod:`planner.seqpar.derive`), where each group also has a strategy —
Ulysses all-to-all, ring attention or a hybrid — and the time a sequence adds
to a group is tabulated over lengths.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError

#: Bytes per GB in the bandwidth table (FlexSP measures GB/s with 1 GB = 2^30 bytes).
GB = 2**30
#: SP strategies of a group: all-to-all (DeepSpeed-Ulysses, FlexSP), ring attention, both.
ULYSSES, RING, HYBRID = "ulysses", "ring", "hybrid"
STRATEGIES = (ULYSSES, RING, HYBRID)


def is_power_of_two(x: int) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return isinstance(x, int) and x >= 1 and (x & (x - 1)) == 0


#: Most GPUs of a cluster: ten times the largest published training clusters (~100,000 GPUs);
#: the tables are sized by it (2**40 GPUs was a MemoryError of 8 TiB, s14bad).
MAX_GPUS = 2**20
#: Most memory per GPU, MB (a petabyte; a B300 has 288 GB): 1e308 overflowed the tokens a GPU
#: holds (an OverflowError, and 2**62 MB a negative token count).
MAX_MEMORY_MB = 2.0**30


@dataclass(frozen=True)
class Cluster:
    """``gpus`` GPUs in nodes of ``gpus_per_node``, each with ``memory_mb`` of memory.

    Attributes
    ----------
    gpus
        Total GPUs ``N``; a multiple of ``gpus_per_node``.
    gpus_per_node
        GPUs sharing one fast (NVLink) domain; a power of two.
    memory_mb
        Memory per GPU usable for model states and activations, MB (1 GB = 1024 MB).
    """

    gpus: int
    gpus_per_node: int
    memory_mb: float

    def __post_init__(self) -> None:
        _positive_int("cluster.gpus_per_node", self.gpus_per_node)
        _positive_int("cluster.gpus", self.gpus)
        if not is_power_of_two(self.gpus_per_node):
            raise InputError(
                f"field 'cluster.gpus_per_node': {self.gpus_per_node} is not a power of two"
            )
        if self.gpus % self.gpus_per_node:
            raise InputError(
                f"field 'cluster.gpus': {self.gpus} is not a multiple of the node size "
                f"{self.gpus_per_node}"
            )
        _positive_number("cluster.memory_mb", self.memory_mb)
        if self.gpus > MAX_GPUS:
            raise InputError(f"field 'cluster.gpus': {self.gpus} is above {MAX_GPUS:,}")
        if self.memory_mb > MAX_MEMORY_MB:
            raise InputError(
                f"field 'cluster.memory_mb': {self.memory_mb:g} is above {MAX_MEMORY_MB:g} MB"
            )

    @property
    def nodes(self) -> int:
        """Number of nodes."""
        return self.gpus // self.gpus_per_node

    @property
    def max_degree(self) -> int:
        """Largest power of two not above ``gpus``: the largest SP degree."""
        return 1 << (self.gpus.bit_length() - 1)

    def to_dict(self) -> dict[str, Any]:
        """``{"gpus", "gpus_per_node", "memory_mb"}``."""
        return {
            "gpus": self.gpus,
            "gpus_per_node": self.gpus_per_node,
            "memory_mb": _plain(self.memory_mb),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Cluster:
        """Inverse of :meth:`to_dict`; ``nodes`` may replace ``gpus``."""
        if not isinstance(data, Mapping):
            raise InputError("field 'cluster' must be an object")
        known = {"gpus", "nodes", "gpus_per_node", "memory_mb"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"field 'cluster': unknown key {unknown[0]!r}")
        for key in ("gpus_per_node", "memory_mb"):
            if key not in data:
                raise InputError(f"field 'cluster': missing {key!r}")
        gpn = data["gpus_per_node"]
        if "gpus" in data:
            gpus = data["gpus"]
            if "nodes" in data and data["nodes"] * gpn != gpus:
                raise InputError(
                    f"field 'cluster': nodes {data['nodes']} × gpus_per_node {gpn} != gpus {gpus}"
                )
        elif "nodes" in data:
            _positive_int("cluster.nodes", data["nodes"])
            _positive_int("cluster.gpus_per_node", gpn)
            gpus = data["nodes"] * gpn
        else:
            raise InputError("field 'cluster': missing 'gpus' (or 'nodes')")
        return cls(gpus=gpus, gpus_per_node=gpn, memory_mb=data["memory_mb"])


class MemoryModel:
    """Memory terms shared by the cost models (``activation_mb_per_token``, ``model_states_mb``)."""

    activation_mb_per_token: float
    model_states_mb: float

    def model_states_per_gpu_mb(self, gpus: int) -> float:
        """Model states one GPU holds when sharded over ``gpus``."""
        return self.model_states_mb / gpus

    def tokens_per_gpu(self, cluster: Cluster) -> int:
        """``c``: tokens of activations one GPU can hold next to its model-state shard."""
        free = cluster.memory_mb - self.model_states_per_gpu_mb(cluster.gpus)
        if free <= 0:
            return 0
        return math.floor(free / self.activation_mb_per_token + 1e-9)

    def memory_mb(self, degree: int, tokens: int, gpus: int) -> float:
        """Memory one GPU of a group of ``degree`` needs for ``tokens`` tokens, MB."""
        return tokens * self.activation_mb_per_token / degree + self.model_states_per_gpu_mb(gpus)


@dataclass(frozen=True)
class CostModel(MemoryModel):
    """Coefficients of the group cost model (see the module docstring).

    Attributes
    ----------
    alpha1, alpha2
        Compute time per token² and per token, ms.
    beta1
        Fixed compute time of a group, ms.
    a2a_bytes_per_token
        ``α₃``: all-to-all bytes per token before the division by ``d``.
    alltoall_gb_s
        All-to-all bandwidth by group degree, GB/s (2^30 bytes); keys are every
        power of two from 2 to the largest key, which also holds for larger groups.
    activation_mb_per_token
        Activation memory per token held by one GPU (divided by ``d``), MB.
    model_states_mb
        Model states of the whole model, MB, sharded over all ``N`` GPUs (ZeRO-3).
    beta2
        Fixed communication time of a group with ``d ≥ 2``, ms.
    heads
        Attention heads an all-to-all (Ulysses) degree must divide; ``None``
        means no limit (FlexSP's model has none).
    name
        Preset or model name, for reports.
    """

    alpha1: float
    alpha2: float
    beta1: float
    a2a_bytes_per_token: float
    alltoall_gb_s: Mapping[int, float]
    activation_mb_per_token: float
    model_states_mb: float
    beta2: float = 0.0
    heads: int | None = None
    name: str = "custom"
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for key in ("alpha1", "alpha2", "beta1", "beta2", "a2a_bytes_per_token", "model_states_mb"):
            _non_negative(f"cost.{key}", getattr(self, key))
        _positive_number("cost.activation_mb_per_token", self.activation_mb_per_token)
        if self.heads is not None:
            _positive_int("cost.heads", self.heads)
        table = _bandwidth_table(self.alltoall_gb_s)
        object.__setattr__(self, "alltoall_gb_s", table)

    def bandwidth(self, degree: int) -> float:
        """All-to-all bandwidth (GB/s) of a group of ``degree`` ≥ 2 GPUs."""
        top = max(self.alltoall_gb_s)
        return self.alltoall_gb_s[min(degree, top)]

    def comm_ms_per_token(self, degree: int) -> float:
        """All-to-all time per token of a group of ``degree``, ms (0 for ``d = 1``)."""
        if degree <= 1:
            return 0.0
        return self.a2a_bytes_per_token / degree / (self.bandwidth(degree) * GB) * 1000.0

    def fixed_ms(self, degree: int, strategy: str = ULYSSES) -> float:
        """``β₁`` plus ``β₂`` for groups that communicate."""
        return self.beta1 + (self.beta2 if degree > 1 else 0.0)

    #: The strategy of every group (FlexSP's model is Ulysses all-to-all).
    strategies = (ULYSSES,)
    #: Strategy of the static baseline (DeepSpeed-Ulysses here).
    static_strategy = ULYSSES

    def group_types(self, gpus: int) -> list[tuple[int, str]]:
        """(degree, strategy) of every group this model allows on ``gpus`` GPUs, by degree."""
        out = []
        d = 1
        while d <= gpus:
            if self.heads is None or self.heads % d == 0:
                out.append((d, ULYSSES))
            d *= 2
        return out

    def work_ms(self, degree: int, strategy: str, lengths: np.ndarray) -> np.ndarray:
        """Time (ms) each sequence adds to a group of ``degree`` (vectorized)."""
        s = np.asarray(lengths, dtype=np.float64)
        return (self.alpha1 * s * s + self.alpha2 * s) / degree + self.comm_ms_per_token(degree) * s

    def group_time_ms(self, degree: int, lengths: Sequence[int], strategy: str = ULYSSES) -> float:
        """``T(d, S)`` in ms for a group holding sequences of ``lengths`` (scalar reference)."""
        comp = sum(self.alpha1 * s * s + self.alpha2 * s for s in lengths) / degree
        comm = self.comm_ms_per_token(degree) * sum(lengths)
        return comp + comm + self.fixed_ms(degree)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the ``cost`` object of an instance file)."""
        out: dict[str, Any] = {
            "name": self.name,
            "alpha1": self.alpha1,
            "alpha2": self.alpha2,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "a2a_bytes_per_token": _plain(self.a2a_bytes_per_token),
            "alltoall_gb_s": {str(k): v for k, v in self.alltoall_gb_s.items()},
            "activation_mb_per_token": self.activation_mb_per_token,
            "model_states_mb": _plain(self.model_states_mb),
        }
        if self.heads is not None:
            out["heads"] = self.heads
        if self.source:
            out["source"] = self.source
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CostModel:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise InputError("field 'cost' must be an object")
        required = (
            "alpha1",
            "alpha2",
            "beta1",
            "a2a_bytes_per_token",
            "alltoall_gb_s",
            "activation_mb_per_token",
            "model_states_mb",
        )
        optional = ("beta2", "heads", "name", "source")
        for key in required:
            if key not in data:
                raise InputError(f"field 'cost': missing {key!r}")
        unknown = sorted(set(data) - set(required) - set(optional))
        if unknown:
            raise InputError(f"field 'cost': unknown key {unknown[0]!r}")
        return cls(**{k: data[k] for k in (*required, *optional) if k in data})


@dataclass(frozen=True)
class TabulatedCost(MemoryModel):
    """A cost model derived from :mod:`planner.perfmodel`: group types and tabulated times.

    Each group type is a (degree, strategy). The time a sequence of ``s``
    tokens adds to a group of type ``j`` is ``time_ms[j]`` at the ``grid``
    lengths and linear in between (the table is built by
    :func:`planner.seqpar.derive.derive`, which reports the interpolation
    error); the times must not decrease with the length, which the bounds'
    rounding down relies on. An open group costs ``fixed[j]`` more.

    Attributes
    ----------
    name
        Model and hardware, for reports.
    grid
        Ascending lengths (tokens) at which the times were computed.
    types
        ``(degree, strategy)`` of every group type, by degree.
    time_ms
        For each type, the time (ms) a sequence of each grid length adds.
    fixed
        Fixed time of an open group of each type (ms).
    activation_mb_per_token, model_states_mb
        As in :class:`CostModel`.
    heads
        Attention heads (the Ulysses degrees in ``types`` divide them).
    static_strategy
        Strategy of the static baseline (Megatron-LM context parallelism: ring).
    source
        How the table was derived (model, GPU, cluster, options).
    """

    name: str
    grid: tuple[int, ...]
    types: tuple[tuple[int, str], ...]
    time_ms: tuple[tuple[float, ...], ...]
    fixed: tuple[float, ...]
    activation_mb_per_token: float
    model_states_mb: float
    heads: int | None = None
    static_strategy: str = RING
    source: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        grid = tuple(int(x) for x in self.grid)
        if len(grid) < 2 or any(b <= a for a, b in itertools.pairwise(grid)) or grid[0] < 1:
            raise InputError("field 'cost.grid' must be at least two ascending positive lengths")
        types = tuple((int(d), str(st)) for d, st in self.types)
        for d, st in types:
            if not is_power_of_two(d) or st not in STRATEGIES:
                raise InputError(f"field 'cost.types': bad group type ({d}, {st!r})")
        if len(set(types)) != len(types) or list(types) != sorted(types, key=_type_order):
            raise InputError("field 'cost.types' must be distinct and ordered by degree")
        rows = tuple(tuple(float(x) for x in row) for row in self.time_ms)
        if len(rows) != len(types) or any(len(r) != len(grid) for r in rows):
            raise InputError("field 'cost.time_ms': one row of grid values per type")
        for t, row in zip(types, rows, strict=True):
            if any(b < a for a, b in itertools.pairwise(row)):
                raise InputError(
                    f"field 'cost.time_ms': the times of type {t} decrease with the length"
                )
        fixed = tuple(float(x) for x in self.fixed)
        if len(fixed) != len(types):
            raise InputError("field 'cost.fixed': one value per type")
        for key, values in (("time_ms", [x for r in rows for x in r]), ("fixed", fixed)):
            for x in values:
                _non_negative(f"cost.{key}", x)
        _positive_number("cost.activation_mb_per_token", self.activation_mb_per_token)
        _non_negative("cost.model_states_mb", self.model_states_mb)
        if self.static_strategy not in STRATEGIES:
            raise InputError(f"field 'cost.static_strategy': unknown {self.static_strategy!r}")
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "types", types)
        object.__setattr__(self, "time_ms", rows)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "source", dict(self.source))

    @property
    def strategies(self) -> tuple[str, ...]:
        """Strategies of the types, in order of first appearance."""
        return tuple(dict.fromkeys(st for _, st in self.types))

    def index(self, degree: int, strategy: str) -> int:
        """Index of a group type (``KeyError`` when absent)."""
        return self._index[(degree, strategy)]

    @functools.cached_property
    def _index(self) -> dict[tuple[int, str], int]:
        return {t: j for j, t in enumerate(self.types)}

    @functools.cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.grid, dtype=np.float64), np.asarray(self.time_ms)

    def group_types(self, gpus: int) -> list[tuple[int, str]]:
        """(degree, strategy) of every type that fits ``gpus`` GPUs, by degree."""
        return [t for t in self.types if t[0] <= gpus]

    def work_ms(self, degree: int, strategy: str, lengths: np.ndarray) -> np.ndarray:
        """Time (ms) each sequence adds to a group of this type (vectorized)."""
        grid, rows = self._arrays
        s = np.asarray(lengths, dtype=np.float64)
        row = rows[self.index(degree, strategy)]
        out = np.interp(s, grid, row)
        # beyond the grid: the last segment's slope (the grid covers the cluster's longest)
        over = s > grid[-1]
        if np.any(over):
            slope = (row[-1] - row[-2]) / (grid[-1] - grid[-2])
            out = np.where(over, row[-1] + slope * (s - grid[-1]), out)
        return out

    def fixed_ms(self, degree: int, strategy: str = ULYSSES) -> float:
        """Fixed time of an open group of this type (ms)."""
        return self.fixed[self.index(degree, strategy)]

    def group_time_ms(self, degree: int, lengths: Sequence[int], strategy: str = ULYSSES) -> float:
        """Time (ms) of a group of this type holding sequences of ``lengths``."""
        if not len(lengths):
            return self.fixed_ms(degree, strategy)
        return self.fixed_ms(degree, strategy) + float(
            self.work_ms(degree, strategy, np.asarray(lengths)).sum()
        )

    def restricted(self, strategies: Sequence[str]) -> TabulatedCost:
        """The same model with only the group types of ``strategies`` (and degree 1)."""
        keep = [j for j, (d, st) in enumerate(self.types) if st in strategies or d == 1]
        return TabulatedCost(
            name=self.name,
            grid=self.grid,
            types=tuple(self.types[j] for j in keep),
            time_ms=tuple(self.time_ms[j] for j in keep),
            fixed=tuple(self.fixed[j] for j in keep),
            activation_mb_per_token=self.activation_mb_per_token,
            model_states_mb=self.model_states_mb,
            heads=self.heads,
            static_strategy=self.static_strategy
            if self.static_strategy in strategies
            else strategies[0],
            source={**self.source, "strategies": list(strategies)},
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the ``cost`` object of an instance file, ``kind: perfmodel``)."""
        out: dict[str, Any] = {
            "kind": "perfmodel",
            "name": self.name,
            "grid": list(self.grid),
            "types": [[d, st] for d, st in self.types],
            "time_ms": [list(r) for r in self.time_ms],
            "fixed": list(self.fixed),
            "activation_mb_per_token": self.activation_mb_per_token,
            "model_states_mb": self.model_states_mb,
            "static_strategy": self.static_strategy,
        }
        if self.heads is not None:
            out["heads"] = self.heads
        if self.source:
            out["source"] = dict(self.source)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TabulatedCost:
        """Inverse of :meth:`to_dict`."""
        required = (
            "name",
            "grid",
            "types",
            "time_ms",
            "fixed",
            "activation_mb_per_token",
            "model_states_mb",
        )
        optional = ("heads", "static_strategy", "source")
        for key in required:
            if key not in data:
                raise InputError(f"field 'cost': missing {key!r}")
        unknown = sorted(set(data) - set(required) - set(optional) - {"kind"})
        if unknown:
            raise InputError(f"field 'cost': unknown key {unknown[0]!r}")
        try:
            return cls(**{k: data[k] for k in (*required, *optional) if k in data})
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"field 'cost': {exc}") from None


AnyCost = CostModel | TabulatedCost


def cost_from_dict(data: Mapping[str, Any]) -> AnyCost:
    """A cost model from its dictionary (``kind: perfmodel`` for a tabulated one)."""
    if not isinstance(data, Mapping):
        raise InputError("field 'cost' must be an object")
    if data.get("kind", "flexsp") == "perfmodel":
        return TabulatedCost.from_dict(data)
    return CostModel.from_dict({k: v for k, v in data.items() if k != "kind"})


def _type_order(t: tuple[int, str]) -> tuple[int, int]:
    return t[0], STRATEGIES.index(t[1])


@dataclass(frozen=True)
class Tables:
    """The group types of one (cluster, cost model) pair, as numpy arrays.

    Types are ordered by degree (then strategy: Ulysses, ring, hybrid); the
    time sequence ``i`` adds to a group of type ``j`` is ``work(lengths)[i, j]``,
    an open group costs ``fixed[j]`` more and holds at most ``capacity[j]``
    tokens (``degree × c``). ``double[j]`` / ``half[j]`` are the types of the
    same strategy at twice / half the degree (``-1`` when absent).
    """

    degrees: np.ndarray
    strategies: tuple[str, ...]
    fixed: np.ndarray
    capacity: np.ndarray
    double: np.ndarray
    half: np.ndarray
    tokens_per_gpu: int
    cluster: Cluster
    cost: Any = field(compare=False)

    @classmethod
    def build(cls, cluster: Cluster, cost: AnyCost) -> Tables:
        """Tables for ``cluster`` and ``cost``."""
        types = cost.group_types(cluster.gpus)
        return cls.of_types(types, cluster, cost)

    @classmethod
    def of_types(cls, types: Sequence[tuple[int, str]], cluster: Cluster, cost: AnyCost) -> Tables:
        """Tables restricted to ``types`` (a subset of the model's, by degree)."""
        deg = np.array([d for d, _ in types], dtype=np.int64)
        strategies = tuple(st for _, st in types)
        c = cost.tokens_per_gpu(cluster)
        fixed = np.array([cost.fixed_ms(d, st) for d, st in types])
        cap = deg * c
        where = {t: j for j, t in enumerate(types)}

        def other(factor: float) -> np.ndarray:
            # degree 1 has a single type, whatever its strategy label
            one = next((j for j, (d, _) in enumerate(types) if d == 1), -1)
            out = []
            for d, st in types:
                to = d * factor
                if to < 1:
                    out.append(-1)
                elif to == 1:
                    out.append(one)
                else:
                    out.append(where.get((int(to), st), -1))
            return np.array(out, dtype=np.int64)

        double, half = other(2), other(0.5)
        for a in (deg, fixed, cap, double, half):
            a.setflags(write=False)
        return cls(deg, strategies, fixed, cap, double, half, c, cluster, cost)

    @property
    def gpus(self) -> int:
        """``N``."""
        return self.cluster.gpus

    @property
    def types(self) -> list[tuple[int, str]]:
        """``(degree, strategy)`` of each type."""
        return list(zip(self.degrees.tolist(), self.strategies, strict=True))

    def subset(self, indices: Sequence[int]) -> Tables:
        """The tables of some of the types (in the given order, which must be by degree)."""
        return Tables.of_types([self.types[j] for j in indices], self.cluster, self.cost)

    def work(self, lengths: np.ndarray) -> np.ndarray:
        """Matrix ``[i, j]``: time (ms) sequence ``i`` adds to a group of type ``j``."""
        s = np.asarray(lengths)
        if not len(self.strategies):
            return np.zeros((len(s), 0))
        out = np.empty((len(s), len(self.strategies)))  # filled in place: n may be a million
        for j, (d, st) in enumerate(zip(self.degrees, self.strategies, strict=True)):
            out[:, j] = self.cost.work_ms(int(d), st, s)
        return out

    def min_degree_index(self, lengths: np.ndarray) -> np.ndarray:
        """Index of the first type whose group can hold each sequence (len = too long)."""
        return np.searchsorted(self.capacity, lengths, side="left")

    def single_time(self, lengths: np.ndarray) -> np.ndarray:
        """Matrix ``[i, j]``: time of a group of type ``j`` holding sequence ``i`` alone.

        ``inf`` where the group cannot hold the sequence.
        """
        lengths = np.asarray(lengths)
        t = self.work(lengths) + self.fixed[None, :]
        return np.where(lengths[:, None] <= self.capacity[None, :], t, np.inf)

    def rate_floor(self, lengths: np.ndarray) -> np.ndarray:
        """Per type, the least time per token over ``lengths`` (ms): a valid per-token rate for them."""
        lengths = np.asarray(lengths, dtype=np.float64)
        return (self.work(lengths) / lengths[:, None]).min(axis=0)


def _bandwidth_table(raw: Any) -> dict[int, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise InputError("field 'cost.alltoall_gb_s' must be a non-empty object {degree: GB/s}")
    table: dict[int, float] = {}
    for key, value in raw.items():
        try:
            degree = int(key)
        except (TypeError, ValueError):
            raise InputError(f"field 'cost.alltoall_gb_s': key {key!r} is not a degree") from None
        if not is_power_of_two(degree) or degree < 2:
            raise InputError(
                f"field 'cost.alltoall_gb_s': key {key!r} is not a power of two >= 2"
            ) from None
        _positive_number(f"cost.alltoall_gb_s[{degree}]", value)
        table[degree] = float(value)
    d = 2
    while d <= max(table):
        if d not in table:
            raise InputError(
                f"field 'cost.alltoall_gb_s': degree {d} missing (give every power of two up to {max(table)})"
            )
        d *= 2
    return dict(sorted(table.items()))


def _positive_int(field_name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"field {field_name!r}: {value!r} is not a positive integer")


def _positive_number(field_name: str, value: Any) -> None:
    _non_negative(field_name, value)
    if value <= 0:
        raise InputError(f"field {field_name!r}: {value!r} is not positive")


def _non_negative(field_name: str, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InputError(f"field {field_name!r}: {value!r} is not a finite number >= 0")


def _plain(x: float) -> float | int:
    return int(x) if isinstance(x, float) and x.is_integer() else x
