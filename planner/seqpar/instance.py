"""Problem data and solutions of sequence-parallel group assignment.

One training step processes a global batch of sequences (``lengths``, in
tokens) on ``N`` GPUs. The step is split into micro-batches run one after
the other; within a micro-batch the GPUs form sequence-parallel groups of
power-of-two degrees (``Σ degrees ≤ N``), each holding whole sequences within
its memory. A micro-batch lasts as long as its slowest group, the step as long
as its micro-batches together (cost model: :mod:`planner.seqpar.costmodel`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError, reject_data_like_fields
from planner.seqpar.costmodel import (
    ULYSSES,
    AnyCost,
    Cluster,
    CostModel,
    Tables,
    TabulatedCost,
    cost_from_dict,
)

#: Keys of an instance dictionary that are data, not metadata.
DATA_KEYS = ("name", "lengths", "cluster", "cost", "model", "max_len")

#: Metadata the family's generators write at the top level. Other top-level keys with scalar
#: values are kept as metadata too; a misspelt data key (``"max_length"``) or an unknown key
#: holding a list or an object is refused, since the batch would otherwise be solved without it.
META_KEYS = ("n", "seed", "generator", "source", "description", "meta")


@dataclass(frozen=True)
class Instance:
    """One step's batch on one cluster.

    Attributes
    ----------
    name
        Unique name.
    lengths
        Tokens of each sequence of the global batch (positive integers).
    cluster
        GPUs, node size, memory per GPU.
    cost
        The group cost model.
    max_len
        The run's maximum context length (what a static SP degree must hold);
        defaults to the longest sequence of the batch.
    meta
        Everything else the source carried (seed, generator, preset...).

    Raises
    ------
    InputError
        On construction, naming the field and the item at fault.
    """

    name: str
    lengths: tuple[int, ...]
    cluster: Cluster
    cost: AnyCost
    max_len: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"instance name must be a non-empty string, got {self.name!r}")
        lengths = _lengths(self.name, self.lengths)
        object.__setattr__(self, "lengths", lengths)
        if not isinstance(self.cluster, Cluster):
            raise InputError(f"instance {self.name!r}: field 'cluster' must be a Cluster")
        if not isinstance(self.cost, (CostModel, TabulatedCost)):
            raise InputError(f"instance {self.name!r}: field 'cost' must be a cost model")
        longest = max(lengths)
        max_len = longest if self.max_len is None else self.max_len
        if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or max_len < 1:
            raise InputError(
                f"instance {self.name!r}: field 'max_len': {max_len!r} is not a positive integer"
            )
        if longest > max_len:
            i = lengths.index(longest)
            raise InputError(
                f"instance {self.name!r}: field 'lengths' item {i}: {longest} exceeds max_len {max_len}"
            )
        object.__setattr__(self, "max_len", int(max_len))
        object.__setattr__(self, "meta", dict(self.meta))
        # the batch's work in groups of one type, each sequence in a group of its own, bounds
        # the sums the solvers form; alpha1 or beta1 = 1e308 overflowed them and the
        # relaxation bound died on a NaN (ValueError, exit 1) (s14bad)
        s = np.asarray(lengths, dtype=np.float64)
        for d, st in self.cost.group_types(self.cluster.gpus):
            with np.errstate(over="ignore", invalid="ignore"):
                work = float(self.cost.work_ms(d, st, s).sum())
                whole = work + len(lengths) * self.cost.fixed_ms(d, st)
            if not math.isfinite(whole):
                raise InputError(
                    f"instance {self.name!r}: field 'cost': the batch's time in groups of "
                    f"degree {d} overflows; check the cost coefficients"
                )

    @property
    def n(self) -> int:
        """Number of sequences."""
        return len(self.lengths)

    @property
    def gpus(self) -> int:
        """``N``."""
        return self.cluster.gpus

    @functools.cached_property
    def array(self) -> np.ndarray:
        """``lengths`` as a read-only int64 array."""
        a = np.asarray(self.lengths, dtype=np.int64)
        a.setflags(write=False)
        return a

    @functools.cached_property
    def tables(self) -> Tables:
        """Per-degree coefficients (built once per instance)."""
        return Tables.build(self.cluster, self.cost)

    @property
    def tokens_per_gpu(self) -> int:
        """``c``: tokens one GPU can hold."""
        return self.tables.tokens_per_gpu

    def too_long(self) -> list[int]:
        """Indices of sequences no group of this cluster can hold."""
        cap = int(self.tables.capacity[-1])
        return [i for i, s in enumerate(self.lengths) if s > cap]

    def infeasibility(self) -> str | None:
        """Why no plan exists (a sequence longer than the largest group holds), else ``None``."""
        bad = self.too_long()
        if not bad:
            return None
        i = max(bad, key=lambda k: self.lengths[k])
        s = self.lengths[i]
        d = int(self.tables.degrees[-1])
        need = self.cost.memory_mb(d, s, self.gpus)
        return (
            f"sequence {i} has {s} tokens; even a group of all {d} usable GPUs needs "
            f"{need:,.0f} MB per GPU for it ({s}·{self.cost.activation_mb_per_token:g} MB/{d} "
            f"+ {self.cost.model_states_per_gpu_mb(self.gpus):,.0f} MB model states), "
            f"above the {self.cluster.memory_mb:,.0f} MB per GPU "
            f"(the cluster holds {int(self.tables.capacity[-1]):,} tokens per sequence)"
            + (f"; {len(bad)} sequences are too long" if len(bad) > 1 else "")
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Build from ``{"name", "lengths", "cluster", "cost" | "model", "max_len"?, ...}``.

        ``model`` names a preset (``flexsp-7b``) and supplies the cost model
        and, unless ``cluster`` gives them, the node size and memory; a
        ``cluster`` then needs only ``gpus``. Metadata are the :data:`META_KEYS` at the top
        level, other top-level keys with scalar values, and the entries of a ``meta`` object; an
        unknown key holding a list or an object, or spelt like a data key (``max_length``), is an
        error naming it (:func:`~planner.core.errors.reject_data_like_fields`).
        """
        from planner.seqpar.presets import get_preset

        if not isinstance(data, Mapping):
            raise InputError(f"expected an instance object, got {type(data).__name__}")
        name = data.get("name", "seqpar")
        name = name if isinstance(name, str) else str(name)
        reject_data_like_fields(data, f"instance {name!r}", DATA_KEYS, META_KEYS)
        extra = data.get("meta")
        if extra is not None and not isinstance(extra, Mapping):
            raise InputError(f"instance {name!r}: field 'meta' must be an object, got {extra!r}")
        if "lengths" not in data:
            raise InputError(f"instance {name!r}: missing field 'lengths'")
        if "cluster" not in data:
            raise InputError(f"instance {name!r}: missing field 'cluster'")
        raw_cluster = data["cluster"]
        preset = None
        if data.get("cost") is not None:
            cost = _wrap(name, lambda: cost_from_dict(data["cost"]))
        elif data.get("model") is not None:
            preset = _wrap(name, lambda: get_preset(str(data["model"])))
            cost = preset.cost()
        else:
            raise InputError(f"instance {name!r}: missing field 'cost' (or a preset 'model')")
        if preset is not None and isinstance(raw_cluster, Mapping):
            raw_cluster = {
                "gpus_per_node": preset.gpus_per_node,
                "memory_mb": preset.memory_mb,
                **raw_cluster,
            }
        cluster = _wrap(name, lambda: Cluster.from_dict(raw_cluster))
        meta = {k: v for k, v in data.items() if k not in DATA_KEYS and k != "meta"}
        meta.update((str(k), v) for k, v in (extra or {}).items() if k not in meta)
        if preset is not None:
            meta.setdefault("model", preset.name)
        lengths = data["lengths"]
        if isinstance(lengths, np.ndarray):
            lengths = lengths.tolist()
        n = meta.pop("n", None)  # derived from lengths; to_dict writes it back
        inst = cls(
            name=name,
            lengths=lengths,
            cluster=cluster,
            cost=cost,
            max_len=data.get("max_len"),
            meta=meta,
        )
        # 'n' was kept as meta whatever it said (s14bad); smtt checks its 'n' the same way
        if "n" in data and (isinstance(n, bool) or n != inst.n):
            raise InputError(
                f"instance {name!r}: field 'n' is {n!r} but 'lengths' has {inst.n} items"
            )
        return inst

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the native JSON format); the batch is the top-level ``lengths``."""
        out: dict[str, Any] = {
            "name": self.name,
            "n": self.n,
            "max_len": self.max_len,
            "cluster": self.cluster.to_dict(),
            "cost": self.cost.to_dict(),
        }
        top = (*META_KEYS, "model")  # the preset's name is metadata once a cost is given
        out.update((k, v) for k, v in self.meta.items() if k in top and k not in out)
        rest = {k: v for k, v in self.meta.items() if k not in top}
        if rest:
            out["meta"] = rest
        out["lengths"] = list(self.lengths)
        return out


@dataclass
class Group:
    """One SP group: its degree, the batch indices of its sequences, and its SP strategy.

    ``strategy`` is ``ulysses`` (all-to-all; FlexSP's only one), ``ring``
    (ring attention) or ``hybrid`` (Ulysses inside a node, ring across);
    it is written to files only when it is not ``ulysses``.
    """

    degree: int
    sequences: list[int]
    strategy: str = ULYSSES

    def to_dict(self) -> dict[str, Any]:
        """``{"degree", "sequences"[, "strategy"]}``."""
        out: dict[str, Any] = {
            "degree": int(self.degree),
            "sequences": [int(i) for i in self.sequences],
        }
        if self.strategy != ULYSSES:
            out["strategy"] = self.strategy
        return out


@dataclass
class Solution:
    """Micro-batches run one after another, each a list of groups running side by side."""

    microbatches: list[list[Group]]

    def to_dict(self) -> dict[str, Any]:
        """``{"microbatches": [{"groups": [{"degree", "sequences"}, ...]}, ...]}``."""
        return {"microbatches": [{"groups": [g.to_dict() for g in mb]} for mb in self.microbatches]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        """Inverse of :meth:`to_dict` (shape checks only; :func:`verify` checks the rest)."""
        mbs = data.get("microbatches") if isinstance(data, Mapping) else None
        if not isinstance(mbs, list):
            raise InputError("solution: field 'microbatches' must be a list")
        out = []
        for k, mb in enumerate(mbs):
            groups = mb.get("groups") if isinstance(mb, Mapping) else None
            if not isinstance(groups, list):
                raise InputError(f"solution: microbatch {k}: field 'groups' must be a list")
            row = []
            for g, grp in enumerate(groups):
                if not isinstance(grp, Mapping) or "degree" not in grp or "sequences" not in grp:
                    raise InputError(
                        f"solution: microbatch {k} group {g}: needs 'degree' and 'sequences'"
                    )
                seqs = grp["sequences"]
                if not isinstance(seqs, list):
                    raise InputError(
                        f"solution: microbatch {k} group {g}: 'sequences' must be a list"
                    )
                row.append(Group(grp["degree"], list(seqs), grp.get("strategy", ULYSSES)))
            out.append(row)
        return cls(out)

    @property
    def groups(self) -> int:
        """Number of groups over all micro-batches."""
        return sum(len(mb) for mb in self.microbatches)


def _wrap(name: str, build: Any) -> Any:
    try:
        return build()
    except InputError as exc:
        raise InputError(f"instance {name!r}: {exc}") from None


def _lengths(name: str, values: Any) -> tuple[int, ...]:
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        raise InputError(f"instance {name!r}: field 'lengths' must be a list of integers")
    if not values:
        raise InputError(f"instance {name!r}: field 'lengths' is empty (no sequences)")
    if set(map(type, values)) <= {int}:
        # plain ints (what JSON gives), all positive: checked by numpy when they fit in int64
        # (the loop below took 1.5 CPU s at a million sequences, s26limits); else the loop
        try:
            low = int(np.asarray(values, dtype=np.int64).min())
        except OverflowError:
            low = 0
        if low > 0:
            return tuple(values)
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer)):
            raise InputError(
                f"instance {name!r}: field 'lengths' item {i}: {v!r} is not an integer"
            )
        if isinstance(v, float) and not (math.isfinite(v) and v.is_integer()):
            raise InputError(
                f"instance {name!r}: field 'lengths' item {i}: {v!r} is not an integer"
            )
        v = int(v)
        if v <= 0:
            raise InputError(f"instance {name!r}: field 'lengths' item {i}: {v} is not positive")
        out.append(v)
    return tuple(out)
