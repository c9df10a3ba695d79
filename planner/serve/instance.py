"""The serving-plan problem (``ServingProblem``) and its solution (``ServingPlan``).

A problem is a model, a GPU inventory with prices (pools of a
:class:`~planner.perfmodel.hardware.ClusterSpec`), the traffic, the SLOs, the
numeric precision and constraints (fixed ``tp`` / ``pp`` / ``ep``,
disaggregation, batch cap). A plan is a list of replica groups: ``count``
replicas of one layout (pool, ``tp``, ``pp``, ``ep``) in one role
(``both``, ``prefill`` or ``decode``) with the prefill chunk size they run
and the share of the traffic routed to them (``load_qps``, requests/s over
the whole group; a prefill group's load is the traffic whose prompts it
serves, a decode group's the traffic it decodes).

Objective: with a rate (``traffic.qps``) the plan must serve it and the
objective is cost, USD per hour. Without a rate the question is maximum
throughput of the inventory; the objective is then the negative of the
output tokens per second served, so that smaller is better and the core's
bound / gap semantics apply unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from planner.core.errors import InputError, check_table, positive_int, text_field, warn_once
from planner.perfmodel.engines import (
    ENGINE_NAMES,
    Engine,
    default_engine,
    engine_refusal,
    parse_engine,
    stores_kv,
    version_note,
)
from planner.perfmodel.hardware import ClusterSpec, GpuSpec, Pool, parse_cluster
from planner.perfmodel.kernels import calibration_warning
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.offload_serving import OffloadPlan, load_offload_plan
from planner.perfmodel.precision import get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import Speculative
from planner.serve.capacity import KV_ADMISSION, PREFILL_CHUNK_TOKENS, ROLES
from planner.serve.slo import SLO
from planner.serve.targets import VERSIONS, gpu_refusal, target_engine
from planner.serve.targets import label as target_label
from planner.serve.traffic import Traffic

DISAGGREGATION = ("off", "allow", "force")


def _norm(name: str) -> str:
    return "".join(c for c in str(name).lower() if c.isalnum())


class EngineRunsNowhere(InputError):
    """The named engine runs on no GPU of the pools searched (:meth:`ServingProblem._check_engine`);
    a problem file's reader says how to mend its ``engine`` field (:meth:`ServingProblem.from_dict`).

    Parameters
    ----------
    message
        The one line for the ``--engine`` flag.
    refusal
        ``TensorRT-LLM runs on no GPU of the inventory searched: MI300X is not ...``.
    """

    def __init__(self, message: str, refusal: str) -> None:
        super().__init__(message)
        self.refusal = refusal


@dataclass(frozen=True)
class ServingConstraints:
    """Fixed decisions and limits.

    Attributes
    ----------
    tp, pp, ep
        Fixed parallel sizes of every replica (``None``: the planner chooses).
    gpu
        Only use this pool / GPU type (name or alias); ``None``: any.
    disaggregation
        ``off`` (every replica does prefill and decode), ``allow`` (the
        planner may add separate prefill and decode pools) or ``force``
        (only prefill + decode pools).
    max_batch
        Cap on the mean decode batch per engine (e.g. vLLM ``max_num_seqs``).
    chunk_tokens
        Fixed prefill chunk size of colocated replicas (``None``: the best of
        :data:`~planner.serve.capacity.CHUNK_OPTIONS`).
    max_tp
        Largest tensor-parallel size (default: the GPUs of one node).
    max_pp
        Largest pipeline size considered.
    max_replica_gpus
        Largest replica considered, in GPUs.
    kv_admission
        ``on-demand`` (KV blocks allocated as tokens are generated: vLLM,
        SGLang) or ``reserve`` (prompt + output reserved at admission:
        TensorRT-LLM's default scheduler).
    kv_block_tokens
        Paged KV-cache block size in tokens (vLLM's default 16; a sequence wastes
        half a block on average); a size the engines take, checked with the model and the
        engine by :class:`ServingProblem` (:func:`kv_block_refusal`).
    pd_pairs
        Prefill and decode servers pair one to one by workload and tp / pp / ep (vLLM
        0.8.5's PyNcclConnector links two servers rank to rank; ``--export vllm`` sets it,
        :func:`planner.serve.export.launchable`).
    target
        Export target (``vllm``, ``sglang`` or ``trtllm``; ``--export`` sets it): only layouts
        its stated version launches are searched (:func:`planner.serve.targets.layout_refusal`),
        and for vLLM prefill and decode servers pair (``pd_pairs`` is set); ``None``: any.
    """

    tp: int | None = None
    pp: int | None = None
    ep: int | None = None
    gpu: str | None = None
    disaggregation: str = "off"
    max_batch: int | None = None
    chunk_tokens: int | None = None
    max_tp: int | None = None
    max_pp: int = 16
    max_replica_gpus: int = 64
    kv_admission: str = "on-demand"
    kv_block_tokens: int = 16
    pd_pairs: bool = False
    target: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.pd_pairs, bool):
            raise InputError(f"constraints: pd_pairs must be true or false, got {self.pd_pairs!r}")
        if self.target is not None:
            if not isinstance(self.target, str) or self.target not in VERSIONS:
                raise InputError(
                    f"constraints: target must be one of {', '.join(VERSIONS)}, got {self.target!r}"
                )
            if self.target == "vllm" and self.disaggregation != "off":
                # vLLM 0.8.5's PyNcclConnector links one prefill with one decode server
                object.__setattr__(self, "pd_pairs", True)
        for key in (
            "kv_block_tokens",
            "tp",
            "pp",
            "ep",
            "max_batch",
            "chunk_tokens",
            "max_tp",
            "max_pp",
            "max_replica_gpus",
        ):
            object.__setattr__(self, key, positive_int(getattr(self, key), f"constraints: {key}"))
        if self.kv_admission not in KV_ADMISSION:
            raise InputError(
                f"constraints: kv_admission must be one of {', '.join(KV_ADMISSION)}, "
                f"got {self.kv_admission!r}"
            )
        if self.disaggregation not in DISAGGREGATION:
            raise InputError(
                f"constraints: disaggregation must be one of {', '.join(DISAGGREGATION)}, "
                f"got {self.disaggregation!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that differ from the defaults."""
        default = ServingConstraints()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "constraints"
    ) -> ServingConstraints:
        """Build from a mapping, rejecting unknown keys (``disaggregate = true`` means ``allow``)."""
        data = check_table(data, where, [*(f.name for f in fields(cls)), "disaggregate"])
        if "disaggregate" in data:
            flag = data.pop("disaggregate")
            if not isinstance(flag, bool):
                raise InputError(f"{where}: disaggregate must be true or false")
            data.setdefault("disaggregation", "allow" if flag else "off")
        return cls(**data)


#: vLLM 0.8.5's ``--block-size`` choices: ``BlockSize = Literal[1, 8, 16, 32, 64, 128]``
#: (``vllm/config.py``, ``CacheConfig.block_size``; "On CUDA devices, only block sizes up to 32
#: are supported", which ``--export vllm`` enforces: :data:`planner.serve.export.VLLM_BLOCK_SIZES`).
VLLM_BLOCK_CHOICES = (1, 8, 16, 32, 64, 128)
#: SGLang 0.4.6's ``--page-size`` is any int, but ``ServerArgs.__post_init__`` asserts
#: ``chunked_prefill_size % page_size == 0`` with ``chunked_prefill_size`` 8192 by default
#: (2048 on GPUs under 25 GB): a page divides 8192 (``sglang/srt/server_args.py``).
SGLANG_DEFAULT_CHUNK = 8192


def kv_block_refusal(block: int, engine: str | None, max_seq: int, model: str) -> str:
    """Why the paged KV-cache block ``block`` (tokens) cannot be planned, '' when it can.

    Every engine pages in powers of two: vLLM 0.8.5 takes :data:`VLLM_BLOCK_CHOICES`, SGLang
    0.4.6 a page dividing its prefill chunk (:data:`SGLANG_DEFAULT_CHUNK`; the planner's chunk
    choices are powers of two), TensorRT-LLM asserts "tokens_per_block must be power of 2"
    (its ``build.py`` examples). A block longer than the model's longest sequence holds one
    sequence, where the model's half-block waste per sequence
    (:func:`~planner.perfmodel.serving_features.paged_overhead_tokens`) does not hold.

    Parameters
    ----------
    block
        ``constraints.kv_block_tokens``.
    engine
        The named engine (``vllm``, ``sglang``, ``trtllm``); ``None``: each pool's vendor
        default, so any engine's rule (a power of two).
    max_seq, model
        The model's ``max_position_embeddings`` and name.
    """
    if block & (block - 1):
        return (
            "KV-cache blocks are powers of two (vLLM 0.8.5 --block-size takes "
            f"{', '.join(map(str, VLLM_BLOCK_CHOICES))}; SGLang 0.4.6's --page-size must divide "
            "its prefill chunk; TensorRT-LLM asserts tokens_per_block is a power of 2)"
        )
    if block > max_seq:
        return (
            f"longer than {model}'s longest sequence ({max_seq} tokens, "
            "max_position_embeddings): a block holds at most one sequence"
        )
    if engine == "vllm" and block not in VLLM_BLOCK_CHOICES:
        return f"vLLM 0.8.5 --block-size takes {', '.join(map(str, VLLM_BLOCK_CHOICES))} tokens"
    if engine == "sglang" and SGLANG_DEFAULT_CHUNK % block:
        return (
            f"SGLang 0.4.6 asserts its prefill chunk ({SGLANG_DEFAULT_CHUNK} by default) is a "
            "multiple of --page-size"
        )
    return ""


def served_capacity(roles_and_capacities: Iterable[tuple[str, float]]) -> tuple[float, ...]:
    """(colocated, prefill, decode, served) request capacity of replicas given as
    ``(role, capacity)`` pairs: prefill and decode pools serve the smaller of their two flows."""
    both = pre = dec = 0.0
    for role, cap in roles_and_capacities:
        if role == "both":
            both += cap
        elif role == "prefill":
            pre += cap
        else:
            dec += cap
    return both, pre, dec, both + min(pre, dec)


@dataclass(frozen=True)
class ReplicaGroup:
    """``count`` identical replicas in one role.

    Attributes
    ----------
    gpu
        Pool label (the GPU name for ``--gpus H100:16``).
    tp, pp, ep
        Parallel sizes; a replica uses ``tp * pp * ep`` GPUs.
    count
        Number of replicas.
    role
        ``both``, ``prefill`` or ``decode``.
    chunk_tokens
        Prefill chunk (``both``) / prefill batch budget (``prefill``) in tokens
        (0 for ``decode``).
    load_qps
        Requests per second routed to the whole group.
    speculative
        The group runs the problem's speculative decoding (decode roles only).
    workload
        The workload the group serves ('' for a problem with one workload).
    """

    gpu: str
    tp: int
    pp: int
    ep: int
    count: int
    role: str
    chunk_tokens: int = 0
    load_qps: float = 0.0
    speculative: bool = False
    workload: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.gpu, str):
            raise InputError(f"replica: gpu must be a pool label, got {self.gpu!r}")
        if not isinstance(self.workload, str):
            raise InputError(f"replica: workload must be a name, got {self.workload!r}")
        if not isinstance(self.speculative, bool):
            raise InputError(
                f"replica: speculative must be true or false, got {self.speculative!r}"
            )
        for key in ("tp", "pp", "ep", "count"):  # None passed, then verify raised TypeError
            object.__setattr__(
                self, key, positive_int(getattr(self, key), f"replica: {key}", allow_none=False)
            )
        if self.role not in ROLES:
            raise InputError(f"replica: role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if isinstance(self.chunk_tokens, bool) or not isinstance(self.chunk_tokens, int):
            raise InputError(f"replica: chunk_tokens must be an integer, got {self.chunk_tokens!r}")
        if self.chunk_tokens < 0 or (self.role != "decode" and self.chunk_tokens < 1):
            raise InputError(
                f"replica: chunk_tokens must be positive for role {self.role}, "
                f"got {self.chunk_tokens!r}"
            )
        if not isinstance(self.load_qps, (int, float)) or isinstance(self.load_qps, bool):
            raise InputError(f"replica: load_qps must be a number, got {self.load_qps!r}")
        if not math.isfinite(self.load_qps) or self.load_qps < 0:
            raise InputError(f"replica: load_qps must be finite and >= 0, got {self.load_qps!r}")

    @property
    def gpus_per_replica(self) -> int:
        """GPUs of one replica."""
        return self.tp * self.pp * self.ep

    @property
    def gpus(self) -> int:
        """GPUs of the group."""
        return self.count * self.gpus_per_replica

    def label(self) -> str:
        """``4 x H100-SXM tp8 (both)``."""
        par = f"tp{self.tp}" + (f" pp{self.pp}" if self.pp > 1 else "")
        par += f" ep{self.ep}" if self.ep > 1 else ""
        par += " +spec" if self.speculative else ""
        who = f", {self.workload}" if self.workload else ""
        return f"{self.count} x {self.gpu} {par} ({self.role}{who})"

    def to_dict(self) -> dict[str, Any]:
        """The ``replicas[]`` entries of ``--json``."""
        return {
            "gpu": self.gpu,
            "tp": self.tp,
            "pp": self.pp,
            "ep": self.ep,
            "count": self.count,
            "role": self.role,
            "chunk_tokens": self.chunk_tokens,
            "load_qps": self.load_qps,
            "speculative": self.speculative,
            **({"workload": self.workload} if self.workload else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "replica") -> ReplicaGroup:
        """Inverse of :meth:`to_dict` (``pp``, ``ep`` default to 1, ``role`` to ``both``)."""
        data = check_table(
            data,
            where,
            [f.name for f in fields(cls)],
            required=("gpu", "tp", "count"),
            kind="an object",
        )
        d = {"pp": 1, "ep": 1, "role": "both", **data}
        if "chunk_tokens" not in d:
            d["chunk_tokens"] = {"decode": 0, "prefill": PREFILL_CHUNK_TOKENS}.get(d["role"], 2048)
        try:
            return cls(**d)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class ServingPlan:
    """Replica groups serving the traffic (the family's ``Solution``).

    Attributes
    ----------
    replicas
        The groups, in a stable order.
    """

    replicas: tuple[ReplicaGroup, ...] = ()

    @property
    def gpus(self) -> int:
        """GPUs used."""
        return sum(g.gpus for g in self.replicas)

    def gpus_by_pool(self) -> dict[str, int]:
        """GPUs used per pool label."""
        out: dict[str, int] = {}
        for g in self.replicas:
            out[g.gpu] = out.get(g.gpu, 0) + g.gpus
        return out

    def served_qps(self) -> float:
        """Requests per second the plan claims to serve end to end."""
        both = sum(g.load_qps for g in self.replicas if g.role == "both")
        decode = sum(g.load_qps for g in self.replicas if g.role == "decode")
        return both + decode

    def for_workload(self, name: str) -> ServingPlan:
        """The groups serving workload ``name``."""
        return ServingPlan(tuple(g for g in self.replicas if g.workload == name))

    @property
    def disaggregated(self) -> bool:
        """True when some replicas are prefill-only or decode-only."""
        return any(g.role != "both" for g in self.replicas)

    def to_dict(self) -> dict[str, Any]:
        """``{"replicas": [...]}``."""
        return {"replicas": [g.to_dict() for g in self.replicas]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServingPlan:
        """Inverse of :meth:`to_dict` (also accepts a bare list of groups)."""
        raw = data.get("replicas") if isinstance(data, Mapping) else data
        if not isinstance(raw, list):
            raise InputError("plan: expected {'replicas': [...]}")
        return cls(
            tuple(
                ReplicaGroup.from_dict(r, where=f"plan: replicas[{i}]") for i, r in enumerate(raw)
            )
        )


@dataclass(frozen=True)
class Workload:
    """One stream of requests sharing a fleet with others.

    Attributes
    ----------
    name
        Short name (labels the replica groups that serve it).
    traffic
        Its rate (required), length distributions, arrivals and prefix-cache hit rate.
    slo
        Its latency targets.
    """

    name: str
    traffic: Traffic
    slo: SLO = field(default_factory=SLO)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"workload: name must be a non-empty string, got {self.name!r}")
        if self.traffic.qps is None:
            raise InputError(
                f"workload {self.name}: traffic.qps is required when workloads share a fleet"
            )

    def to_dict(self) -> dict[str, Any]:
        """``{name, traffic, slo}``."""
        return {"name": self.name, "traffic": self.traffic.to_dict(), "slo": self.slo.to_dict()}

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        where: str = "workload",
        base: Path | None = None,
        default_slo: SLO | None = None,
        allow_slow: bool = False,
    ) -> Workload:
        """``{name, traffic = {...}, slo = {...}}`` (``slo`` defaults to ``default_slo``;
        ``allow_slow`` is its ``allow_slow`` unless the table says)."""
        check_table(data, where, ("name", "traffic", "slo"), required=("name", "traffic"))
        traffic = Traffic.from_dict(data["traffic"], where=f"{where}: traffic", base=base)
        if "slo" in data:
            slo = SLO.from_dict(data["slo"] or {}, where=f"{where}: slo", allow_slow=allow_slow)
        else:
            slo = default_slo or SLO()
        name = text_field(data, "name", "", where)  # name = 5 was planned as "5"
        try:
            return cls(name, traffic, slo)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None


def check_workloads(workloads: Iterable[Workload], where: str) -> tuple[Workload, ...]:
    """The workloads as a tuple; names must be unique."""
    out = tuple(workloads)
    seen: set[str] = set()
    for i, w in enumerate(out):
        if not isinstance(w, Workload):
            raise InputError(f"{where}: workloads[{i}] is not a Workload")
        if w.name in seen:
            raise InputError(f"{where}: workloads[{i}]: duplicate name {w.name!r}")
        seen.add(w.name)
    return out


@dataclass(frozen=True)
class ServingProblem:
    """Where to serve a model and on what (the serving ``Instance`` of the ``parallel`` family).

    Attributes
    ----------
    name
        Instance name.
    model
        The architecture.
    inventory
        Available GPUs by pool (counts are upper limits), with prices.
    traffic
        Arrival rate and length distributions.
    slo
        Latency targets.
    precision
        Weights / activations precision.
    kv_precision
        KV-cache precision (``None``: same as ``precision``).
    constraints
        Fixed decisions and limits.
    meta
        Extra data (published numbers, notes).
    speculative
        Speculative decoding the planner may use (it decides per layout whether it pays).
    workloads
        Several workloads sharing the inventory (empty: one workload, ``traffic`` and
        ``slo``). When given, ``traffic`` and ``slo`` are the first workload's and the
        plan serves each workload with its own replica groups (:meth:`parts`).
    engine
        The serving engine the step times assume (:mod:`planner.perfmodel.engines`: host
        overhead per iteration, CUDA graphs, multi-step scheduling) on every pool; ``None``
        with an export target (``constraints.target``): that target at the version its
        commands are written for (:func:`~planner.serve.targets.target_engine`); ``None``
        otherwise (the default): each pool's vendor's engine, TensorRT-LLM on NVIDIA GPUs and vLLM on
        AMD GPUs (:func:`~planner.perfmodel.engines.default_engine`; read it per pool with
        :meth:`engine_on`). A named engine that cannot run on a pool's GPU (TensorRT-LLM on
        AMD, :func:`~planner.perfmodel.engines.engine_refusal`) leaves that pool out of the
        search, with a warning naming it; when it runs on none of the pools searched, the
        problem is bad input (:class:`InputError` naming the GPU and the engine).
    offload
        An expert-offload plan (``planner solve offload``'s ``stats.plan``, read as data):
        replicas hold its resident experts, the rest run on the host CPU or are copied in
        (:mod:`planner.perfmodel.offload_serving`); ``None``: every expert on the GPUs.
    engine_source
        How messages name where ``engine`` came from (:attr:`engine_label`): ``--engine``
        (the default), ``--export`` (an export target's engine), or a problem file's field
        (``from_dict``), so an engine the user did not type is not called ``--engine``.
    """

    name: str
    model: ModelSpec
    inventory: ClusterSpec
    traffic: Traffic
    slo: SLO = field(default_factory=SLO)
    precision: str = "bf16"
    kv_precision: str | None = None
    constraints: ServingConstraints = field(default_factory=ServingConstraints)
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    speculative: Speculative | None = None
    workloads: tuple[Workload, ...] = ()
    engine: Engine | None = None
    offload: OffloadPlan | None = None
    #: How messages name where :attr:`engine` came from (:attr:`engine_label`).
    engine_source: str = field(default="--engine", compare=False, repr=False)

    def __post_init__(self) -> None:
        named = self.engine is not None and self.engine != ""
        if not named and self.constraints.target is not None:
            # the plan is launched with the export target at the version its commands are
            # written for, so it is timed with that engine: the vendor's default engine
            # (TensorRT-LLM on NVIDIA) sized a --export vllm fleet that misses the SLOs on
            # vLLM's step times (s20user)
            object.__setattr__(self, "engine", target_engine(self.constraints.target))
            object.__setattr__(self, "engine_source", "--export")  # not an --engine given
            named = True
        object.__setattr__(self, "engine", parse_engine(self.engine) if named else None)
        if self.engine is not None and version_note(self.engine):
            # vllm:9.9 was accepted silently; it is timed as the current release
            self._warn(version_note(self.engine))
        if self.offload is not None:
            if not self.model.is_moe:
                raise InputError(
                    f"{self.offload.source}: an offload plan needs a MoE model, "
                    f"{self.model.name} is dense"
                )
            self.offload.check_model(self.model)
        object.__setattr__(self, "workloads", check_workloads(self.workloads, self.name))
        if self.workloads:
            first = self.workloads[0]
            object.__setattr__(self, "traffic", first.traffic)
            object.__setattr__(self, "slo", first.slo)
        object.__setattr__(self, "precision", get_precision(self.precision).name)
        if self.kv_precision is not None and not get_precision(self.kv_precision).kv_cache:
            raise InputError(
                f"{self.name}: kv_precision {self.kv_precision} cannot hold a KV cache"
            )
        if self.kv_precision is not None:
            object.__setattr__(self, "kv_precision", get_precision(self.kv_precision).name)
        if not any(p.gpu.supports(self.precision) for p in self.inventory.pools):
            names = "; ".join(
                f"{p.gpu.name}: {', '.join(k for k, _ in p.gpu.tflops)}"
                for p in self.inventory.pools
            )
            raise InputError(
                f"{self.name}: precision {self.precision} (--precision) is supported by no GPU "
                f"of the inventory ({names})"
            )
        if self.constraints.gpu is not None:
            self.pool(self.constraints.gpu)  # validates the name
        self._check_engine()
        self._check_kv_precision()
        self._check_kv_block()
        self._check_spec_tokens()
        spec = self.speculative
        if spec is not None and spec.method == "mtp" and not self.model.mtp_layers:
            raise InputError(
                f"{self.name}: speculative method 'mtp' needs the model's own MTP layers "
                f"(num_nextn_predict_layers, as in DeepSeek-V3); {self.model.name} has none: "
                "use eagle or draft"
            )
        budget, chunk = self.token_budget, self.constraints.chunk_tokens
        if budget and chunk and chunk > budget:
            raise InputError(
                f"{self.name}: chunk_tokens {chunk} exceeds the engine's tokens={budget} "
                "(prompt tokens per iteration)"
            )
        if self.traffic.max_context > self.model.max_seq:
            self._warn(
                f"longest request ({self.traffic.max_context:.0f} tokens) exceeds the model's "
                f"max_position_embeddings {self.model.max_seq}"
            )
        for note in self.model.approximations:  # what the reader read but nothing prices
            self._warn(f"{self.model.name}: {note}")
        for pool in self.inventory.pools:
            if self.engine_refusal(pool.gpu):  # left out of the search (_check_engine)
                continue
            # a GPU of an architecture without a fitted efficiency is priced by a rule
            uncalibrated = calibration_warning(pool.gpu, serving=True)
            if uncalibrated:
                self._warn(uncalibrated)
        if self.objective == "cost":
            self.warn_unpriced()

    def _check_engine(self) -> None:
        """The rule of a named engine's GPUs (:func:`engine_refusal`): a pool it cannot run on
        is left out of the search with a warning naming it, and a problem none of whose
        searched pools it runs on is bad input (:class:`InputError` naming the GPU and the
        engine). Without a named engine every pool runs its vendor's (:meth:`engine_on`)."""
        if self.engine is None:
            return
        label = self.engine_label
        refused = {p.label: engine_refusal(self.engine.name, p.gpu) for p in self.searched_pools}
        if all(refused.values()):
            # every pool's reason: MI325X + MI355X named only MI325X (s31user)
            reasons = "; ".join(dict.fromkeys(refused.values()))
            refusal = (
                f"{ENGINE_NAMES[self.engine.name]} runs on no GPU of the inventory searched: "
                f"{reasons}"
            )
            advice = (
                "export to an engine it runs (--export vllm|sglang)"
                if self.engine_source == "--export"
                else "name an engine it runs (--engine vllm|sglang) or drop --engine (each "
                "vendor's GPUs then run its default engine)"
            )
            raise EngineRunsNowhere(f"{self.name}: {label}: {refusal}; {advice}", refusal)
        for pool, why in refused.items():
            if why:
                self._warn(f"{label}: pool {pool} left out of the search: {why}")

    def _check_kv_block(self) -> None:
        """``constraints.kv_block_tokens`` must be a block size the engines take
        (:func:`kv_block_refusal`); the message starts ``constraints: kv_block_tokens N:`` so
        :func:`planner.serve.api.make_problem` can name its flag."""
        block = self.constraints.kv_block_tokens
        named = None if self.engine is None else self.engine.name
        why = kv_block_refusal(block, named, self.model.max_seq, self.model.name)
        if why:
            raise InputError(f"constraints: kv_block_tokens {block}: {why}")

    def _check_spec_tokens(self) -> None:
        """A draft longer than the longest output can never be accepted in full: refused.

        The model counts a request's verification steps with the last step's surplus dropped
        (:func:`~planner.perfmodel.serving_features.steps_for_tokens`), so draft positions
        past a request's end add nothing but their cost (``k`` draft passes and ``k + 1``
        verified tokens per sequence and step); no engine documents an upper bound (vLLM
        0.8.5 ``num_speculative_tokens > 0``, SGLang 0.4.6 ``--speculative-num-steps`` an
        int, TensorRT-LLM ``max_draft_len`` an int), so the bound is the model's."""
        spec = self.speculative
        if spec is None:
            return
        outputs = [w.traffic.output for w in self.workloads] or [self.traffic.output]
        # whole tokens: the sampled classes of uniform:100-400 reach 399.99
        longest = math.ceil(float(max(o.max for o in outputs)) - 1e-9)
        if spec.tokens > longest:
            raise InputError(
                f"speculative: tokens {spec.tokens}: a draft longer than the longest output "
                f"({longest} tokens) can never be accepted in full (its extra positions only "
                f"cost draft and verify work); give at most {longest}"
            )

    @property
    def engine_label(self) -> str:
        """The named engine as the user gave it: ``--engine nim`` (as typed, not the trtllm it
        times), ``--export trtllm`` (an export target's engine), or a problem file's field."""
        if self.engine is None:
            return ""
        if self.engine_source == "--export" and self.constraints.target is not None:
            return f"--export {self.constraints.target}"
        return f"{self.engine_source} {self.engine.given_name}"

    @property
    def searched_pools(self) -> tuple[Pool, ...]:
        """The pools the search may use: the one ``constraints.gpu`` names, else every pool."""
        if self.constraints.gpu is not None:
            return (self.pool(self.constraints.gpu),)
        return tuple(self.inventory.pools)

    def engine_on(self, gpu: GpuSpec) -> Engine:
        """The engine that times replicas on ``gpu``: the named one (:attr:`engine`), else
        the GPU vendor's default (:func:`~planner.perfmodel.engines.default_engine`)."""
        return self.engine if self.engine is not None else default_engine(gpu.architecture)

    def engine_refusal(self, gpu: GpuSpec) -> str:
        """Why the named engine cannot run on ``gpu`` ('' when it can, and always without a
        named engine: each vendor's default runs on its GPUs)."""
        return "" if self.engine is None else engine_refusal(self.engine.name, gpu)

    def engines_by_pool(self) -> dict[str, Engine]:
        """The engine of each pool the search may use (pool label -> engine), the pools the
        named engine cannot run on left out."""
        return {
            p.label: self.engine_on(p.gpu)
            for p in self.searched_pools
            if not self.engine_refusal(p.gpu)
        }

    @property
    def token_budget(self) -> int:
        """The named engine's prompt tokens per iteration (``tokens=N``, vLLM's
        ``--max-num-batched-tokens``); 0 when none is set (the vendors' defaults set none)."""
        return self.engine.batched_tokens if self.engine is not None else 0

    def _check_kv_precision(self) -> None:
        """The rule of ``precision`` for the KV cache, under the timing engine and the export
        target: a precision no GPU of the inventory keeps is bad input (:class:`InputError`
        naming the flag and the GPUs); one some GPUs keep excludes the others' layouts, with
        the reason (:func:`planner.serve.candidates.layouts`)."""
        kv = self.kv_precision_name
        gpus = ", ".join(dict.fromkeys(p.gpu.name for p in self.inventory.pools))
        engines = ", ".join(dict.fromkeys(e.name for e in self.engines_by_pool().values()))
        kept = [
            stores_kv(self.engine_on(p.gpu).name, p.gpu, kv)
            for p in self.inventory.pools
            if not self.engine_refusal(p.gpu)
        ]
        if not any(kept):
            raise InputError(
                f"{self.name}: kv_precision {kv} (--kv-precision) is kept by no GPU of the "
                f"inventory ({gpus}) under {engines}"
                + (
                    ": TensorRT-LLM keeps an fp8 KV cache on FP8 GPUs only; vLLM and SGLang "
                    "store it on any GPU (--engine vllm|sglang)"
                    if kv == "fp8"
                    else ""
                )
            )
        target = self.constraints.target
        if target is None:
            return
        why = [gpu_refusal(target, p.gpu, self.precision, kv) for p in self.inventory.pools]
        if all(why):
            raise InputError(
                f"{self.name}: --export {target}: {target_label(target)} runs on no GPU of "
                f"the inventory at precision {self.precision}, kv_precision {kv}: {why[0]}"
            )

    def warn_unpriced(self) -> None:
        """Warn when a pool has no price: a plan that minimizes cost counts its GPUs as free.

        The hardware catalog has no price for H20, MI300X, ... (0): the cheapest plan was
        "$0.00/h, OPTIMAL" with any number of them, silently (the day planner calls this too:
        its problem has no rate, but its MIP minimizes cost).
        """
        free = [
            p.label
            for p in self.inventory.pools
            if p.gpu.price_per_gpu_hour <= 0 and not self.engine_refusal(p.gpu)
        ]
        if free:
            self._warn(
                f"no price for {', '.join(free)} ($0 per GPU-hour): the cheapest plan counts "
                "those GPUs as free and may use more of them than it needs; price them with "
                "--pricing on-demand (models/prices/gpu-hour.toml) or --prices FILE.toml, or "
                "price_per_gpu_hour in a GPU TOML"
            )

    def _warn(self, text: str) -> None:
        """Record a warning once (:func:`~planner.core.errors.warn_once`)."""
        warn_once(self.meta, text)

    @property
    def shared(self) -> bool:
        """True when several named workloads share the inventory."""
        return bool(self.workloads)

    def parts(self) -> list[tuple[str, ServingProblem]]:
        """``(workload name, single-workload problem)`` pairs over the full inventory
        (``[("", self)]`` for a problem with one workload)."""
        if not self.workloads:
            return [("", self)]
        return [
            (
                w.name,
                ServingProblem(
                    name=f"{self.name}/{w.name}",
                    model=self.model,
                    inventory=self.inventory,
                    traffic=w.traffic,
                    slo=w.slo,
                    precision=self.precision,
                    kv_precision=self.kv_precision,
                    constraints=self.constraints,
                    meta={},
                    speculative=self.speculative,
                    engine=self.engine,
                    offload=self.offload,
                ),
            )
            for w in self.workloads
        ]

    @property
    def objective(self) -> str:
        """``cost`` (a rate is given) or ``throughput`` (offline / max capacity)."""
        return "cost" if self.traffic.qps is not None else "throughput"

    @property
    def online(self) -> bool:
        """Latency matters: a rate or an SLO is given (percentile KV headroom applies)."""
        return self.traffic.qps is not None or self.slo.any

    @property
    def kv_precision_name(self) -> str:
        """The KV-cache precision actually used (bf16 under weight-only int4)."""
        if self.kv_precision:
            return self.kv_precision
        return self.precision if get_precision(self.precision).kv_cache else "bf16"

    def pool(self, label: str) -> Pool:
        """The pool with this label, GPU name or alias."""
        found = find_pool(self.inventory, label)
        if found is not None:
            return found
        raise InputError(
            f"{self.name}: no pool {label!r} in the inventory "
            f"({', '.join(p.label for p in self.inventory.pools)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data, readable back by :meth:`from_dict` (the trace is inlined as histograms;
        with several workloads their traffic replaces ``traffic``)."""
        out = {
            "name": self.name,
            "model": self.model.to_dict(),
            "inventory": self.inventory.to_dict(),
            "traffic": self.traffic.to_dict(),
            "slo": self.slo.to_dict(),
            "precision": self.precision,
            "kv_precision": self.kv_precision,
            "constraints": self.constraints.to_dict(),
            "meta": {k: v for k, v in self.meta.items() if k != "warnings"},
            "speculative": None if self.speculative is None else asdict(self.speculative),
            "engine": None if self.engine is None else self.engine.to_dict(),
            **({"offload": self.offload.to_dict()} if self.offload is not None else {}),
            **({"workloads": [w.to_dict() for w in self.workloads]} if self.workloads else {}),
        }
        if self.workloads:
            del out["traffic"]
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "problem", base: Path | None = None
    ) -> ServingProblem:
        """Build from the JSON / TOML layout (see :mod:`planner.serve.readers`)."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected an object")
        known = {
            "name",
            "model",
            "inventory",
            "gpus",
            "cluster",
            "traffic",
            "slo",
            "precision",
            "kv_precision",
            "constraints",
            "meta",
            "speculative",
            "workloads",
            "engine",
            "pricing",
            "prices",
            "offload",
        }
        check_table(data, where, known, required=("model",))
        model = load_model(data["model"])
        inv = data.get("inventory", data.get("gpus", data.get("cluster")))
        if inv is None:
            raise InputError(f"{where}: missing field 'inventory' (or 'gpus')")
        if isinstance(inv, str) and base is not None and inv.lower().endswith(".toml"):
            path = Path(inv)
            inv = str(path if path.is_absolute() else base / path)
        inventory = parse_cluster(inv)
        meta = dict(data.get("meta", {}) or {})
        if data.get("pricing") is not None or data.get("prices") is not None:
            from planner.perfmodel.prices import TIERS, apply_pricing, load_prices, pricing_json

            prices = data.get("prices")
            if prices is not None:
                path = Path(str(prices))
                prices = path if path.is_absolute() or base is None else base / path
            table = load_prices(prices)
            tier = data.get("pricing")
            tier = "on-demand" if tier is None else tier
            if tier not in TIERS:  # was told "--pricing must be ...", a flag not given
                raise InputError(
                    f"{where}: field 'pricing' must be one of {', '.join(TIERS)}, got {tier!r}"
                )
            inventory = apply_pricing(inventory, tier, table, where=f"{where}: prices")
            meta["pricing"] = {**pricing_json(inventory, tier, table), "file": str(prices or "")}
        slo_table = data.get("slo", {}) or {}
        slo = SLO.from_dict(slo_table, where=f"{where}: slo")
        workloads = workloads_from_list(
            data.get("workloads"),
            where=where,
            base=base,
            slo=slo,
            allow_slow=slo_table.get("allow_slow", False) is True,
        )
        if workloads:
            if "traffic" in data:
                raise InputError(f"{where}: give either 'traffic' or 'workloads', not both")
            traffic = workloads[0].traffic
        elif "traffic" not in data:
            raise InputError(f"{where}: missing table 'traffic' (or 'workloads')")
        else:
            traffic = Traffic.from_dict(data["traffic"], where=f"{where}: traffic", base=base)
        constraints = ServingConstraints.from_dict(
            data.get("constraints", {}) or {}, where=f"{where}: constraints"
        )
        name = text_field(data, "name", "serving", where, nonempty=True)  # 5 was planned as "5"
        try:
            return cls(
                name=name,
                model=model,
                inventory=inventory,
                traffic=traffic,
                slo=slo,
                precision=str(data.get("precision", "bf16")),
                kv_precision=None
                if data.get("kv_precision") is None
                else str(data["kv_precision"]),
                constraints=constraints,
                meta=meta,
                speculative=speculative_from_dict(
                    data.get("speculative"), where=f"{where}: speculative"
                ),
                workloads=workloads,
                engine=data.get("engine"),
                engine_source=f"{where}: field 'engine' =",
                offload=offload_from_data(
                    data.get("offload"), where=f"{where}: offload", base=base
                ),
            )
        except EngineRunsNowhere as exc:
            # Files written by to_dict before each vendor's GPUs got its own engine recorded
            # engine trtllm for every problem, named or not, and carry no version field to tell
            # them from a named trtllm: say how to mend the file.
            named = parse_engine(data["engine"]).given_name
            old = (
                " (problem files saved before engines followed the GPU vendor recorded engine "
                "trtllm for every problem)"
                if named == "trtllm"
                else ""
            )
            raise InputError(
                f"{where}: field 'engine' = {named}: {exc.refusal}; drop the field (each "
                f'vendor\'s GPUs then run its default engine) or set engine = "vllm"{old}'
            ) from None


def offload_from_data(
    data: Any, *, where: str = "offload", base: Path | None = None
) -> OffloadPlan | None:
    """The ``offload`` field of a problem file: a plan file's path (relative to ``base``), the
    plan object inline, or ``{plan = PATH | {...}, cpu = NAME}`` (``None``: no offloading)."""
    if data is None:
        return None
    cpu = None
    if isinstance(data, Mapping) and "plan" in data:
        data = check_table(data, where, ("plan", "cpu"), required=("plan",))
        cpu, data = data.get("cpu"), data["plan"]
    kw = {} if cpu is None else {"cpu": str(cpu)}
    if isinstance(data, str | Path):
        path = Path(data)
        if base is not None and not path.is_absolute():
            path = base / path
        return load_offload_plan(str(path), **kw)
    return OffloadPlan.from_dict(data, source=where, **kw)


def workloads_from_list(
    data: Any,
    *,
    where: str,
    base: Path | None = None,
    slo: SLO | None = None,
    allow_slow: bool = False,
) -> tuple[Workload, ...]:
    """The ``workloads`` array of a problem file (``None``: no workloads)."""
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        raise InputError(f"{where}: workloads must be a non-empty list of tables")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, Mapping):
            raise InputError(f"{where}: workloads[{i}] must be a table")
        out.append(
            Workload.from_dict(
                item,
                where=f"{where}: workloads[{i}]",
                base=base,
                default_slo=slo,
                allow_slow=allow_slow,
            )
        )
    return check_workloads(out, where)


def find_pool(inventory: ClusterSpec, label: str) -> Pool | None:
    """The pool of ``inventory`` with this label, GPU name or alias (``None``: none has)."""
    key = _norm(label)
    for p in inventory.pools:
        if key in (_norm(p.label), _norm(p.gpu.name)) or any(
            key == _norm(a) for a in p.gpu.aliases
        ):
            return p
    return None


def speculative_from_dict(data: Any, *, where: str = "speculative") -> Speculative | None:
    """``{method, tokens, acceptance, draft_model}`` (or ``None``) as :class:`Speculative`."""
    if data is None:
        return None
    data = check_table(data, where, [f.name for f in fields(Speculative)])
    try:
        return Speculative(**data)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
