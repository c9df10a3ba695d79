"""Problem data and plans of MoE expert offloading.

An instance is a routing trace -- token counts per (step, MoE layer, routed
expert) -- with the model's shape and the hardware's costs. A plan
(:class:`Solution`) says which routed experts are GPU-resident at each step
and layer; tokens routed to other experts run on the CPU. Shared experts see
every token, always stay on the GPU and occupy GPU expert slots: the budget
counts them. See :mod:`planner.offload.evaluate` for the cost model.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.core.errors import InputError, text_field

#: Largest trace accepted (steps x layers x experts counts), 128 MB as int32. Lowered from
#: 128 M: at 109 M counts (65,536 steps of deepseek-v2-lite) reading the trace, building the
#: plan's expert lists and its summary alone took 5-8 s of a solve's runtime and 14 s of
#: checking (load ~4 on 2 cores), so no time limit of a few seconds could hold; at 27 M
#: (16,384 steps) every method returns within -t 2 + 1 s.
MAX_CELLS = 32 * 1024 * 1024

#: Cells (steps x layers x experts) per chunk of steps in vectorised passes over a trace:
#: float64 arrays of the whole trace would take up to 1 GB each.
CHUNK_CELLS = 1 << 21

#: Initial GPU contents before the first step: nothing, or routed experts 0..k-1 of each
#: layer (what TIDE's ``enable_offload`` loads); either way the initial load is free.
INITIAL_MODES = ("empty", "first")

#: Hardware fields a trace header must give.
REQUIRED_HARDWARE = (
    "h2d_gb_s",
    "copy_latency_us",
    "gpu_token_us",
    "gpu_call_us",
    "cpu_token_us",
    "cpu_call_us",
)


@dataclass(frozen=True)
class Model:
    """Shape of the MoE model (MoE layers only).

    Attributes
    ----------
    name
        Display name (``llada2-mini``...).
    layers
        MoE layers (dense layers are not part of the trace).
    experts
        Routed experts per MoE layer.
    top_k
        Routed experts per token.
    shared_experts
        Shared experts per layer: see every token, always GPU-resident.
    expert_bytes
        Bytes of one expert's weights (what a copy moves).
    """

    name: str
    layers: int
    experts: int
    top_k: int
    shared_experts: int
    expert_bytes: int

    def __post_init__(self) -> None:
        for key in ("layers", "experts", "top_k", "expert_bytes"):
            _check_int(f"model.{key}", getattr(self, key), minimum=1)
        _check_int("model.shared_experts", self.shared_experts, minimum=0)
        if self.top_k > self.experts:
            raise InputError(
                f"field 'model.top_k': {self.top_k} is more than the {self.experts} experts"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the ``model`` object of a trace file)."""
        return {
            "name": self.name,
            "layers": self.layers,
            "experts": self.experts,
            "top_k": self.top_k,
            "shared_experts": self.shared_experts,
            "expert_bytes": self.expert_bytes,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Model:
        """Inverse of :meth:`to_dict` (``name`` and ``shared_experts`` optional).

        Unknown keys are an error: a misspelt ``shared_experts`` would silently be 0.
        """
        data = _mapping("model", data)
        known = set(cls.__dataclass_fields__)
        extra = sorted(set(data) - known)
        if extra:
            raise InputError(
                f"field 'model.{extra[0]}' is unknown (known: {', '.join(sorted(known))})"
            )
        for key in ("layers", "experts", "top_k", "expert_bytes"):
            if key not in data:
                raise InputError(f"field 'model.{key}' is missing")
        return cls(
            # a blank name named nothing in the plan's title (s30bad)
            name=text_field(data, "name", "moe", "model", nonempty=True),
            layers=data["layers"],
            experts=data["experts"],
            top_k=data["top_k"],
            shared_experts=data.get("shared_experts", 0),
            expert_bytes=data["expert_bytes"],
        )


@dataclass(frozen=True)
class Hardware:
    """GPU expert budget and cost coefficients.

    Exactly one of ``budget`` (GPU expert slots per MoE layer) and
    ``global_budget`` (slots summed over all MoE layers) is set; both count
    the shared experts, which always hold their slots.

    Attributes
    ----------
    h2d_gb_s
        Host-to-device copy bandwidth, GB/s (1e9 bytes per second).
    copy_latency_us
        Fixed cost per expert copy, microseconds.
    gpu_token_us, gpu_call_us
        GPU time per token per expert, and per expert call, microseconds.
    cpu_token_us, cpu_call_us
        The same on the CPU.
    budget, global_budget
        See above.
    overlap
        Copies of a layer run while the previous layer computes (prefetch);
        otherwise they add to the layer's time.
    source
        Where the coefficients come from (free text).
    """

    h2d_gb_s: float
    copy_latency_us: float
    gpu_token_us: float
    gpu_call_us: float
    cpu_token_us: float
    cpu_call_us: float
    budget: int | None = None
    global_budget: int | None = None
    overlap: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        if (self.budget is None) == (self.global_budget is None):
            raise InputError(
                "field 'hardware.budget': give exactly one of 'budget' (slots per layer) "
                "and 'global_budget' (slots over all layers)"
            )
        for key in ("budget", "global_budget"):
            if getattr(self, key) is not None:
                _check_int(f"hardware.{key}", getattr(self, key), minimum=0)
        if not _number(self.h2d_gb_s) or self.h2d_gb_s <= 0:
            raise InputError(f"field 'hardware.h2d_gb_s': must be > 0, got {self.h2d_gb_s!r}")
        for key in (
            "copy_latency_us",
            "gpu_token_us",
            "gpu_call_us",
            "cpu_token_us",
            "cpu_call_us",
        ):
            value = getattr(self, key)
            if not _number(value) or value < 0:
                raise InputError(f"field 'hardware.{key}': must be a number >= 0, got {value!r}")
        if not isinstance(self.overlap, bool):
            raise InputError(
                f"field 'hardware.overlap': must be true or false, got {self.overlap!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the ``hardware`` object of a trace file)."""
        out: dict[str, Any] = {}
        if self.budget is not None:
            out["budget"] = self.budget
        else:
            out["global_budget"] = self.global_budget
        out.update(
            h2d_gb_s=self.h2d_gb_s,
            copy_latency_us=self.copy_latency_us,
            gpu_token_us=self.gpu_token_us,
            gpu_call_us=self.gpu_call_us,
            cpu_token_us=self.cpu_token_us,
            cpu_call_us=self.cpu_call_us,
            overlap=self.overlap,
        )
        if self.source:
            out["source"] = self.source
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Hardware:
        """Inverse of :meth:`to_dict`; unknown keys are an error (typos would be silent)."""
        data = dict(_mapping("hardware", data))
        known = set(cls.__dataclass_fields__)
        extra = sorted(set(data) - known)
        if extra:
            raise InputError(
                f"field 'hardware.{extra[0]}' is unknown (known: {', '.join(sorted(known))})"
            )
        for key in REQUIRED_HARDWARE:
            if key not in data:
                raise InputError(f"field 'hardware.{key}' is missing")
        return cls(**data)


@dataclass(frozen=True, eq=False)
class Instance:
    """An expert-offload planning instance: a routing trace on a model and hardware.

    Attributes
    ----------
    name
        Unique name.
    model, hardware
        See :class:`Model` and :class:`Hardware`.
    counts
        Token counts ``[steps, layers, experts]`` (non-negative integers): how
        many tokens of step ``s`` layer ``l`` were routed to expert ``e``.
    blocks
        Diffusion blocks: the number of denoising steps of each block, in
        order (summing to ``steps``); ``None`` for autoregressive decode
        (every step is one decode step of a batch).
    initial
        GPU contents before step 0: ``"empty"`` or ``"first"`` (routed experts
        ``0..k-1`` per layer, as TIDE starts); loading them is free.
    meta
        Everything else (generator parameters, measured stability...).

    Raises
    ------
    InputError
        On construction, naming the field and the item at fault.
    """

    name: str
    model: Model
    hardware: Hardware
    counts: np.ndarray
    blocks: tuple[int, ...] | None = None
    initial: str = "empty"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"instance name must be a non-empty string, got {self.name!r}")
        where = f"instance {self.name!r}"
        counts = _counts_array(where, self.counts)
        model, hw = self.model, self.hardware
        if counts.shape[1:] != (model.layers, model.experts):
            raise InputError(
                f"{where}: field 'counts' has shape {list(counts.shape)} "
                f"but the model has {model.layers} layers x {model.experts} experts "
                f"(expected [steps, {model.layers}, {model.experts}])"
            )
        slots = model.experts + model.shared_experts
        if hw.budget is not None:
            if hw.budget < model.shared_experts:
                raise InputError(
                    f"{where}: field 'hardware.budget' = {hw.budget} is below the "
                    f"{model.shared_experts} shared experts per layer"
                )
            if hw.budget > slots:
                raise InputError(
                    f"{where}: field 'hardware.budget' = {hw.budget} is larger than the number "
                    f"of experts per layer ({model.experts} routed + {model.shared_experts} shared)"
                )
        else:
            if hw.global_budget < model.shared_experts * model.layers:
                raise InputError(
                    f"{where}: field 'hardware.global_budget' = {hw.global_budget} is below the "
                    f"{model.shared_experts * model.layers} shared experts of all layers"
                )
            if hw.global_budget > slots * model.layers:
                raise InputError(
                    f"{where}: field 'hardware.global_budget' = {hw.global_budget} is larger than "
                    f"the number of experts of all layers ({slots * model.layers})"
                )
        blocks = self.blocks
        if blocks is not None:
            if isinstance(blocks, np.ndarray):
                blocks = blocks.tolist()
            if not isinstance(blocks, (list, tuple)) or not blocks:
                raise InputError(f"{where}: field 'blocks' must be a non-empty list or null")
            for i, b in enumerate(blocks):
                _check_int(f"blocks[{i}]", b, minimum=1, where=where)
            blocks = tuple(int(b) for b in blocks)
            if sum(blocks) != counts.shape[0]:
                raise InputError(
                    f"{where}: field 'blocks' sums to {sum(blocks)} steps "
                    f"but 'counts' has {counts.shape[0]}"
                )
        if self.initial not in INITIAL_MODES:
            raise InputError(
                f"{where}: field 'initial' must be one of {', '.join(INITIAL_MODES)}, "
                f"got {self.initial!r}"
            )
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "meta", dict(self.meta))

    # ------------------------------------------------------------------ shape
    @property
    def steps(self) -> int:
        """Number of steps of the trace."""
        return int(self.counts.shape[0])

    @property
    def layers(self) -> int:
        """MoE layers."""
        return self.model.layers

    @property
    def experts(self) -> int:
        """Routed experts per layer."""
        return self.model.experts

    @property
    def per_layer(self) -> bool:
        """True when the budget is per layer (layers decompose), False for a global budget."""
        return self.hardware.budget is not None

    @property
    def capacity(self) -> int:
        """Routed experts that fit: per layer, or over all layers with a global budget."""
        hw, model = self.hardware, self.model
        if hw.budget is not None:
            return hw.budget - model.shared_experts
        return hw.global_budget - model.shared_experts * model.layers

    def layer_capacities(self) -> np.ndarray:
        """Routed slots per layer for policies that split a global budget evenly.

        Per-layer budget: the budget minus the shared experts for every layer.
        Global budget: the routed slots split as evenly as possible (earlier
        layers get the remainder), each capped at the number of experts.
        """
        L, E = self.layers, self.experts
        if self.per_layer:
            return np.full(L, self.capacity, dtype=np.int64)
        base, extra = divmod(self.capacity, L)
        caps = np.array([base + (1 if ly < extra else 0) for ly in range(L)], dtype=np.int64)
        return np.minimum(caps, E)

    def initial_mask(self) -> np.ndarray:
        """GPU-resident routed experts before step 0, ``[layers, experts]`` bool."""
        mask = np.zeros((self.layers, self.experts), dtype=bool)
        if self.initial == "first":
            caps = self.layer_capacities()
            for layer in range(self.layers):
                mask[layer, : caps[layer]] = True
        return mask

    def block_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """``(block index, step within block)`` of every step (one block when autoregressive)."""
        if self.blocks is None:
            return np.zeros(self.steps, dtype=np.int64), np.arange(self.steps, dtype=np.int64)
        block = np.repeat(np.arange(len(self.blocks)), self.blocks)
        starts = np.cumsum((0, *self.blocks[:-1]))
        return block, np.arange(self.steps) - np.repeat(starts, self.blocks)

    # ------------------------------------------------------------------ costs
    @functools.cached_property
    def tokens(self) -> np.ndarray:
        """Tokens per (step, layer): routed assignments divided by ``top_k``."""
        return self.counts.sum(axis=2) / self.model.top_k

    @property
    def copy_s(self) -> float:
        """Seconds to copy one expert host-to-device."""
        from planner.perfmodel.experts import copy_seconds_per_expert

        hw = self.hardware
        return copy_seconds_per_expert(
            self.model.expert_bytes, hw.h2d_gb_s * 1e9, hw.copy_latency_us * 1e-6
        )

    def step_chunks(self, cells: int | None = None) -> list[tuple[int, int]]:
        """``(first, end)`` step ranges of about ``cells`` (default :data:`CHUNK_CELLS`)
        cells covering the trace."""
        per = max(1, (cells or CHUNK_CELLS) // (self.layers * self.experts))
        return [(lo, min(self.steps, lo + per)) for lo in range(0, self.steps, per)]

    def cost_chunk(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(gpu, cpu, shared)`` of steps ``lo..hi-1``: seconds of each expert call on the
        GPU / CPU ``[hi - lo, layers, experts]`` and of the shared experts ``[hi - lo, layers]``."""
        from planner.perfmodel.experts import expert_time

        hw = self.hardware
        counts = self.counts[lo:hi]
        gpu = expert_time(counts, hw.gpu_token_us * 1e-6, hw.gpu_call_us * 1e-6)
        cpu = expert_time(counts, hw.cpu_token_us * 1e-6, hw.cpu_call_us * 1e-6)
        shared = self.model.shared_experts * expert_time(
            self.tokens[lo:hi], hw.gpu_token_us * 1e-6, hw.gpu_call_us * 1e-6
        )
        return gpu, cpu, shared

    @functools.cached_property
    def cost_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`cost_chunk` of the whole trace (for the MIP; long passes use chunks)."""
        arrays = self.cost_chunk(0, self.steps)
        for a in arrays:
            a.setflags(write=False)
        return arrays

    # -------------------------------------------------------------- serialize
    def header(self) -> dict[str, Any]:
        """Everything but the counts (the JSON header of a ``.npy`` trace)."""
        out: dict[str, Any] = {
            "name": self.name,
            "model": self.model.to_dict(),
            "hardware": self.hardware.to_dict(),
            "steps": self.steps,
            "blocks": None if self.blocks is None else list(self.blocks),
            "initial": self.initial,
        }
        out.update((k, v) for k, v in self.meta.items() if k not in out)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (the native JSON format), counts as nested lists."""
        out = self.header()
        out["counts"] = self.counts.tolist()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], counts: Any = None) -> Instance:
        """Build from a trace dictionary; ``counts`` overrides ``data["counts"]`` (a ``.npy``)."""
        data = _mapping("instance", data)
        name = text_field(data, "name", "offload", "instance")
        for key in ("model", "hardware"):
            if key not in data:
                raise InputError(f"instance {name!r}: field {key!r} is missing")
        if counts is None:
            if "counts" not in data:
                raise InputError(f"instance {name!r}: field 'counts' is missing")
            counts = data["counts"]
        try:
            model = Model.from_dict(data["model"])
            hardware = Hardware.from_dict(data["hardware"])
        except TypeError as exc:
            raise InputError(f"instance {name!r}: {exc}") from None
        except InputError as exc:
            raise InputError(f"instance {name!r}: {exc}") from None
        skip = {"name", "model", "hardware", "counts", "blocks", "initial", "steps"}
        for key in data:  # other keys are metadata; a near-miss of a field is a typo
            close = difflib.get_close_matches(str(key), sorted(skip), n=1, cutoff=0.8)
            if key not in skip and close:
                raise InputError(
                    f"instance {name!r}: field {key!r} is unknown (did you mean {close[0]!r}? "
                    "other fields are kept as metadata)"
                )
        inst = cls(
            name=name,
            model=model,
            hardware=hardware,
            counts=counts,
            blocks=data.get("blocks"),
            initial=data.get("initial", "empty"),
            meta={k: v for k, v in data.items() if k not in skip},
        )
        from planner.offload.record import check_generator_record

        check_generator_record(inst.meta, f"instance {name!r}")
        steps = data.get("steps")
        if steps is not None and steps != inst.steps:
            raise InputError(
                f"instance {name!r}: field 'steps' is {steps!r} but 'counts' has {inst.steps} steps"
            )
        return inst


@dataclass
class Solution:
    """A residency plan: the routed experts on the GPU at every step and layer.

    Attributes
    ----------
    resident
        ``resident[s][l]`` is the sorted tuple of routed expert ids resident at
        step ``s`` in layer ``l``; a token routed elsewhere runs on the CPU.
    info
        What produced it (``policy``, ``tau``, ``refresh_steps``...); not checked.
    """

    resident: list[list[tuple[int, ...]]]
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mask(cls, mask: np.ndarray, **info: Any) -> Solution:
        """From a boolean ``[steps, layers, experts]`` array."""
        mask = np.asarray(mask, dtype=bool)
        S, L, E = mask.shape
        rows = mask.reshape(S * L, E)
        # a row equal to the same layer's row one step before shares its tuple (plans
        # change rarely; this saves building and storing millions of equal tuples)
        same = np.zeros(S * L, dtype=bool)
        same[L:] = (rows[L:] == rows[:-L]).all(axis=1)
        fresh = np.flatnonzero(~same)
        fresh_rows = rows[fresh]
        row_of, ids = np.nonzero(fresh_rows)
        ends = np.searchsorted(row_of, np.arange(1, len(fresh) + 1)).tolist()
        id_list = ids.tolist()
        built = []
        start = 0
        for end in ends:
            built.append(tuple(id_list[start:end]))
            start = end
        flat: list[tuple[int, ...]] = [()] * (S * L)
        for i, row in zip(fresh.tolist(), built, strict=True):
            flat[i] = row
        for i in np.flatnonzero(same).tolist():
            flat[i] = flat[i - L]
        return cls([flat[s * L : (s + 1) * L] for s in range(S)], dict(info))

    def mask(self, layers: int, experts: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Boolean ``[steps, layers, experts]`` array of steps ``lo..hi-1`` (all by default;
        ids must be in range: call ``verify`` first)."""
        steps = self.resident[lo:hi]
        out = np.zeros((len(steps), layers, experts), dtype=bool)
        lengths = [len(ids) for step in steps for ids in step]
        flat_ids = np.fromiter(
            itertools.chain.from_iterable(ids for step in steps for ids in step),
            dtype=np.int64,
            count=sum(lengths),
        )
        cells = np.repeat(np.arange(len(lengths)), lengths)
        out.reshape(-1, experts)[cells, flat_ids] = True
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"resident": [...], "info": {...}}``; a step or layer equal to the one before is null."""
        rows: list[Any] = []
        previous: list[tuple[int, ...]] | None = None
        for step in self.resident:
            if previous is not None and step == previous:
                rows.append(None)
            else:
                rows.append(
                    [
                        None if previous is not None and ids == previous[layer] else list(ids)
                        for layer, ids in enumerate(step)
                    ]
                )
            previous = step
        return {"resident": rows, "info": self.info}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        """Inverse of :meth:`to_dict` (nulls repeat the previous step or layer)."""
        rows = data.get("resident") if isinstance(data, Mapping) else None
        if not isinstance(rows, list) or not rows:
            raise InputError("solution: field 'resident' must be a non-empty list of steps")
        resident: list[list[tuple[int, ...]]] = []
        for s, row in enumerate(rows):
            if row is None:
                if not resident:
                    raise InputError("solution: field 'resident' step 0 must list every layer")
                resident.append(list(resident[-1]))
                continue
            if not isinstance(row, list):
                raise InputError(f"solution: field 'resident' step {s} must be a list of layers")
            step = []
            for layer, ids in enumerate(row):
                if ids is None:
                    if not resident or layer >= len(resident[-1]):
                        raise InputError(
                            f"solution: field 'resident' step {s} layer {layer} is null "
                            "with no previous step to repeat"
                        )
                    step.append(resident[-1][layer])
                    continue
                if not isinstance(ids, list) or not all(
                    isinstance(e, int) and not isinstance(e, bool) for e in ids
                ):
                    raise InputError(
                        f"solution: field 'resident' step {s} layer {layer} must be a list of ints"
                    )
                step.append(tuple(ids))
            resident.append(step)
        info = data.get("info") or {}
        return cls(resident, dict(info) if isinstance(info, Mapping) else {})


# ---------------------------------------------------------------------- helpers
def _mapping(what: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(f"field {what!r} must be an object, got {type(data).__name__}")
    return data


def _number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_int(key: str, value: Any, *, minimum: int, where: str = "") -> None:
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{prefix}field {key!r}: {value!r} is not an integer")
    if value < minimum:
        raise InputError(f"{prefix}field {key!r}: {value} is below {minimum}")


def _counts_array(where: str, counts: Any) -> np.ndarray:
    """Validate the counts: a 3-d array of non-negative integers, named on error."""
    if isinstance(counts, np.ndarray):
        arr = counts
    elif isinstance(counts, Sequence) and not isinstance(counts, (str, bytes)):
        try:
            arr = np.asarray(counts)
        except ValueError:
            raise InputError(
                f"{where}: field 'counts' is ragged (every step needs the same layers x experts)"
            ) from None
    else:
        raise InputError(f"{where}: field 'counts' must be a 3-d array [steps, layers, experts]")
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise InputError(
            f"{where}: field 'counts' must be a non-empty 3-d array [steps, layers, experts], "
            f"got shape {list(arr.shape)}"
        )
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise InputError(f"{where}: field 'counts' must hold integers (dtype {arr.dtype})")
    if arr.size > MAX_CELLS:
        raise InputError(f"{where}: field 'counts' has {arr.size} cells, more than {MAX_CELLS}")
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InputError(
                f"{where}: field 'counts' item {list(idx)} = {arr[idx]!r} is not an integer"
            )
    negative = arr < 0
    if negative.any():
        idx = tuple(int(i) for i in np.argwhere(negative)[0])
        raise InputError(f"{where}: field 'counts' item {list(idx)} = {arr[idx]} is negative")
    if arr.size and arr.max() > np.iinfo(np.int32).max:
        raise InputError(f"{where}: field 'counts' has a count above 2**31")
    out = np.ascontiguousarray(arr, dtype=np.int32)
    out.setflags(write=False)
    return out
