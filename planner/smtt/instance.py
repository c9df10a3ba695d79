"""Problem data and solutions of single-machine total (weighted) tardiness, 1||ΣTj and 1||ΣwjTj.

``n`` jobs with integer processing times ``p``, due dates ``d`` and optional
weights ``w`` are sequenced on one machine without idle time; job ``j`` is
tardy by ``T_j = max(C_j - d_j, 0)`` and the objective is ``Σ w_j T_j``
(``w_j = 1`` when the instance is unweighted).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError, reject_data_like_fields

#: Keys of an instance dictionary that are data, not metadata.
DATA_KEYS = ("name", "p", "d", "w")

#: Metadata the family's generator, readers and benchmark files write at the top level
#: (``--reference optimum`` reads them), whatever their values. Other top-level keys are kept
#: as metadata when their value is a scalar; one holding a list (a misspelt ``"dd"`` or
#: ``"weights"``) is refused, since the instance would otherwise be solved without it.
META_KEYS = ("n", "optimum", "optimum_as_published", "rdd", "tf", "seed", "generator", "source")
META_KEYS += ("orlib_index", "description", "meta")

#: Largest objective the family handles: its compiled kernels and vectorized code compute in
#: int64. An instance whose total (weighted) tardiness could pass it (every job finishing at
#: ``Σ p``) is rejected on construction; ``evaluate`` itself is exact for any size.
MAX_TOTAL = 2**63 - 1


@dataclass(frozen=True)
class Instance:
    """One single-machine total (weighted) tardiness instance.

    Attributes
    ----------
    name
        Unique name (benchmark files use e.g. ``smtt100_rdd0.2_tf0.2_01``).
    p
        Processing times, non-negative integers.
    d
        Due dates, integers (negative values are valid: such a job is always tardy).
    w
        Weights, non-negative integers, or ``None`` for the unweighted problem.
    meta
        Everything else the source carried: ``optimum``,
        ``optimum_as_published``, ``rdd``, ``tf``, ``seed``, OR-Library index...

    Raises
    ------
    InputError
        On construction, naming the instance, the field and the item at fault.
    """

    name: str
    p: tuple[int, ...]
    d: tuple[int, ...]
    w: tuple[int, ...] | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"instance name must be a non-empty string, got {self.name!r}")
        p = _int_tuple(self.name, "p", self.p, minimum=0)
        d = _int_tuple(self.name, "d", self.d, minimum=None)
        w = None if self.w is None else _int_tuple(self.name, "w", self.w, minimum=0)
        if not p:
            raise InputError(f"instance {self.name!r}: field 'p' is empty (no jobs)")
        if len(d) != len(p):
            raise InputError(
                f"instance {self.name!r}: field 'd' has {len(d)} items but 'p' has {len(p)}"
            )
        if w is not None and len(w) != len(p):
            raise InputError(
                f"instance {self.name!r}: field 'w' has {len(w)} items but 'p' has {len(p)}"
            )
        _check_range(self.name, p, d, w)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "meta", dict(self.meta))

    @property
    def n(self) -> int:
        """Number of jobs."""
        return len(self.p)

    @property
    def weighted(self) -> bool:
        """True for 1||ΣwjTj (weights given), False for 1||ΣTj."""
        return self.w is not None

    @functools.cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(p, d, w)`` as read-only int64 arrays (``w`` all ones when unweighted)."""
        p = np.asarray(self.p, dtype=np.int64)
        d = np.asarray(self.d, dtype=np.int64)
        w = np.ones(self.n, dtype=np.int64) if self.w is None else np.asarray(self.w, np.int64)
        for a in (p, d, w):
            a.setflags(write=False)
        return p, d, w

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Build from a dictionary with ``name``, ``p``, ``d``, optional ``w`` and metadata.

        Metadata are the other top-level keys with scalar values (:data:`META_KEYS` and, e.g.,
        an id or a best-known value) plus the entries of a ``meta`` object; an unknown key
        holding a list or an object, or spelt like a data key, is an error naming it
        (:func:`~planner.core.errors.reject_data_like_fields`). An ``n`` field, when present,
        must equal the number of jobs.
        """
        if not isinstance(data, Mapping):
            raise InputError(f"expected an instance object, got {type(data).__name__}")
        for key in ("p", "d"):
            if key not in data:
                raise InputError(f"instance {data.get('name', '?')!r}: missing field {key!r}")
        name = data.get("name", "smtt")
        where = f"instance {name!r}"
        reject_data_like_fields(data, where, DATA_KEYS, META_KEYS)
        meta = {k: v for k, v in data.items() if k not in DATA_KEYS and k != "meta"}
        extra = data.get("meta")
        if extra is not None:
            if not isinstance(extra, Mapping):
                raise InputError(f"{where}: field 'meta' must be an object, got {extra!r}")
            meta.update((str(k), v) for k, v in extra.items() if k not in meta)
        inst = cls(
            name=name if isinstance(name, str) else str(name),
            p=_as_list(name, "p", data["p"]),
            d=_as_list(name, "d", data["d"]),
            w=None if data.get("w") is None else _as_list(name, "w", data["w"]),
            meta=meta,
        )
        if "n" in meta:
            if isinstance(meta["n"], bool) or meta["n"] != inst.n:
                raise InputError(
                    f"instance {inst.name!r}: field 'n' is {meta['n']!r} but 'p' has {inst.n} items"
                )
            del inst.meta["n"]  # derived from p; to_dict writes it back
        return inst

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the native JSON format): ``name, n, p, d[, w]`` then metadata.

        Metadata named in :data:`META_KEYS` stay at the top level; the rest go under ``meta``,
        so that :meth:`from_dict` reads the output back.
        """
        out: dict[str, Any] = {"name": self.name, "n": self.n, "p": list(self.p), "d": list(self.d)}
        if self.w is not None:
            out["w"] = list(self.w)
        out.update((k, v) for k, v in self.meta.items() if k in META_KEYS and k not in out)
        rest = {k: v for k, v in self.meta.items() if k not in META_KEYS and k not in out}
        if rest:
            out["meta"] = rest
        return out


@dataclass
class Solution:
    """A processing sequence: ``order[k]`` is the 0-based index (input order) of the k-th job."""

    order: list[int]

    def __post_init__(self) -> None:
        # numpy integers become ints; anything else is kept for verify() to reject
        if isinstance(self.order, np.ndarray) and self.order.dtype.kind in "iu":
            self.order = self.order.tolist()
        elif isinstance(self.order, list) and set(map(type, self.order)) <= {int}:
            # a copy, as the comprehension below makes (the caller's list, mutated later,
            # changed the solution; ~3 ms at a million jobs)
            self.order = list(self.order)
        else:
            self.order = [int(j) if isinstance(j, np.integer) else j for j in self.order]

    def to_dict(self) -> dict[str, Any]:
        """``{"order": [...]}``."""
        return {"order": list(self.order)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        """Inverse of :meth:`to_dict`; also accepts a bare list."""
        order = data.get("order") if isinstance(data, Mapping) else data
        if not isinstance(order, (list, tuple)) or not all(
            isinstance(j, int) and not isinstance(j, bool) for j in order
        ):
            raise InputError("solution: field 'order' must be a list of integers")
        return cls(order)


def _check_range(
    name: str, p: tuple[int, ...], d: tuple[int, ...], w: tuple[int, ...] | None
) -> None:
    """Reject instances whose numbers could overflow the int64 arithmetic of the methods."""
    total_p = sum(p)
    if total_p > MAX_TOTAL:
        raise InputError(
            f"instance {name!r}: field 'p' sums to {total_p}, above the int64 limit {MAX_TOTAL}"
        )
    if _within_range(total_p, p, d, w):
        return
    # the exact checks in Python ints, naming the item at fault
    for i, v in enumerate(d):
        if abs(v) > MAX_TOTAL - total_p:
            raise InputError(
                f"instance {name!r}: field 'd' item {i}: {v} is out of the int64 range the "
                "methods compute in"
            )
    worst = sum((1 if w is None else w[j]) * max(0, total_p - d[j]) for j in range(len(p)))
    if worst > MAX_TOTAL:
        raise InputError(
            f"instance {name!r}: field {'w' if w is not None else 'p'!r}: the total "
            f"{'weighted ' if w is not None else ''}tardiness could reach {worst}, above the "
            f"int64 limit {MAX_TOTAL} of the methods"
        )


#: The vectorized range check decides only when the float estimate of the worst total is
#: below this (float64's relative error at a million terms is ~1e-10, far inside the margin);
#: above it the exact Python check decides.
_SAFE_TOTAL = 2.0**62


def _within_range(
    total_p: int, p: tuple[int, ...], d: tuple[int, ...], w: tuple[int, ...] | None
) -> bool:
    """True when numpy shows at once that :func:`_check_range` passes (False: check exactly).

    At a million jobs the Python loops took 2.5 CPU s per instance read (s26limits); the
    arrays here are int64, which every item fits (``total_p`` is at most :data:`MAX_TOTAL`).
    """
    try:
        dd = np.asarray(d, dtype=np.int64)
        ww = None if w is None else np.asarray(w, dtype=np.int64)
    except OverflowError:
        return False
    room = MAX_TOTAL - total_p  # >= 0, so -room is an int64 too (abs() of -2**63 is not)
    if dd.size and (int(dd.max()) > room or int(dd.min()) < -room):
        return False
    # total_p - d_j <= total_p + room = MAX_TOTAL: no int64 overflow
    late = np.maximum(total_p - dd, 0).astype(np.float64)
    worst = float(late.sum() if ww is None else np.dot(ww.astype(np.float64), late))
    return worst < _SAFE_TOTAL


def _as_list(name: Any, key: str, value: Any) -> list[Any]:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if not isinstance(value, (list, tuple)):
        raise InputError(f"instance {name!r}: field {key!r} must be a list, got {value!r:.40}")
    return list(value)


def _int_tuple(name: str, key: str, values: Any, *, minimum: int | None) -> tuple[int, ...]:
    """Validate a sequence of integers, naming the first bad item."""
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        raise InputError(f"instance {name!r}: field {key!r} must be a list of integers")
    if set(map(type, values)) <= {int}:
        # plain ints (what JSON gives): only the minimum is left to check, by numpy when the
        # values fit in int64 (a Python loop took 3 CPU s per field at a million jobs)
        try:
            low = np.asarray(values, dtype=np.int64)
        except OverflowError:
            low = None
        if low is not None and (minimum is None or not low.size or int(low.min()) >= minimum):
            return tuple(values)
    out = []
    for i, v in enumerate(values):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer)):
            raise InputError(f"instance {name!r}: field {key!r} item {i}: {v!r} is not an integer")
        if isinstance(v, float) and not (math.isfinite(v) and v.is_integer()):
            raise InputError(f"instance {name!r}: field {key!r} item {i}: {v!r} is not an integer")
        v = int(v)
        if minimum is not None and v < minimum:
            raise InputError(f"instance {name!r}: field {key!r} item {i}: {v} is negative")
        out.append(v)
    return tuple(out)
