"""Loops to software-pipeline on a GPU SM: the machine, the ops, the dependences.

An instance is one loop body (a dependence graph of tile-level ops) and the
machine that runs it. A *schedule* starts one iteration every ``ii`` time
units; op ``v`` of iteration ``i`` issues at ``start[v] + i * ii`` on warp
group ``warp[v]``. Times are integers in the instance's own unit, which is
``cycles_per_unit`` GPU cycles (see :func:`normalize` for Twill's scaling of
large cycle counts).

Timing semantics (shared by :mod:`evaluate`, the exact model and the heuristic)
---------------------------------------------------------------------------
* a reservation ``{unit, offset, cycles, count}`` occupies ``count`` instances
  of ``unit`` during ``[t + offset, t + offset + cycles)``;
* the op occupies its warp group (synchronous work on the group's threads)
  during ``[t, t + warp_cycles)``; asynchronous ops (TMA, wgmma/tcgen05 issue)
  have a small ``warp_cycles``;
* an edge ``u -> v`` with latency ``d`` and distance ``δ`` requires
  ``t_v + δ·ii - t_u >= d``, plus the producer's cross-warp latency when the
  two ops sit on different warp groups or exactly one of them is
  ``single_thread`` (a barrier handshake between one issuing thread and a warp
  group's threads, needed on any group);
* an edge whose ends sit on different warp groups also occupies the units of the
  producer's ``cross_reservation`` from ``t_u + latency_u + offset`` (a register
  tile through shared memory); :mod:`evaluate` and the exact model charge it, the
  heuristic leaves it to the verifier that accepts its schedules;
* the value an op produces occupies ``registers`` (per thread, on the
  producer's warp group), ``smem`` (KiB) and ``tmem`` (columns) from its issue
  until its last consumer completes (``t_c + δ·ii + latency_c``), or until the
  consumer issues when the edge is ``in_place`` (an accumulator update that
  reuses the storage), and at least until it is itself complete; an
  ``order_only`` edge orders the two ops without keeping the producer's value
  alive (a loop-carried scalar whose storage is negligible, an anti-dependence);
* ``span`` of an op is ``max(latency, last reservation end, warp_cycles)``; the
  schedule ``length`` is ``max(start + span)`` with every start ``>= 0``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass, field, replace
from typing import Any

from planner.core.errors import InputError, text_field

#: Largest ``ii * (horizon + 1)`` for a plausible ``ii`` (at most the sum of the op spans):
#: objectives stay below 1e6, where the core's relative tolerance (1e-6) still tells two
#: schedule lengths apart.
MAX_ENCODED = 900_000

_TOP_KEYS = {
    "name",
    "machine",
    "ops",
    "edges",
    "cycles_per_unit",
    "normalize",
    "horizon",
    "max_ii",
    "description",
    "sources",
    "notes",
    "normalization",
    "meta",
}
_MACHINE_KEYS = {
    "name",
    "units",
    "warp_groups",
    "register_limit",
    "register_file",
    "register_reserved",
    "smem",
    "tmem",
    "cross_warp_latency",
    "note",
    "notes",
}
_OP_KEYS = {
    "id",
    "reservation",
    "latency",
    "variable_latency",
    "single_thread",
    "warp_cycles",
    "registers",
    "smem",
    "tmem",
    "cross_warp_latency",
    "cross_reservation",
    "kind",
    "note",
}
_RES_KEYS = {"unit", "offset", "cycles", "count"}
_EDGE_KEYS = {
    "src",
    "dst",
    "latency",
    "distance",
    "in_place",
    "order_only",
    "cross_warp_latency",
    "note",
}


@dataclass(frozen=True)
class Reservation:
    """``count`` instances of ``unit`` busy during ``[t + offset, t + offset + cycles)``."""

    unit: str
    offset: int
    cycles: int
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": self.unit, "offset": self.offset, "cycles": self.cycles}
        if self.count != 1:
            out["count"] = self.count
        return out


@dataclass(frozen=True)
class Op:
    """One tile-level operation of the loop body.

    Attributes
    ----------
    id
        Unique name.
    reservation
        Units the op occupies and when (relative to its issue).
    latency
        Time from issue until its result is ready.
    variable_latency
        True for ops whose latency is not known statically (TMA loads/stores):
        they must run on the dedicated producer warp group, alone.
    single_thread
        True for ops one thread issues whose completion is observed only through
        an mbarrier (Blackwell ``tcgen05.mma``): an edge between it and an op that
        is not single-thread pays the cross-warp latency even on one warp group
        (see :meth:`Instance.forced_cross`).
    warp_cycles
        Time the op keeps its warp group busy from its issue.
    registers
        Registers per thread its result holds on its warp group.
    smem, tmem
        Shared memory (KiB) and tensor memory (columns) its result holds.
    cross_warp_latency
        Extra delay when a consumer sits on another warp group (``None``: the
        machine's value).
    cross_reservation
        Units the hand-off occupies when a consumer sits on another warp group,
        from the op's completion (``t + latency``) plus each offset, once per such
        edge: e.g. a register tile written to shared memory and read back by the
        other group occupies the shared-memory pipe (its bandwidth, not only the
        delay ``cross_warp_latency`` charges).
    kind
        Free label used by plots and structure checks (``"gemm"``, ``"softmax"`` ...).
    note
        Where the numbers come from.
    """

    id: str
    reservation: tuple[Reservation, ...]
    latency: int
    variable_latency: bool = False
    single_thread: bool = False
    warp_cycles: int = 0
    registers: int = 0
    smem: int = 0
    tmem: int = 0
    cross_warp_latency: int | None = None
    cross_reservation: tuple[Reservation, ...] = ()
    kind: str = ""
    note: str = ""

    @property
    def span(self) -> int:
        """Time from issue until the op has finished everything it does."""
        ends = [r.offset + r.cycles for r in self.reservation]
        return max([self.latency, self.warp_cycles, *ends])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "reservation": [r.to_dict() for r in self.reservation],
            "latency": self.latency,
        }
        if self.variable_latency:
            out["variable_latency"] = True
        if self.single_thread:
            out["single_thread"] = True
        for key in ("warp_cycles", "registers", "smem", "tmem"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.cross_warp_latency is not None:
            out["cross_warp_latency"] = self.cross_warp_latency
        if self.cross_reservation:
            out["cross_reservation"] = [r.to_dict() for r in self.cross_reservation]
        if self.kind:
            out["kind"] = self.kind
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Edge:
    """Dependence ``src -> dst``: ``t_dst + distance * ii - t_src >= latency`` (+ cross-warp).

    ``in_place``: the consumer takes over the producer's storage at its issue;
    ``order_only``: the edge does not extend the producer's value lifetime;
    ``cross_warp_latency``: the delay of handing this edge's value to another warp
    group when it differs from the producer's (an op whose outputs differ in size,
    e.g. a register tile to one consumer and a scalar to another); ``None``: the
    producer's.
    """

    src: str
    dst: str
    latency: int
    distance: int = 0
    in_place: bool = False
    order_only: bool = False
    cross_warp_latency: int | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "src": self.src,
            "dst": self.dst,
            "latency": self.latency,
            "distance": self.distance,
        }
        if self.in_place:
            out["in_place"] = True
        if self.order_only:
            out["order_only"] = True
        if self.cross_warp_latency is not None:
            out["cross_warp_latency"] = self.cross_warp_latency
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Machine:
    """One SM as the loop sees it.

    Attributes
    ----------
    units
        Functional units and their capacities (instances usable at once).
    warp_groups
        Warp groups (128 threads each) the kernel may use.
    register_limit
        Most registers per thread one warp group may hold (``setmaxnreg``), its
        reserved registers included.
    register_file
        Registers per thread summed over all warp groups in use (the SM's
        register file / 128 threads), or ``None`` for no such limit.
    register_reserved
        Registers every used warp group holds besides the live values
        (addresses, loop counters, barrier state).
    smem, tmem
        Shared-memory capacity (KiB) and tensor-memory capacity (columns).
    cross_warp_latency
        Default delay of passing a value between warp groups.
    """

    units: Mapping[str, int]
    warp_groups: int
    register_limit: int
    register_file: int | None = None
    register_reserved: int = 0
    smem: int = 0
    tmem: int = 0
    cross_warp_latency: int = 0
    name: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        out["units"] = dict(self.units)
        out["warp_groups"] = self.warp_groups
        out["register_limit"] = self.register_limit
        if self.register_file is not None:
            out["register_file"] = self.register_file
        if self.register_reserved:
            out["register_reserved"] = self.register_reserved
        out["smem"] = self.smem
        if self.tmem:
            out["tmem"] = self.tmem
        out["cross_warp_latency"] = self.cross_warp_latency
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Instance:
    """A loop body and its machine.

    Attributes
    ----------
    name
        Instance name.
    machine
        The SM (:class:`Machine`).
    ops, edges
        The dependence graph.
    cycles_per_unit
        GPU cycles per time unit (the scale; 1 when times are cycles).
    horizon
        Longest schedule length considered (``None``: :func:`default_horizon`).
    max_ii
        Largest initiation interval considered (``None``: the horizon).
    meta
        Documentation carried along: ``description``, ``sources``, ``notes``,
        ``normalization`` ...

    Raises
    ------
    InputError
        On construction, naming the op, edge or field at fault.
    """

    name: str
    machine: Machine
    ops: tuple[Op, ...]
    edges: tuple[Edge, ...]
    cycles_per_unit: int = 1
    horizon: int | None = None
    max_ii: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    check_encoding: InitVar[bool] = True

    def __post_init__(self, check_encoding: bool) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"instance name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "edges", tuple(self.edges))
        object.__setattr__(self, "meta", dict(self.meta))
        _validate(self)
        if check_encoding:
            _check_encoding(self)

    # -- derived data -----------------------------------------------------------------
    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Op id -> position."""
        return {op.id: i for i, op in enumerate(self.ops)}

    @property
    def n(self) -> int:
        """Number of ops."""
        return len(self.ops)

    def op(self, op_id: str) -> Op:
        """The op named ``op_id``."""
        return self.ops[self.index[op_id]]

    def cross_latency(self, op_id: str) -> int:
        """Delay of handing ``op_id``'s result to another warp group."""
        op = self.op(op_id)
        return (
            self.machine.cross_warp_latency
            if op.cross_warp_latency is None
            else op.cross_warp_latency
        )

    def edge_cross_latency(self, edge: Edge) -> int:
        """Delay of handing ``edge``'s value to another warp group (the edge's own value,
        else the producer's)."""
        if edge.cross_warp_latency is not None:
            return edge.cross_warp_latency
        return self.cross_latency(edge.src)

    def forced_cross(self, edge: Edge) -> bool:
        """True when every schedule pays the producer's cross-warp latency on ``edge``.

        * One end is variable-latency, the other not: they sit on different groups.
        * One end is single-thread, the other not (PTX ISA 9.7.16.6): a single-thread
          op's completion is seen only through ``tcgen05.commit`` + an mbarrier wait,
          even by warps of the issuing group, and its inputs written by a warp group's
          128 threads reach the issuing thread only after ``tcgen05.wait::st``, a
          fence and a barrier, wherever the issuing thread sits.
        """
        src, dst = self.op(edge.src), self.op(edge.dst)
        return src.variable_latency != dst.variable_latency or (
            src.single_thread != dst.single_thread
        )

    @property
    def has_variable_latency(self) -> bool:
        """Whether a dedicated producer warp group is needed."""
        return any(op.variable_latency for op in self.ops)

    @functools.cached_property
    def effective_horizon(self) -> int:
        """The horizon in force (given or :func:`default_horizon`)."""
        return self.horizon if self.horizon is not None else default_horizon(self)

    @functools.cached_property
    def effective_max_ii(self) -> int:
        """Largest initiation interval considered."""
        return self.max_ii if self.max_ii is not None else max(1, self.effective_horizon)

    def with_warps(self, warps: int) -> Instance:
        """The same loop with the number of warp groups fixed to ``warps``."""
        if isinstance(warps, bool) or not isinstance(warps, int) or warps < 1:
            raise InputError(f"--warps must be a positive integer, got {warps!r}")
        if warps > MAX_WARP_GROUPS:
            raise InputError(f"--warps {warps}: at most {MAX_WARP_GROUPS} (resident warps per SM)")
        machine = replace(self.machine, warp_groups=warps)
        return replace(self, machine=machine, meta={**self.meta, "warps_fixed": warps})

    def with_max_ii(self, max_ii: int) -> Instance:
        """The same loop considering only initiation intervals ``<= max_ii``."""
        if isinstance(max_ii, bool) or not isinstance(max_ii, int) or max_ii < 1:
            raise InputError(f"--max-ii must be a positive integer, got {max_ii!r}")
        return replace(self, max_ii=max_ii)

    def with_machine(self, machine: Machine | Mapping[str, Any]) -> Instance:
        """The same loop on another machine."""
        if not isinstance(machine, Machine):
            machine = machine_from_dict(machine, self.name)
        return replace(self, machine=machine)

    # -- serialization ----------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Build from the JSON format (see the module docstring and docs/pipelining.md).

        A ``normalize`` field (``{"target": T}`` or ``{"cycles_per_unit": S}``)
        rescales the times given in cycles, as :func:`normalize` describes.
        """
        if not isinstance(data, Mapping):
            raise InputError(f"expected an instance object, got {type(data).__name__}")
        name = data.get("name", "pipelining")
        name = name if isinstance(name, str) and name else str(name)
        _no_unknown(name, "instance", data, _TOP_KEYS)
        for key in ("machine", "ops", "edges"):
            if key not in data:
                raise InputError(f"instance {name!r}: missing field {key!r}")
        machine = machine_from_dict(data["machine"], name)
        ops_raw = data["ops"]
        if not isinstance(ops_raw, list) or not ops_raw:
            raise InputError(f"instance {name!r}: field 'ops' must be a non-empty list")
        ops = [_op_from_dict(name, i, o) for i, o in enumerate(ops_raw)]
        ids = [op.id for op in ops]
        dup = next((i for k, i in enumerate(ids) if i in ids[:k]), None)
        if dup is not None:  # before the edges, which would name the op left without an id
            raise InputError(f"instance {name!r}: op {dup!r}: duplicate id")
        edges_raw = data["edges"]
        if not isinstance(edges_raw, list):
            raise InputError(f"instance {name!r}: field 'edges' must be a list")
        latency_of = {op.id: op.latency for op in ops}
        edges = [_edge_from_dict(name, i, e, latency_of) for i, e in enumerate(edges_raw)]
        meta = {
            k: data[k] for k in ("description", "sources", "notes", "normalization") if k in data
        }
        meta.update(data.get("meta") or {})
        raw = data.get("normalize") is not None
        inst = _build(name, machine, ops, edges, data, meta, check_encoding=not raw)
        if raw:
            inst = normalize(inst, data["normalize"])
        return inst

    def to_dict(self) -> dict[str, Any]:
        """The JSON format (times in the instance's own unit)."""
        out: dict[str, Any] = {"name": self.name}
        for key in ("description",):
            if key in self.meta:
                out[key] = self.meta[key]
        out["cycles_per_unit"] = self.cycles_per_unit
        if self.horizon is not None:
            out["horizon"] = self.horizon
        if self.max_ii is not None:
            out["max_ii"] = self.max_ii
        out["machine"] = self.machine.to_dict()
        out["ops"] = [op.to_dict() for op in self.ops]
        out["edges"] = [e.to_dict() for e in self.edges]
        for key in ("normalization", "sources", "notes"):
            if key in self.meta:
                out[key] = self.meta[key]
        rest = {
            k: v
            for k, v in self.meta.items()
            if k not in ("description", "normalization", "sources", "notes")
        }
        if rest:
            out["meta"] = rest
        return out


@dataclass
class Solution:
    """A modulo schedule with a warp assignment.

    Attributes
    ----------
    ii
        Initiation interval (time units between consecutive iterations).
    start
        Issue time of each op in iteration 0 (op id -> time, ``>= 0``).
    warp
        Warp group of each op (op id -> index in ``[0, warp_groups)``).
    length
        Schedule length ``max(start + span)``; recomputed by ``evaluate``.
    """

    ii: int
    start: dict[str, int]
    warp: dict[str, int]
    length: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"ii", "length", "start", "warp"}``."""
        return {
            "ii": self.ii,
            "length": self.length,
            "start": dict(self.start),
            "warp": dict(self.warp),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Solution:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise InputError("solution: expected an object with ii, start, warp")
        for key in ("ii", "start", "warp"):
            if key not in data:
                raise InputError(f"solution: missing field {key!r}")
        if not isinstance(data["start"], Mapping) or not isinstance(data["warp"], Mapping):
            raise InputError("solution: fields 'start' and 'warp' must map op ids to integers")
        return cls(
            ii=data["ii"],
            start=dict(data["start"]),
            warp=dict(data["warp"]),
            length=data.get("length"),
        )


# -- construction helpers --------------------------------------------------------------


def _build(
    name: str,
    machine: Machine,
    ops: list[Op],
    edges: list[Edge],
    data: Mapping[str, Any],
    meta: dict[str, Any],
    *,
    check_encoding: bool = True,
) -> Instance:
    horizon = data.get("horizon")
    max_ii = data.get("max_ii")
    return Instance(
        name=name,
        machine=machine,
        ops=tuple(ops),
        edges=tuple(edges),
        cycles_per_unit=_int(name, "cycles_per_unit", data.get("cycles_per_unit", 1), minimum=1),
        horizon=None if horizon is None else _int(name, "horizon", horizon, minimum=1),
        max_ii=None if max_ii is None else _int(name, "max_ii", max_ii, minimum=1),
        meta=meta,
        check_encoding=check_encoding,
    )


def machine_from_dict(data: Any, name: str = "?") -> Machine:
    """Parse and validate the ``machine`` object."""
    where = f"instance {name!r}: machine"
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected an object")
    _no_unknown(name, "machine", data, _MACHINE_KEYS)
    units = data.get("units")
    if not isinstance(units, Mapping) or not units:
        raise InputError(f"{where}: field 'units' must map unit names to capacities")
    caps = {}
    for unit, cap in units.items():
        caps[str(unit)] = _int(name, f"machine.units.{unit}", cap, minimum=1)
    if "warp_groups" not in data:
        raise InputError(f"{where}: missing field 'warp_groups'")
    if "register_limit" not in data:
        raise InputError(f"{where}: missing field 'register_limit'")
    note = data.get("note", data.get("notes", ""))
    return Machine(
        name=text_field(data, "name", "", where),
        units=caps,
        warp_groups=_warp_groups(name, data["warp_groups"]),
        register_limit=_int(name, "machine.register_limit", data["register_limit"], minimum=0),
        register_file=None
        if data.get("register_file") is None
        else _int(name, "machine.register_file", data["register_file"], minimum=0),
        register_reserved=_int(
            name, "machine.register_reserved", data.get("register_reserved", 0), minimum=0
        ),
        smem=_int(name, "machine.smem", data.get("smem", 0), minimum=0),
        tmem=_int(name, "machine.tmem", data.get("tmem", 0), minimum=0),
        cross_warp_latency=_int(
            name, "machine.cross_warp_latency", data.get("cross_warp_latency", 0), minimum=0
        ),
        # a list of lines is joined; anything else is text, as an op's or an edge's note
        # (a number here raised TypeError: 'float' object is not iterable)
        note="; ".join(map(str, note)) if isinstance(note, (list, tuple)) else str(note or ""),
    )


def _op_from_dict(name: str, i: int, data: Any) -> Op:
    if not isinstance(data, Mapping):
        raise InputError(f"instance {name!r}: ops[{i}] must be an object")
    op_id = data.get("id")
    if not isinstance(op_id, str) or not op_id:
        raise InputError(f"instance {name!r}: ops[{i}] needs a non-empty string 'id'")
    where = f"op {op_id!r}"
    _no_unknown(name, where, data, _OP_KEYS)
    reservation = _reservations(name, where, data, "reservation")
    if "latency" not in data:
        raise InputError(f"instance {name!r}: {where}: missing field 'latency'")
    cross = data.get("cross_warp_latency")
    return Op(
        id=op_id,
        reservation=tuple(reservation),
        latency=_num(name, f"{where}.latency", data["latency"]),
        variable_latency=_bool(
            name, f"{where}.variable_latency", data.get("variable_latency", False)
        ),
        single_thread=_bool(name, f"{where}.single_thread", data.get("single_thread", False)),
        warp_cycles=_num(name, f"{where}.warp_cycles", data.get("warp_cycles", 0)),
        registers=_int(name, f"{where}.registers", data.get("registers", 0), minimum=0),
        smem=_int(name, f"{where}.smem", data.get("smem", 0), minimum=0),
        tmem=_int(name, f"{where}.tmem", data.get("tmem", 0), minimum=0),
        cross_warp_latency=None
        if cross is None
        else _num(name, f"{where}.cross_warp_latency", cross),
        cross_reservation=_reservations(name, where, data, "cross_reservation"),
        kind=str(data.get("kind", "")),
        note=str(data.get("note", "")),
    )


def _reservations(name: str, where: str, data: Mapping[str, Any], key: str) -> tuple:
    """The list ``data[key]`` of ``{unit, offset, cycles, count}`` objects."""
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise InputError(f"instance {name!r}: {where}: {key!r} must be a list")
    out = []
    for j, r in enumerate(raw):
        if not isinstance(r, Mapping):
            raise InputError(f"instance {name!r}: {where}: {key}[{j}] must be an object")
        _no_unknown(name, f"{where} {key}[{j}]", r, _RES_KEYS)
        if "unit" not in r or "cycles" not in r:
            raise InputError(f"instance {name!r}: {where}: {key}[{j}] needs 'unit' and 'cycles'")
        out.append(
            Reservation(
                unit=str(r["unit"]),
                offset=_num(name, f"{where} {key}[{j}].offset", r.get("offset", 0)),
                cycles=_num(name, f"{where} {key}[{j}].cycles", r["cycles"]),
                count=_int(name, f"{where} {key}[{j}].count", r.get("count", 1), minimum=1),
            )
        )
    return tuple(out)


def _edge_from_dict(name: str, i: int, data: Any, latency_of: Mapping[str, Any]) -> Edge:
    if not isinstance(data, Mapping):
        raise InputError(f"instance {name!r}: edges[{i}] must be an object")
    src, dst = data.get("src"), data.get("dst")
    where = f"edge {i} ({src} -> {dst})"
    _no_unknown(name, where, data, _EDGE_KEYS)
    for end, value in (("src", src), ("dst", dst)):
        if not isinstance(value, str) or value not in latency_of:
            raise InputError(f"instance {name!r}: {where}: {end} names unknown op {value!r}")
    latency = data.get("latency", latency_of[src])
    return Edge(
        src=src,
        dst=dst,
        latency=_num(name, f"{where}.latency", latency),
        distance=_int(name, f"{where}.distance", data.get("distance", 0), minimum=0),
        in_place=_bool(name, f"{where}.in_place", data.get("in_place", False)),
        order_only=_bool(name, f"{where}.order_only", data.get("order_only", False)),
        cross_warp_latency=None
        if data.get("cross_warp_latency") is None
        else _num(name, f"{where}.cross_warp_latency", data["cross_warp_latency"]),
        note=str(data.get("note", "")),
    )


def _validate(inst: Instance) -> None:
    """Structural checks that do not depend on how the instance was built."""
    name, m = inst.name, inst.machine
    seen: set[str] = set()
    for op in inst.ops:
        where = f"instance {name!r}: op {op.id!r}"
        if op.id in seen:
            raise InputError(f"{where}: duplicate id")
        seen.add(op.id)
        for key in ("latency", "warp_cycles"):
            _nonneg_int(where, key, getattr(op, key))
        if op.cross_warp_latency is not None:
            _nonneg_int(where, "cross_warp_latency", op.cross_warp_latency)
        for key in ("reservation", "cross_reservation"):
            for j, r in enumerate(getattr(op, key)):
                if r.unit not in m.units:
                    raise InputError(
                        f"{where}: {key}[{j}] uses unit {r.unit!r} which the machine lacks "
                        f"(units: {', '.join(sorted(m.units))})"
                    )
                _nonneg_int(where, f"{key}[{j}].offset", r.offset)
                _nonneg_int(where, f"{key}[{j}].cycles", r.cycles)
                if r.cycles < 1:
                    raise InputError(f"{where}: {key}[{j}].cycles must be >= 1")
                if r.count > m.units[r.unit]:
                    raise InputError(
                        f"{where}: {key}[{j}] needs {r.count} x {r.unit} but the machine has "
                        f"{m.units[r.unit]}"
                    )
        if op.tmem and not m.tmem:
            raise InputError(f"{where}: uses tensor memory but machine.tmem is 0")
    for i, e in enumerate(inst.edges):
        where = f"instance {name!r}: edge {i} ({e.src} -> {e.dst})"
        for end in (e.src, e.dst):
            if end not in seen:
                raise InputError(f"{where}: names unknown op {end!r}")
        _nonneg_int(where, "latency", e.latency)
        if e.cross_warp_latency is not None:
            _nonneg_int(where, "cross_warp_latency", e.cross_warp_latency)
        if e.distance < 0:
            raise InputError(f"{where}: distance {e.distance} is negative")
    cycle = zero_distance_cycle(inst.ops, inst.edges)
    if cycle:
        raise InputError(
            f"instance {name!r}: dependence cycle with total distance 0: {' -> '.join(cycle)}"
        )


def _check_encoding(inst: Instance) -> None:
    top = sum(op.span for op in inst.ops)
    # a hand-off occupies its units after the producer completes: its end counts as well
    hand_off = max(
        (op.latency + r.offset + r.cycles for op in inst.ops for r in op.cross_reservation),
        default=0,
    )
    too_large = hand_off > MAX_ENCODED
    if too_large or min(inst.effective_max_ii, top) * (inst.effective_horizon + 1) > MAX_ENCODED:
        raise InputError(
            f"instance {inst.name!r}: times too large for an exact lexicographic objective "
            f'(horizon {inst.effective_horizon}); add "normalize": {{"target": 300}} '
            "to scale cycle counts down (Twill's normalisation)"
        )


def zero_distance_cycle(ops: Sequence[Op], edges: Sequence[Edge]) -> list[str]:
    """A cycle of distance-0 edges as a list of op ids (closed), or ``[]`` when none."""
    succ: dict[str, list[str]] = {op.id: [] for op in ops}
    for e in edges:
        if e.distance == 0 and e.src in succ and e.dst in succ:
            succ[e.src].append(e.dst)
    color = dict.fromkeys(succ, 0)
    parent: dict[str, str] = {}
    for root in succ:
        if color[root]:
            continue
        stack = [(root, iter(succ[root]))]
        color[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = 2
                stack.pop()
            elif color[nxt] == 0:
                color[nxt] = 1
                parent[nxt] = node
                stack.append((nxt, iter(succ[nxt])))
            elif color[nxt] == 1:  # back edge: node -> nxt closes a cycle
                path = [node]
                while path[-1] != nxt:
                    path.append(parent[path[-1]])
                path.reverse()
                return [*path, nxt]
    return []


def default_horizon(inst: Instance) -> int:
    """Longest schedule length considered when the instance does not set ``horizon``.

    The sum of every op's span and of every distance-0 edge's latency plus the
    producer's cross-warp latency: one iteration executed op after op, each
    waiting for all of its inputs, fits in it.
    """
    total = sum(op.span for op in inst.ops)
    total += sum(e.latency + inst.edge_cross_latency(e) for e in inst.edges if e.distance == 0)
    return max(1, total)


# -- Twill's cost normalisation ---------------------------------------------------------


def normalize(inst: Instance, spec: Any) -> Instance:
    """Rescale the times of an instance given in cycles to small integers.

    Parameters
    ----------
    inst
        The instance in cycles (``cycles_per_unit`` as given, usually 1).
    spec
        ``{"target": T}``: the scale is the smallest integer ``s`` with
        ``sum(latency) / s <= T`` (Twill keeps the sum of latencies in the low
        hundreds); ``{"cycles_per_unit": s}``: that scale; a bare number is a
        target.

    Returns
    -------
    Instance
        Times divided by ``s`` and rounded to the nearest integer (a positive
        time stays at least 1); ``cycles_per_unit`` multiplied by ``s``;
        ``meta["normalization"]`` records the scale, the largest relative
        rounding error of a time of at least one unit, and how many shorter
        (non-zero) times were raised to one unit.
    """
    name = inst.name
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"target": spec}
    if not isinstance(spec, Mapping) or not ({"target", "cycles_per_unit"} & set(spec)):
        raise InputError(
            f'instance {name!r}: \'normalize\' must be {{"target": T}} or {{"cycles_per_unit": S}}'
        )
    total = sum(op.latency for op in inst.ops)
    if "cycles_per_unit" in spec:
        scale = _int(name, "normalize.cycles_per_unit", spec["cycles_per_unit"], minimum=1)
        target = None
    else:
        target = _int(name, "normalize.target", spec["target"], minimum=1)
        scale = max(1, math.ceil(total / target))
    worst = 0.0
    raised = 0

    def q(x: int) -> int:
        nonlocal worst, raised
        if x == 0:
            return 0
        y = max(1, math.floor(x / scale + 0.5))
        if x >= scale:
            worst = max(worst, abs(y * scale - x) / x)
        else:
            raised += 1
        return y

    ops = [
        replace(
            op,
            latency=q(op.latency),
            warp_cycles=q(op.warp_cycles),
            cross_warp_latency=None if op.cross_warp_latency is None else q(op.cross_warp_latency),
            reservation=tuple(
                replace(r, offset=q(r.offset), cycles=q(r.cycles)) for r in op.reservation
            ),
            cross_reservation=tuple(
                replace(r, offset=q(r.offset), cycles=q(r.cycles)) for r in op.cross_reservation
            ),
        )
        for op in inst.ops
    ]
    edges = [
        replace(
            e,
            latency=q(e.latency),
            cross_warp_latency=None if e.cross_warp_latency is None else q(e.cross_warp_latency),
        )
        for e in inst.edges
    ]
    machine = replace(inst.machine, cross_warp_latency=q(inst.machine.cross_warp_latency))
    record = {
        "scale": scale,
        "target": target,
        "sum_latency_cycles": total,
        "sum_latency_units": sum(op.latency for op in ops),
        "max_relative_rounding_error": round(worst, 4),
        "raised_to_one_unit": raised,
    }
    return Instance(
        name=name,
        machine=machine,
        ops=tuple(ops),
        edges=tuple(edges),
        cycles_per_unit=inst.cycles_per_unit * scale,
        horizon=None if inst.horizon is None else max(1, math.ceil(inst.horizon / scale)),
        max_ii=None if inst.max_ii is None else max(1, math.ceil(inst.max_ii / scale)),
        meta={**inst.meta, "normalization": record},
    )


# -- small validators ---------------------------------------------------------------------


def _no_unknown(name: str, where: str, data: Mapping[str, Any], known: set[str]) -> None:
    for key in data:
        if key not in known:
            raise InputError(
                f"instance {name!r}: {where}: unknown field {key!r} (known: {', '.join(sorted(known))})"
            )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


#: Largest capacity, register or memory count, count or distance of an instance: CP-SAT takes
#: 64-bit integers and sums them, and a unit capacity of 1e308 failed its Python-to-C++ cast
#: (a RuntimeError, exit 1) (s14bad).
MAX_INT = 2**31 - 1


def _num(name: str, where: str, value: Any) -> int:
    """A time: an integer (a float with no fraction is accepted); sign checked later."""
    if not _is_number(value):
        raise InputError(f"instance {name!r}: {where}: {value!r} is not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise InputError(
                f"instance {name!r}: {where}: {value!r} is not an integer (times are integers; "
                'use "normalize" to rescale cycle counts)'
            )
        value = int(value)
    return value


def _int(name: str, where: str, value: Any, *, minimum: int | None) -> int:
    value = _num(name, where, value)
    if minimum is not None and value < minimum:
        raise InputError(f"instance {name!r}: {where}: {value} is below {minimum}")
    if value > MAX_INT:  # times past it are refused later, with the objective's reason
        raise InputError(f"instance {name!r}: {where}: {value:.6g} is above 2**31 - 1")
    return value


#: Most warp groups a machine may have: an SM holds at most 64 resident warps (CUDA C++
#: Programming Guide, technical specifications per compute capability), and a group is at
#: least one warp. The CP-SAT model grows with the groups: thousands overran -t.
MAX_WARP_GROUPS = 64


def _warp_groups(name: str, value: Any) -> int:
    groups = _int(name, "machine.warp_groups", value, minimum=1)
    if groups > MAX_WARP_GROUPS:
        raise InputError(
            f"instance {name!r}: machine.warp_groups: {groups} is above {MAX_WARP_GROUPS} "
            "(an SM holds at most 64 resident warps)"
        )
    return groups


def _nonneg_int(where: str, key: str, value: int) -> None:
    if value < 0:
        raise InputError(f"{where}: {key} {value} is negative")


def _bool(name: str, where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"instance {name!r}: {where}: {value!r} is not true/false")
    return value
