"""The training-plan problem (``TrainingProblem``) and its solution (``TrainingPlan``).

A problem is a model, a cluster, a workload (global batch, sequence length,
precision) and constraints: any decision fixed by the user (``tp=8``), a GPU
budget, the objective, and software settings (gradient-reduce overlap). A
plan fixes every decision: tensor ``tp``, pipeline ``pp``, data ``dp``,
context ``cp`` and expert ``ep`` parallel sizes, microbatch size,
interleaving ``v``, recompute mode, ZeRO stage, sequence parallelism, and the
assignment of layers (and GPU pools) to pipeline stages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from planner.core import validate
from planner.core.errors import InputError, check_table, positive_int, text_field, warn_once
from planner.perfmodel.hardware import ClusterSpec, GpuSpec, parse_cluster
from planner.perfmodel.kernels import calibration_warning
from planner.perfmodel.memory import training_capacity
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.options import Software
from planner.perfmodel.precision import get_precision
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import Layout

RECOMPUTE = ("none", "selective", "full", "offload")
#: Largest global batch (sequences per step) and sequence length accepted; beyond them the
#: input is taken for a mistake (2^31 sequences, 2^24 tokens).
MAX_GLOBAL_BATCH = 2**31
MAX_SEQ_LEN = 2**24
OBJECTIVES = ("time", "cost")
#: Constraints that are positive integers when set.
_POSITIVE = (
    "tp",
    "pp",
    "dp",
    "cp",
    "ep",
    "expert_tp",
    "microbatch",
    "interleave",
    "max_gpus",
    "max_tp",
)


def _price_hint(gpu: GpuSpec) -> str:
    """Where a price for an unpriced ``gpu`` can come from: the price table (``--pricing``) when
    it has the GPU, else a GPU or cluster TOML ("none is recorded in the catalog: set
    price_per_gpu_hour in a cluster TOML" for an H20, which the table prices, and for a GPU
    TOML of the user's own; s31user)."""
    from planner.perfmodel.hardware import gpu_catalog
    from planner.perfmodel.prices import default_prices_path, load_prices

    try:
        table = load_prices()
    except InputError:  # a damaged shipped table: only the TOML hint
        table = {}
    own = gpu.name not in {g.name for g in gpu_catalog().values()}
    text = " (its GPU table has no price_per_gpu_hour)" if own else " (the catalog has none)"
    text += ": set price_per_gpu_hour in a cluster or GPU TOML"
    if gpu.name in table:
        text += (
            f", or {validate.arg('pricing')} on-demand|reserved|spot "
            f"({default_prices_path().name} prices {gpu.name})"
        )
    return text


@dataclass(frozen=True)
class Workload:
    """What one training step processes.

    Attributes
    ----------
    global_batch
        Sequences per optimizer step.
    seq_len
        Tokens per sequence.
    precision
        GEMM precision (``bf16``, ``fp8``, ``fp4``); optimizer states stay fp32.
    """

    global_batch: int
    seq_len: int
    precision: str = "bf16"

    def __post_init__(self) -> None:
        for key in ("global_batch", "seq_len"):  # numpy integers stored as int
            object.__setattr__(
                self, key, positive_int(getattr(self, key), f"workload: {key}", allow_none=False)
            )
        if self.global_batch > MAX_GLOBAL_BATCH:
            raise InputError(
                f"workload: global_batch {self.global_batch} exceeds {MAX_GLOBAL_BATCH} (2^31) "
                "sequences per step"
            )
        if self.seq_len > MAX_SEQ_LEN:
            raise InputError(
                f"workload: seq_len {self.seq_len} exceeds {MAX_SEQ_LEN} (2^24) tokens"
            )
        object.__setattr__(self, "precision", get_precision(self.precision).name)

    @property
    def tokens(self) -> int:
        """Tokens per step."""
        return self.global_batch * self.seq_len


@dataclass(frozen=True)
class Constraints:
    """Fixed decisions, limits and the objective.

    Attributes
    ----------
    tp, pp, dp, cp, ep, microbatch, interleave
        Fixed sizes (``None``: the planner chooses).
    recompute
        ``none`` / ``selective`` / ``full`` / ``offload`` (activations to host memory)
        or ``None``.
    recompute_layers
        Fixed layers fully recomputed per stage with ``recompute="full"`` (0 = all of
        them, Megatron's uniform method), or ``None``.
    partial_recompute
        Also search full recompute of some layers per stage (``--partial-recompute``;
        off by default: it about doubles the search on large models).
    shard_group
        Fixed ZeRO / FSDP sharding group (hybrid sharding, ``0`` = all ``dp * cp``
        ranks), or ``None``.
    hsdp
        Also search hybrid sharding groups (``--hsdp``; off by default).
    expert_tp
        Fixed tensor-parallel size of the routed experts (a divisor of ``tp``; equal to
        ``tp`` for Megatron's default), or ``None``.
    search_expert_tp
        Also search expert tensor-parallel sizes below ``tp`` (MoE parallel folding,
        ``--expert-tp``; off by default: it about doubles the DeepSeek-V3 search).
        Heterogeneous pools keep expert TP = TP (a fixed smaller one: single-pool plans).
    zero
        ZeRO stage 0-3 or ``None``.
    sequence_parallel
        Fixed on/off or ``None``.
    stage_layers
        Fixed layers per pipeline stage (needs ``pp``), or ``None``.
    max_gpus
        GPU budget (at most this many of the cluster's GPUs are used).
    use_all_gpus
        Require plans to use every GPU of the budget.
    max_tp
        Largest tensor-parallel size considered (default: no limit; TP beyond a
        node runs over the NIC and is priced that way).
    objective
        ``time`` (step time) or ``cost`` (USD per step for the GPUs used).
    overlap_grad_reduce
        Data-parallel gradient reduction overlaps the last backward pass
        (Megatron ``--overlap-grad-reduce``); ``False`` models Megatron-LM 2021.
    flash_attention
        Fused attention (FlashAttention / cuDNN fused attention, the default
        today); ``False`` models Megatron-LM 2021-22's materialized scores.
    memory_headroom_gib
        GiB kept free below the driver's capacity on every GPU (``None``:
        :func:`planner.perfmodel.memory.default_headroom_gib`).
    even_stages
        Only pipelines whose stages (and interleaved chunks) hold equal layer
        counts (``--even-stages``); by default stages may differ.
    framework
        Only plans this framework can launch (:mod:`planner.train.frameworks`; ``None``
        or ``"any"``: every plan of the space).
    """

    tp: int | None = None
    pp: int | None = None
    dp: int | None = None
    cp: int | None = None
    ep: int | None = None
    microbatch: int | None = None
    interleave: int | None = None
    recompute: str | None = None
    recompute_layers: int | None = None
    partial_recompute: bool = False
    shard_group: int | None = None
    hsdp: bool = False
    expert_tp: int | None = None
    search_expert_tp: bool = False
    zero: int | None = None
    sequence_parallel: bool | None = None
    stage_layers: tuple[int, ...] | None = None
    max_gpus: int | None = None
    use_all_gpus: bool = False
    max_tp: int | None = None
    objective: str = "time"
    overlap_grad_reduce: bool = True
    flash_attention: bool = True
    memory_headroom_gib: float | None = None
    even_stages: bool = False
    framework: str | None = None

    def __post_init__(self) -> None:
        from planner.train.frameworks import check_name, profile

        if self.framework is not None and not isinstance(self.framework, str):
            raise InputError(f"constraints: framework must be a name, got {self.framework!r}")
        object.__setattr__(self, "framework", check_name(self.framework, "constraints: framework"))
        fw = profile(self.framework)
        # read in the search's inner loops: computed once (not a field: no effect on equality)
        object.__setattr__(self, "_even_only", self.even_stages or bool(fw and fw.stages == "even"))
        for key in _POSITIVE:  # numpy integers stored as int
            object.__setattr__(self, key, positive_int(getattr(self, key), f"constraints: {key}"))
        if self.recompute is not None and self.recompute not in RECOMPUTE:
            raise InputError(
                f"constraints: recompute must be one of {', '.join(RECOMPUTE)}, got {self.recompute!r}"
            )
        if self.recompute_layers is not None and (
            isinstance(self.recompute_layers, bool)
            or not isinstance(self.recompute_layers, int)
            or self.recompute_layers < 0
        ):
            raise InputError(
                f"constraints: recompute_layers must be an integer >= 0, got "
                f"{self.recompute_layers!r}"
            )
        if self.shard_group is not None and (
            isinstance(self.shard_group, bool)
            or not isinstance(self.shard_group, int)
            or self.shard_group < 0
        ):
            raise InputError(
                f"constraints: shard_group must be an integer >= 0, got {self.shard_group!r}"
            )
        if self.recompute_layers and self.recompute not in (None, "full"):
            raise InputError(
                f"constraints: recompute_layers={self.recompute_layers} needs recompute=full"
            )
        if self.zero is not None and (
            isinstance(self.zero, bool) or not isinstance(self.zero, int) or not 0 <= self.zero <= 3
        ):
            raise InputError(f"constraints: zero must be 0, 1, 2 or 3, got {self.zero!r}")
        if self.zero == 0 and (self.shard_group or self.hsdp):
            flag = f"shard_group={self.shard_group}" if self.shard_group else "hsdp"
            raise InputError(f"constraints: {flag} shards model states: it needs zero >= 1")
        if self.partial_recompute and self.recompute not in (None, "full"):
            raise InputError(
                f"constraints: partial_recompute needs recompute=full, got {self.recompute!r}"
            )
        if self.memory_headroom_gib is not None and (
            isinstance(self.memory_headroom_gib, bool)
            or not isinstance(self.memory_headroom_gib, (int, float))
            or not 0 <= self.memory_headroom_gib < 1e6
        ):
            raise InputError(
                f"constraints: memory_headroom_gib must be a number >= 0, got "
                f"{self.memory_headroom_gib!r}"
            )
        if self.objective not in OBJECTIVES:
            raise InputError(
                f"constraints: objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}"
            )
        if self.stage_layers is not None:
            if isinstance(self.stage_layers, (str, bytes, Mapping)) or not isinstance(
                self.stage_layers, Iterable
            ):
                # stage_layers=5 raised TypeError from tuple() (s30bad)
                raise InputError(
                    f"constraints: stage_layers must be a list of layers per stage such as "
                    f"[7, 8, 8, 7], got {self.stage_layers!r}"
                )
            layers = tuple(
                positive_int(n, "constraints: stage_layers entry", allow_none=False)
                for n in self.stage_layers
            )
            if self.pp is not None and len(layers) != self.pp:
                raise InputError(
                    f"constraints: stage_layers has {len(layers)} entries but pp={self.pp}"
                )
            object.__setattr__(self, "stage_layers", layers)
            if self._even_only and len(set(layers)) > 1:
                # s28bad: the search kept the pinned uneven split, verify then rejected every
                # plan, and the run ended UNKNOWN with no word on which flags disagree
                why = (
                    validate.arg("even_stages")
                    if self.even_stages
                    else f"framework {self.framework} (it builds only equal stages)"
                )
                pinned = validate.arg("stage_layers", "--stage-layers (or --fix stage_layers)")
                raise InputError(
                    f"constraints: {pinned} {','.join(map(str, layers))} has unequal stages, "
                    f"but {why} asks for equal ones; drop one of the two"
                )

    @property
    def even_only(self) -> bool:
        """Only equal stages: ``even_stages`` or a framework that builds no other split."""
        return self._even_only

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that differ from the defaults."""
        default = Constraints()
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(default, f.name):
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "constraints") -> Constraints:
        """Build from a mapping, rejecting unknown keys."""
        data = check_table(data, where, [f.name for f in fields(cls)])
        if data.get("stage_layers") is not None:
            if not isinstance(data["stage_layers"], (list, tuple)):
                raise InputError(f"{where}: stage_layers must be a list of integers")
            data["stage_layers"] = tuple(data["stage_layers"])
        for key in (
            "sequence_parallel",
            "use_all_gpus",
            "overlap_grad_reduce",
            "flash_attention",
            "even_stages",
            "partial_recompute",
            "hsdp",
            "search_expert_tp",
        ):
            if key in data and data[key] is not None and not isinstance(data[key], bool):
                raise InputError(f"{where}: {key} must be true or false")
        return cls(**data)


def constraint_error(key: str, value: Any) -> str | None:
    """Why one constraint's value alone is refused (its own check in :class:`Constraints`,
    without the ``constraints:`` prefix of a problem file's field), or ``None`` if it is
    accepted; callers name it by their own flag or keyword. Checks between constraints are
    not run."""
    try:
        Constraints(**{key: value})
    except InputError as exc:
        return str(exc).removeprefix("constraints: ")
    return None


def compact(items: Sequence[Any]) -> str:
    """``[8, 8, 8, 7]`` -> ``8x3, 7``."""
    out: list[str] = []
    prev, n = None, 0
    for x in [*items, object()]:
        if x == prev:
            n += 1
            continue
        if prev is not None:
            out.append(f"{prev}x{n}" if n > 1 else str(prev))
        prev, n = x, 1
    return ", ".join(out)


def distinct_labels(plans: Sequence[TrainingPlan]) -> list[str]:
    """Labels of ``plans`` for one listing: :meth:`TrainingPlan.short`, or
    :meth:`TrainingPlan.detailed` where two plans would otherwise read the same."""
    shorts = [p.short() for p in plans]
    return [p.detailed() if shorts.count(s) > 1 else s for p, s in zip(plans, shorts, strict=True)]


@dataclass(frozen=True)
class TrainingPlan(Layout):
    """A complete training layout (the family's ``Solution``).

    Attributes
    ----------
    tp, pp, dp, cp, ep
        Parallel sizes; GPUs used = ``tp * pp * dp * cp`` (``ep`` is carved out
        of ``dp``, or with ``expert_tp < tp`` of ``tp * cp * dp / expert_tp``).
    microbatch
        Sequences per microbatch; ``global_batch / (dp * microbatch)``
        microbatches per step.
    interleave
        Virtual pipeline chunks per stage ``v`` (1 = plain 1F1B).
    recompute
        ``none`` / ``selective`` / ``full`` / ``offload`` (stored activations copied to
        host memory and back, :func:`planner.perfmodel.stage.stage_cost`).
    recompute_layers
        With ``recompute="full"``: the first ``k`` layers of every stage are
        recomputed (Megatron's ``--recompute-method block --recompute-num-layers k``);
        0 = every layer (``uniform``).
    shard_group
        With ZeRO >= 1: model states sharded over groups of this many of the ``dp *
        cp`` ranks and replicated across the groups (hybrid sharding, HSDP); 0 = all.
    expert_tp
        Tensor-parallel size of the routed experts, a divisor of ``tp`` (0 = ``tp``; below
        it the experts fold over the TP ranks: Megatron-Core's MoE parallel folding).
    zero
        ZeRO stage 0-3 (1 = Megatron's distributed optimizer).
    sequence_parallel
        Megatron sequence parallelism (only with ``tp > 1``).
    stage_layers
        Transformer layers of each pipeline stage (first to last).
    stage_pools
        Pool label of each stage (heterogeneous clusters); empty for a
        homogeneous cluster.
    """

    stage_layers: tuple[int, ...] = ()
    stage_pools: tuple[str, ...] = field(default=())

    @property
    def gpus(self) -> int:
        """GPUs used."""
        return self.tp * self.pp * self.dp * self.cp

    def microbatches(self, global_batch: int) -> int:
        """Microbatches per pipeline per step (``global_batch / (dp * microbatch)``)."""
        return global_batch // (self.dp * self.microbatch)

    def short(self) -> str:
        """Compact label such as ``t8 p4 d32 b1 v2 sel zero1 sp``."""
        parts = [f"t{self.tp}", f"p{self.pp}", f"d{self.dp}"]
        if self.cp > 1:
            parts.append(f"cp{self.cp}")
        if self.ep > 1:
            parts.append(f"ep{self.ep}")
        if self.etp != self.tp:
            parts.append(f"etp{self.etp}")
        parts.append(f"b{self.microbatch}")
        if self.interleave > 1:
            parts.append(f"v{self.interleave}")
        labels = {"none": "norc", "selective": "sel", "full": "full", "offload": "offl"}
        parts.append(labels[self.recompute])
        if self.recompute == "full" and self.recompute_layers:
            parts[-1] += str(self.recompute_layers)
        if self.shard_group:
            parts.append(f"hsdp{self.shard_group}")
        parts.append(f"zero{self.zero}")
        if self.sequence_parallel:
            parts.append("sp")
        return " ".join(parts)

    def detailed(self) -> str:
        """:meth:`short` with the layers per stage and, on mixed pools, the pools per stage:
        what tells apart two plans with the same parallel sizes."""
        out = f"{self.short()} layers {compact(self.stage_layers)}"
        if len(set(self.stage_pools)) > 1:
            out += f" on {compact(self.stage_pools)}"
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``plan`` object of ``--json``."""
        return {
            "tp": self.tp,
            "pp": self.pp,
            "dp": self.dp,
            "cp": self.cp,
            "ep": self.ep,
            "expert_tp": self.etp,
            "microbatch": self.microbatch,
            "interleave": self.interleave,
            "recompute": self.recompute,
            "recompute_layers": self.recompute_layers,
            "zero": self.zero,
            "shard_group": self.shard_group,
            "sequence_parallel": self.sequence_parallel,
            "stage_layers": list(self.stage_layers),
            "stage_pools": list(self.stage_pools),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingPlan:
        """Inverse of :meth:`to_dict`."""
        d = check_table(
            data,
            "plan",
            [f.name for f in fields(cls)],
            required=("tp", "pp", "dp"),
            kind="an object",
        )
        for key in ("stage_layers", "stage_pools"):
            value = d.get(key) or ()
            if not isinstance(value, (list, tuple)):
                raise InputError(f"plan.{key}={value!r} must be a list")
            d[key] = tuple(value)
        if d.get("expert_tp") == d["tp"]:
            d["expert_tp"] = 0  # the default (experts as wide as the attention TP)
        plan = cls(**d)
        # a plan read from a file (plan compare, a hint) with "tp": "x" was accepted; verify's
        # own checks of the fields, which need no problem, say what is wrong
        from planner.train.evaluate import plan_field_errors

        errors = plan_field_errors(plan)
        if errors:
            raise InputError(errors[0])
        return plan


@dataclass(frozen=True)
class TrainingProblem:
    """Where to lay out a model for training (the family's ``Instance``).

    Attributes
    ----------
    name
        Instance name.
    model
        The architecture.
    cluster
        The GPUs.
    workload
        Batch, sequence length, precision.
    constraints
        Fixed decisions, limits, objective.
    software
        Overlap, precision of each state, sharding and MoE settings of the
        framework (:class:`~planner.perfmodel.options.Software`; the JSON
        table ``software``).
    meta
        Extra data (e.g. a published plan or measured throughput).
    """

    name: str
    model: ModelSpec
    cluster: ClusterSpec
    workload: Workload
    constraints: Constraints = field(default_factory=Constraints)
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    software: Software = field(default_factory=Software)

    def __post_init__(self) -> None:
        c = self.constraints
        budget = self.gpu_budget
        if c.max_gpus is not None and c.max_gpus > self.cluster.total_gpus:
            raise InputError(
                f"{self.name}: max_gpus={c.max_gpus} exceeds the cluster's {self.cluster.total_gpus} GPUs"
            )
        if c.stage_layers is not None and sum(c.stage_layers) != self.model.layers:
            raise InputError(
                f"{self.name}: stage_layers sum to {sum(c.stage_layers)}, the model has "
                f"{self.model.layers} layers"
            )
        if self.workload.seq_len > self.model.max_seq:
            # Not an error: long-context fine-tuning extends positions; note it.
            self._warn(
                f"seq_len {self.workload.seq_len} exceeds the model's max_position_embeddings "
                f"{self.model.max_seq}"
            )
        for note in self.model.approximations:  # what the reader read but nothing prices
            self._warn(f"{self.model.name}: {note}")
        for pool in self.cluster.pools:
            # a GPU of an architecture without a fitted efficiency is priced by a rule
            uncalibrated = calibration_warning(pool.gpu, self.software.tuned_kernels)
            if uncalibrated:
                self._warn(uncalibrated)
        if c.framework is not None and len(self.cluster.pools) > 1:
            flag = validate.arg("framework")
            raise InputError(
                f"{self.name}: {flag} {c.framework} plans one GPU pool (the framework "
                f"profiles restrict the single-pool search); use {flag} any on mixed pools"
            )
        for pool in self.cluster.pools:
            if c.objective == "cost" and pool.gpu.price_per_gpu_hour <= 0:
                raise InputError(
                    f"{self.name}: {validate.arg('objective')} cost needs a price for GPU "
                    f"{pool.gpu.name}{_price_hint(pool.gpu)}"
                )
            if not pool.gpu.supports(self.workload.precision):
                raise InputError(
                    f"{self.name}: GPU {pool.gpu.name} has no {self.workload.precision} support"
                )
        del budget

    def _warn(self, text: str) -> None:
        """Record a warning once (:func:`~planner.core.errors.warn_once`)."""
        warn_once(self.meta, text)

    def capacity(self, gpu: GpuSpec) -> float:
        """Bytes a stage may use on ``gpu``: the driver's capacity minus the headroom."""
        return training_capacity(gpu, self.constraints.memory_headroom_gib)

    @property
    def gpu_budget(self) -> int:
        """GPUs the plan may use."""
        c = self.constraints.max_gpus
        return self.cluster.total_gpus if c is None else min(c, self.cluster.total_gpus)

    def with_constraints(self, **changes: Any) -> TrainingProblem:
        """A copy with some constraints changed."""
        return replace(self, constraints=replace(self.constraints, **changes))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (readable back by :meth:`from_dict`)."""
        return {
            "name": self.name,
            "model": self.model.to_dict(),
            "cluster": self.cluster.to_dict(),
            "workload": {
                "global_batch": self.workload.global_batch,
                "seq_len": self.workload.seq_len,
                "precision": self.workload.precision,
            },
            "constraints": self.constraints.to_dict(),
            **({"software": self.software.to_dict()} if self.software.to_dict() else {}),
            "meta": {k: v for k, v in self.meta.items() if k != "warnings"},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "problem") -> TrainingProblem:
        """Build from a mapping (the JSON/TOML problem layout, see :mod:`planner.train.readers`)."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expected an object")
        known = {
            "name",
            "model",
            "cluster",
            "gpus",
            "gpus_per_node",
            "workload",
            "constraints",
            "software",
            "meta",
        }
        check_table(data, where, known, required=("model",))
        model = load_model(data["model"])
        cluster_raw = data.get("cluster", data.get("gpus"))
        if cluster_raw is None:
            raise InputError(f"{where}: missing field 'cluster' (or 'gpus')")
        cluster = parse_cluster(cluster_raw, gpus_per_node=data.get("gpus_per_node"))
        if not isinstance(data.get("workload"), Mapping):
            raise InputError(f"{where}: missing table 'workload'")
        wl = check_table(
            data["workload"],
            f"{where}: workload",
            ("global_batch", "seq_len", "precision"),
            required=("global_batch", "seq_len"),
        )
        workload = Workload(wl["global_batch"], wl["seq_len"], wl.get("precision", "bf16"))
        constraints = Constraints.from_dict(
            data.get("constraints", {}) or {}, where=f"{where}: constraints"
        )
        return cls(
            name=text_field(data, "name", "problem", where),
            model=model,
            cluster=cluster,
            workload=workload,
            constraints=constraints,
            meta=dict(data.get("meta", {}) or {}),
            software=Software.from_dict(data.get("software"), where=f"{where}: software"),
        )
