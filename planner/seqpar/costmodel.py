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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from planner.core.errors import InputError

#: Bytes per GB in the bandwidth table (FlexSP measures GB/s with 1 GB = 2^30 bytes).
GB = 2**30


def is_power_of_two(x: int) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return isinstance(x, int) and x >= 1 and (x & (x - 1)) == 0


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


@dataclass(frozen=True)
class CostModel:
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

    def fixed_ms(self, degree: int) -> float:
        """``β₁`` plus ``β₂`` for groups that communicate."""
        return self.beta1 + (self.beta2 if degree > 1 else 0.0)

    def group_time_ms(self, degree: int, lengths: Sequence[int]) -> float:
        """``T(d, S)`` in ms for a group holding sequences of ``lengths`` (scalar reference)."""
        comp = sum(self.alpha1 * s * s + self.alpha2 * s for s in lengths) / degree
        comm = self.comm_ms_per_token(degree) * sum(lengths)
        return comp + comm + self.fixed_ms(degree)

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
class Tables:
    """Per-degree coefficients of one (cluster, cost model) pair, as numpy arrays.

    ``degrees[j] = 2**j`` up to the largest degree that fits the cluster (and,
    when the model has a head limit, divides the heads). The time a sequence
    of length ``s`` adds to a group of degree ``degrees[j]`` is
    ``quad[j]·s² + lin[j]·s``; an open group costs ``fixed[j]`` more; it holds
    at most ``capacity[j]`` tokens.
    """

    degrees: np.ndarray
    quad: np.ndarray
    lin: np.ndarray
    fixed: np.ndarray
    capacity: np.ndarray
    tokens_per_gpu: int
    gpus: int

    @classmethod
    def build(cls, cluster: Cluster, cost: CostModel) -> Tables:
        """Tables for ``cluster`` and ``cost``."""
        degrees = []
        d = 1
        while d <= cluster.gpus:
            if cost.heads is None or cost.heads % d == 0:
                degrees.append(d)
            d *= 2
        deg = np.array(degrees, dtype=np.int64)
        c = cost.tokens_per_gpu(cluster)
        quad = np.array([cost.alpha1 / x for x in degrees])
        lin = np.array([cost.alpha2 / x + cost.comm_ms_per_token(x) for x in degrees])
        fixed = np.array([cost.fixed_ms(x) for x in degrees])
        cap = deg * c
        for a in (deg, quad, lin, fixed, cap):
            a.setflags(write=False)
        return cls(deg, quad, lin, fixed, cap, c, cluster.gpus)

    @cached_property
    def log2(self) -> dict[int, int]:
        """Index of each degree in the tables."""
        return {int(d): j for j, d in enumerate(self.degrees)}

    def work(self, j: int, lengths: np.ndarray) -> np.ndarray:
        """Time (ms) each sequence adds to a group of degree ``degrees[j]``."""
        s = lengths.astype(np.float64)
        return self.quad[j] * s * s + self.lin[j] * s

    def min_degree_index(self, lengths: np.ndarray) -> np.ndarray:
        """Index of the smallest degree whose group can hold each sequence (len = too long)."""
        return np.searchsorted(self.capacity, lengths, side="left")

    def single_time(self, lengths: np.ndarray) -> np.ndarray:
        """Matrix ``[i, j]``: time of a group of degree ``degrees[j]`` holding sequence ``i`` alone.

        ``inf`` where the group cannot hold the sequence.
        """
        s = lengths.astype(np.float64)[:, None]
        t = self.quad[None, :] * s * s + self.lin[None, :] * s + self.fixed[None, :]
        return np.where(lengths[:, None] <= self.capacity[None, :], t, np.inf)


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
