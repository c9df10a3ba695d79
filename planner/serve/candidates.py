"""Candidate replica layouts and their per-replica capacity.

For every pool of the inventory, every tensor / pipeline / expert parallel
size allowed by the model (``tp`` divides the attention heads and is a
divisor or multiple of the KV heads, at most one node unless ``max_tp``
says otherwise; ``pp`` at most the layers; ``ep`` divides the routed
experts) and by the constraints, and every role, the capacity model of
:mod:`planner.serve.capacity` gives the largest request rate one
replica sustains within the SLOs. Layouts that cannot work carry a reason
(precision unsupported, weights do not fit, too few GPUs in the pool, an SLO
missed even at zero load); those reasons feed the "why cheaper ones fail"
table and the explanation of an infeasible problem.

Capacities are cached per (model, GPU, layout, precision, traffic lengths,
SLO), so sweeps that revisit a layout pay for it once.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from planner.core.errors import InputError
from planner.core.result import Result, Status
from planner.core.timing import Deadline
from planner.perfmodel import constants
from planner.perfmodel.engines import Engine, stores_kv
from planner.perfmodel.hardware import GpuSpec, Pool
from planner.perfmodel.memory import GIB
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.offload_serving import OffloadPlan
from planner.perfmodel.serving_features import Speculative
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import (
    PREFILL_CHUNK_TOKENS,
    OperatingPoint,
    RoleModel,
    chunk_choices,
    engine_for,
    engine_key,
)
from planner.serve.instance import ReplicaGroup, ServingProblem
from planner.serve.slo import SLO
from planner.serve.targets import layout_refusal, variant_refusal
from planner.serve.traffic import Traffic

TP_OPTIONS = (1, 2, 4, 8, 16, 32)
PP_OPTIONS = (1, 2, 4, 8, 16, 32)
EP_OPTIONS = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class Layout:
    """A replica layout on one pool, with the reason it is excluded ('' when it is not)."""

    pool: str
    config: ReplicaConfig
    reason: str = ""


@dataclass(frozen=True)
class Candidate:
    """One layout in one role, with its per-replica capacity.

    Attributes
    ----------
    pool
        Pool label.
    config
        The layout.
    role
        ``both``, ``prefill`` or ``decode``.
    chunk
        Prefill chunk / budget the capacity was computed with (0 for decode).
    capacity
        Requests per second one replica sustains within the SLOs (0 when unusable).
    point
        Engine operating point at that capacity (``None`` when excluded early).
    floor
        Engine operating point at zero load (the best latencies the layout can give).
    reason
        Why the candidate is unusable; '' when usable.
    memory
        Per-GPU memory breakdown in GiB.
    speculative
        Capacity computed with the problem's speculative decoding.
    workload
        The workload whose traffic and SLOs the capacity is for ('' with one workload).
    """

    pool: str
    config: ReplicaConfig
    role: str
    chunk: int
    capacity: float
    point: OperatingPoint | None = None
    floor: OperatingPoint | None = None
    reason: str = ""
    memory: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    speculative: bool = False
    workload: str = ""

    @property
    def usable(self) -> bool:
        """True when the replica can carry traffic within the SLOs."""
        return self.capacity > 0 and not self.reason

    @property
    def price(self) -> float:
        """USD per hour of one replica."""
        return self.config.price_per_hour

    @property
    def gpus(self) -> int:
        """GPUs of one replica."""
        return self.config.gpus

    @property
    def cost_per_qps(self) -> float:
        """USD per hour per request/s of capacity (``inf`` when unusable)."""
        return self.price / self.capacity if self.usable else float("inf")

    @property
    def key(self) -> tuple[str, int, int, int, str, bool, str]:
        """``(pool, tp, pp, ep, role, speculative, workload)`` (:func:`group_key` of its groups)."""
        c = self.config
        return (self.pool, c.tp, c.pp, c.ep, self.role, self.speculative, self.workload)

    def label(self) -> str:
        """``H100-SXM tp8 (both)``."""
        text = self.config.label() + (" +spec" if self.speculative else "")
        if self.pool != self.config.gpu.name:
            text = f"{self.pool}: {text}"
        if self.workload:
            text = f"{self.workload}: {text}"
        return f"{text} ({self.role})"

    def group(self, count: int, load_qps: float) -> ReplicaGroup:
        """The plan entry for ``count`` replicas of this candidate carrying ``load_qps``."""
        c = self.config
        return ReplicaGroup(
            self.pool,
            c.tp,
            c.pp,
            c.ep,
            int(count),
            self.role,
            int(self.chunk),
            float(load_qps),
            self.speculative,
            self.workload,
        )


def group_key(g: ReplicaGroup) -> tuple[str, int, int, int, str, bool, str]:
    """The :attr:`Candidate.key` a plan's group matches."""
    return (g.gpu, g.tp, g.pp, g.ep, g.role, g.speculative, g.workload)


def tp_reason(model: ModelSpec, tp: int) -> str:
    if model.heads % tp:
        return f"tp{tp} does not divide the {model.heads} attention heads"
    if not model.is_mla and model.kv_heads % tp and tp % model.kv_heads:
        return f"tp{tp} neither divides nor is a multiple of the {model.kv_heads} KV heads"
    return ""


def memory_shortfall(eng: EngineModel) -> str:
    """``workspace and reserve exceed the M GiB ... (needs N GiB)`` for an engine whose weights
    leave no KV cache (``eng.free_bytes <= 0``).

    ``M`` is the total the engine sizes its memory from (the CUDA runtime's,
    :attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`: 45.0 GiB on a 48 GiB L40S), ``N``
    that total less the (negative) room left, so the engine's own reserve (TensorRT-LLM's by
    communicator size, vLLM's and SGLang's memory shares) counts, not a fixed 4 GiB."""
    memory = eng.config.gpu.runtime_bytes
    return (
        f"workspace and reserve exceed the {memory / GIB:.1f} GiB the engine sizes its memory "
        f"from (needs {(memory - eng.free_bytes) / GIB:.1f} GiB)"
    )


def layouts(problem: ServingProblem) -> list[Layout]:
    """Every layout considered, with an exclusion reason where one applies."""
    m, c = problem.model, problem.constraints
    out: list[Layout] = []
    pools = [problem.pool(c.gpu)] if c.gpu is not None else list(problem.inventory.pools)
    for pool in pools:
        gpu = pool.gpu
        max_tp = c.max_tp or gpu.gpus_per_node
        tps = [c.tp] if c.tp else [t for t in TP_OPTIONS if t <= max_tp]
        pps = [c.pp] if c.pp else [p for p in PP_OPTIONS if p <= min(c.max_pp, m.layers)]
        if c.ep:
            eps = [c.ep]
        elif m.is_moe:
            eps = [e for e in EP_OPTIONS if m.num_experts % e == 0]
        else:
            eps = [1]
        for tp in tps:
            for pp in pps:
                for ep in eps:
                    cfg = ReplicaConfig(gpu, tp, pp, ep)
                    out.append(Layout(pool.label, cfg, _exclusion(problem, pool, cfg)))
    return out


def _exclusion(problem: ServingProblem, pool: Pool, cfg: ReplicaConfig) -> str:
    m, c = problem.model, problem.constraints
    gpu = cfg.gpu
    if not gpu.supports(problem.precision):
        return f"{gpu.name} has no {problem.precision} support"
    why = problem.engine_refusal(gpu)
    if why:  # a named engine that does not run on this vendor's GPUs
        return f"{problem.engine_label}: {why}"
    kv, engine = problem.kv_precision_name, problem.engine_on(gpu)
    if not stores_kv(engine.name, gpu, kv):
        return f"{gpu.name} has no {kv} support (KV cache, {engine.name})"
    why = tp_reason(m, cfg.tp)
    if why:
        return why
    if cfg.pp > m.layers:
        return f"pp{cfg.pp} exceeds the {m.layers} layers"
    if cfg.ep > 1 and not m.is_moe:
        return f"ep{cfg.ep} needs a mixture-of-experts model"
    if cfg.ep > 1 and m.num_experts % cfg.ep:
        return f"ep{cfg.ep} does not divide the {m.num_experts} experts"
    if cfg.gpus > c.max_replica_gpus and not (c.tp and c.pp):
        return f"replica of {cfg.gpus} GPUs exceeds max_replica_gpus={c.max_replica_gpus}"
    if cfg.gpus > pool.count:
        return f"needs {cfg.gpus} GPUs, the {pool.label} pool has {pool.count}"
    if c.target is not None:  # the export target's rule, as the export applies it
        why = layout_refusal(c.target, m, gpu, cfg.tp, cfg.pp, cfg.ep, problem.precision, kv)
        if why:
            return why
    eng = engine_for(
        m,
        gpu,
        cfg.tp,
        cfg.pp,
        cfg.ep,
        problem.precision,
        problem.kv_precision_name,
        None,
        engine,
        problem.offload,
    )
    if eng.free_bytes <= 0:
        return f"weights {eng.weight_bytes / GIB:.1f} GiB/GPU + {memory_shortfall(eng)}"
    if not eng.holds_request(problem.traffic.max_context):
        return (
            f"KV cache holds {eng.kv_tokens:,.0f} tokens per engine, one request needs "
            f"{float(eng.kv_held(problem.traffic.max_context)):,.0f}"
        )
    return ""


@constants.on_change
@functools.lru_cache(maxsize=65536)
def role_capacity(
    model: ModelSpec,
    gpu: GpuSpec,
    tp: int,
    pp: int,
    ep: int,
    precision: str,
    kv: str,
    role: str,
    chunk: int,
    traffic: Traffic,
    slo: SLO,
    online: bool,
    max_batch: int | None,
    kv_admission: str = "on-demand",
    kv_block_tokens: int = 1,
    speculative: Speculative | None = None,
    engine: Engine | None = None,
    offload: OffloadPlan | None = None,
) -> tuple[float, OperatingPoint, OperatingPoint]:
    """(capacity per engine, point at capacity, point at zero load) of one layout in one role."""
    # a prefill / decode server runs with a KV connector (Engine.for_role)
    engine = engine.for_role(role) if engine is not None else None
    eng = engine_for(model, gpu, tp, pp, ep, precision, kv, speculative, engine, offload)
    args = (eng, role, traffic, slo, chunk, online, max_batch, kv_admission, kv_block_tokens)
    return _role_model(*args).capacity()


def layout_engine(
    problem: ServingProblem, cfg: ReplicaConfig, speculative: Speculative | None, role: str
) -> EngineModel:
    """The (cached) step model of one engine of layout ``cfg`` at the problem's precisions,
    as a server of ``role`` runs it (:meth:`~planner.perfmodel.engines.Engine.for_role`: the
    engine :func:`role_capacity` builds)."""
    return engine_for(
        problem.model,
        cfg.gpu,
        cfg.tp,
        cfg.pp,
        cfg.ep,
        problem.precision,
        problem.kv_precision_name,
        speculative,
        problem.engine_on(cfg.gpu).for_role(role),
        problem.offload,
    )


def roles(problem: ServingProblem) -> tuple[str, ...]:
    """Roles the constraints allow (no disaggregation when nothing is decoded)."""
    mode = problem.constraints.disaggregation
    if problem.traffic.mean_decode_tokens <= 0 or mode == "off":
        return ("both",)
    if mode == "force":
        return ("prefill", "decode")
    return ("both", "prefill", "decode")


def evaluate(
    problem: ServingProblem, layout: Layout, role: str, speculative: bool = False
) -> Candidate:
    """Capacity of one layout in one role (the best chunk size for ``both``)."""
    cfg = layout.config
    chunk0 = {"decode": 0, "prefill": PREFILL_CHUNK_TOKENS}.get(role, 2048)
    spec = problem.speculative if speculative else None
    if layout.reason:
        return Candidate(
            layout.pool, cfg, role, chunk0, 0.0, reason=layout.reason, speculative=speculative
        )
    chunks = chunk_choices(problem, role)
    if chunk0 not in chunks:  # an engine budget below the usual chunk
        chunk0 = chunks[0]
    try:
        eng = layout_engine(problem, cfg, spec, role)
    except InputError as exc:  # e.g. the draft model does not fit the layout's tp
        return Candidate(layout.pool, cfg, role, chunk0, 0.0, reason=str(exc), speculative=True)
    if not eng.holds_request(problem.traffic.max_context):
        return Candidate(
            layout.pool,
            cfg,
            role,
            chunk0,
            0.0,
            reason="the drafter's weights leave too little KV cache",
            speculative=speculative,
        )
    best = None
    for chunk in chunks:
        # a chunk replaces the best only above (1 + 1e-12) times it: skip one proven not to
        above = 0.0 if best is None else best[0] * (1 + 1e-12)
        if above > 0 and _capacity_at_most(*_model_args(problem, eng, role, chunk), above):
            continue
        cap, point, floor = role_capacity(
            problem.model,
            cfg.gpu,
            cfg.tp,
            cfg.pp,
            cfg.ep,
            problem.precision,
            problem.kv_precision_name,
            role,
            int(chunk),
            problem.traffic.with_qps(None),
            problem.slo,
            problem.online,
            problem.constraints.max_batch,
            problem.constraints.kv_admission,
            problem.constraints.kv_block_tokens,
            spec,
            problem.engine_on(cfg.gpu),
            problem.offload,
        )
        if best is None or cap > best[0] * (1 + 1e-12):
            best = (cap, point, floor, int(chunk))
    assert best is not None
    cap, point, floor, chunk = best
    reason = ""
    if cap <= 0:
        reason = "; ".join(floor.violations) + " even at zero load"
    return Candidate(
        layout.pool,
        cfg,
        role,
        chunk,
        cap * cfg.engines,
        point,
        floor,
        reason,
        eng.memory_breakdown(),
        speculative,
    )


def variants(problem: ServingProblem, role: str) -> tuple[bool, ...]:
    """Speculative decoding off, and on where the problem allows it and the role decodes."""
    if problem.speculative is not None and role != "prefill":
        return (False, True)
    return (False,)


def candidates_within(
    problem: ServingProblem,
    deadline: Deadline | None = None,
    price_cap: float | dict[str, float] | None = None,
) -> tuple[list[Candidate], bool]:
    """Candidates evaluated until ``deadline`` expires, and whether every layout was evaluated.

    Usable candidates come first, cheapest per QPS first. With several workloads,
    the candidates of each (tagged with its name) are evaluated in turn.

    ``price_cap`` (USD/h; per workload name with several): layouts whose replica costs more
    are not evaluated, only marked (:func:`priced_out`; the caller proves no plan it
    cares about uses them, :mod:`planner.serve.price_cut`). Within a pool the price grows
    with the GPUs, so the layouts skipped are the largest of each pool, which the smaller
    ones never depend on (:func:`dominated_early` only looks at smaller or equal ones): every
    other candidate is exactly the one of the uncapped search.
    """
    if problem.shared:
        out: list[Candidate] = []
        complete = True
        for name, part in problem.parts():
            cap = price_cap.get(name) if isinstance(price_cap, dict) else price_cap
            cands, done = candidates_within(part, deadline, cap)
            out.extend(replace(c, workload=name) for c in cands)
            complete = complete and done
            if not done:
                break
        out.sort(key=candidate_order)
        return out, complete
    out = []
    # the usable candidates so far by pool and role, in order: all dominated_early looks at
    usable: dict[tuple[str, str], list[Candidate]] = {}
    complete = True
    # smallest replicas first, so larger ones can be dismissed before their capacity search
    for lay in sorted(layouts(problem), key=lambda lay: lay.config.gpus):
        cut = price_cap is not None and not lay.reason and lay.config.price_per_hour > price_cap
        for role in roles(problem):
            for spec in variants(problem, role):
                if cut:
                    assert price_cap is not None
                    out.append(priced_out(lay, role, spec, price_cap))
                    continue
                if deadline is not None and deadline.expired():
                    complete = False
                    break
                why = _variant_refusal(problem, lay, role, spec)
                if why:  # the export target cannot launch this role / variant of the layout
                    out.append(_unevaluated(lay, role, spec, why))
                    continue
                same = usable.setdefault((lay.pool, role), [])
                early = (
                    None
                    if must_pair(problem, role)
                    else dominated_early(problem, lay, role, spec, same)
                )
                out.append(early or evaluate(problem, lay, role, spec))
                if out[-1].usable:
                    same.append(out[-1])
        if not complete:
            break
    out = prune_dominated(out, paired=problem.constraints.pd_pairs)
    out.sort(key=candidate_order)
    return out, complete


def _variant_refusal(problem: ServingProblem, layout: Layout, role: str, spec: bool) -> str:
    """:func:`~planner.serve.targets.variant_refusal` of a usable layout under the problem's
    export target ('' without one)."""
    target, cfg = problem.constraints.target, layout.config
    if target is None or layout.reason:
        return ""
    kv = problem.kv_precision_name
    method = problem.speculative.method if spec and problem.speculative else None
    return variant_refusal(target, cfg.gpu, cfg.pp, cfg.ep, kv, role, method)


def candidate_order(c: Candidate) -> tuple[bool, float, float, tuple]:
    """Sort key of :func:`candidates_within`'s list: usable first, cheapest per QPS first."""
    return (not c.usable, c.cost_per_qps, c.price, c.key)


#: How the reason of a :func:`priced_out` candidate starts.
PRICED_OUT = "not evaluated: one replica costs"


def priced_out(layout: Layout, role: str, speculative: bool, cap: float) -> Candidate:
    """The unusable candidate of a layout not evaluated because one replica costs more than
    ``cap`` USD/h (:func:`candidates_within`'s ``price_cap``)."""
    price = layout.config.price_per_hour
    return _unevaluated(
        layout,
        role,
        speculative,
        f"{PRICED_OUT} {price:.4g} USD/h, above {cap:.4g} USD/h, so no plan as cheap as one "
        "already found uses it",
    )


def _unevaluated(layout: Layout, role: str, speculative: bool, reason: str) -> Candidate:
    """An unusable candidate of ``layout`` in ``role`` whose capacity was not searched."""
    chunk = {"decode": 0, "prefill": PREFILL_CHUNK_TOKENS}.get(role, 2048)
    return Candidate(
        layout.pool, layout.config, role, chunk, 0.0, reason=reason, speculative=speculative
    )


def must_pair(problem: ServingProblem, role: str) -> bool:
    """Whether ``role``'s replicas must pair with the other role's of the same layout
    (``pd_pairs``): then ``k`` smaller replicas do not stand in for one larger, whose pair
    partner has no smaller twin, and no prefill or decode layout is dismissed as dominated."""
    return problem.constraints.pd_pairs and role != "both"


def capacity_upper_bound(
    problem: ServingProblem,
    layout: Layout,
    role: str,
    speculative: bool,
    above: float = math.inf,
) -> float | None:
    """Upper bound on the capacity :func:`evaluate` would give (requests/s per replica,
    :meth:`RoleModel.rate_limit` over the chunk sizes), or ``None`` when the layout is
    excluded anyway (then :func:`evaluate` is cheap). The chunk sizes stop at the first
    whose bound exceeds ``above`` (a caller that only compares the bound with ``above``
    gets the same answer)."""
    cfg = layout.config
    if layout.reason:
        return None
    try:
        eng = layout_engine(problem, cfg, problem.speculative if speculative else None, role)
    except InputError:
        return None
    if not eng.holds_request(problem.traffic.max_context):
        return None
    chunks = chunk_choices(problem, role)
    best = 0.0
    for chunk in chunks:
        best = max(best, _rate_limit(*_model_args(problem, eng, role, chunk)))
        if best * cfg.engines > above:
            break
    return best * cfg.engines


def _model_args(
    problem: ServingProblem, eng: EngineModel, role: str, chunk: int
) -> tuple[Any, ...]:
    """The arguments of the :class:`RoleModel` :func:`role_capacity` builds for one engine
    of ``eng`` in ``role`` with prefill ``chunk``: all that its bounds and probes depend on."""
    return (
        eng,
        role,
        problem.traffic.with_qps(None),
        problem.slo,
        int(chunk),
        problem.online,
        problem.constraints.max_batch,
        problem.constraints.kv_admission,
        problem.constraints.kv_block_tokens,
    )


def _role_model(
    eng: EngineModel,
    role: str,
    traffic: Traffic,
    slo: SLO,
    chunk: int,
    online: bool,
    max_batch: int | None,
    kv_admission: str,
    kv_block_tokens: int,
) -> RoleModel:
    """A fresh :class:`RoleModel` of :func:`_model_args` (as :func:`role_capacity` builds
    it; fresh: its probes leave no capacity search a side table)."""
    return RoleModel(
        eng,
        role,
        traffic,
        slo,
        chunk=chunk,
        online=online,
        max_batch=max_batch,
        kv_admission=kv_admission,
        kv_block_tokens=kv_block_tokens,
    )


@constants.on_change
@functools.lru_cache(maxsize=65536)
def _rate_limit(*args: Any) -> float:
    """:meth:`RoleModel.rate_limit` of ``_role_model(*args)`` (cached: the lower bound's pass
    over the candidates after a solve asks again)."""
    return _role_model(*args).rate_limit()


@constants.on_change
@functools.lru_cache(maxsize=65536)
def _capacity_at_most(*args: Any) -> bool:
    """:meth:`RoleModel.capacity_at_most` of ``_role_model(*args[:-1])`` at rate ``args[-1]``
    (cached, as :func:`_rate_limit`)."""
    return _role_model(*args[:-1]).capacity_at_most(args[-1])


def dominated_early(
    problem: ServingProblem,
    layout: Layout,
    role: str,
    speculative: bool,
    done: list[Candidate],
) -> Candidate | None:
    """The candidate marked dominated without its capacity search, when ``k`` replicas of a
    usable one evaluated before it in ``done`` (same pool and role, ``k = g_c / g_d``, also
    ``k = 1``: same GPUs and price) carry at least :func:`capacity_upper_bound`; ``None``
    otherwise. The rule of :func:`prune_dominated` decided with a bound instead of the
    capacity: a plan using this layout is matched by one using ``k`` replicas of the other
    at the same price, so the optimum does not change (and two layouts never dismiss each
    other: only one evaluated earlier can)."""
    best, by = _best_dominator(layout, role, done)
    if by is None:
        return None
    bound = capacity_upper_bound(problem, layout, role, speculative, above=best)
    if bound is None:
        return None
    if best < bound:
        return _dominated_by_probe(problem, layout, role, speculative, done)
    k, d = by
    # a bound of 0: no rate meets the SLOs ("this layout at most 0 req/s" read as a typo)
    this = f"at most {bound:.4g} req/s" if bound > 0 else "meets its SLOs at no rate"
    return _dismissed(layout, role, speculative, k, d, best, this)


def _best_dominator(
    layout: Layout, role: str, done: list[Candidate], speculative: bool | None = None
) -> tuple[float, tuple[int, Candidate] | None]:
    """``(k d.capacity, (k, d))`` of the usable ``d`` in ``done`` (same pool and role, ``k =
    g_c / g_d`` an integer) whose ``k`` replicas carry the most (``(0, None)``: none). With
    ``speculative`` given (this layout's variant), only the ``d`` :func:`prune_dominated`
    may prune it by: ``k >= 2``, or ``k = 1`` for the plain variant of a speculative layout."""
    cfg, g = layout.config, layout.config.gpus
    best, by = 0.0, None
    for d in done:
        if not (d.usable and d.pool == layout.pool and d.role == role and d.gpus <= g):
            continue
        k, rest = divmod(g, d.gpus)
        plain_twin = d.config == cfg and bool(speculative) and not d.speculative
        if rest or (speculative is not None and k == 1 and not plain_twin):
            continue
        if k * d.capacity > best:
            best, by = k * d.capacity, (k, d)
    return best, by


def _dismissed(
    layout: Layout, role: str, speculative: bool, k: int, d: Candidate, carry: float, this: str
) -> Candidate:
    """The candidate :func:`dominated_early` returns: ``k`` replicas of ``d`` carry ``carry``
    req/s, and ``this`` says what this layout carries."""
    return _unevaluated(
        layout,
        role,
        speculative,
        f"{k} x {d.config.label()} carry {carry:.4g} req/s on the same GPUs (this layout {this})",
    )


def _dominated_by_probe(
    problem: ServingProblem,
    layout: Layout,
    role: str,
    speculative: bool,
    done: list[Candidate],
) -> Candidate | None:
    """The candidate marked dominated when, for the ``d`` in ``done`` whose ``k`` replicas
    carry the most among those :func:`prune_dominated` may prune this layout by (``k >= 2``;
    ``k = 1`` only for the plain variant of this speculative layout), every chunk size's
    capacity is proven at most ``k`` times ``d``'s (:meth:`RoleModel.capacity_at_most`, one
    probe at that rate); ``None`` otherwise. Then :func:`prune_dominated` would mark it after
    its capacity search (``k d.capacity >= c.capacity``), so the usable candidates, and with
    them the optimum and the plan, are those of the full search: the probe only spares it."""
    cfg = layout.config
    best, by = _best_dominator(layout, role, done, speculative)
    if by is None:
        return None
    k, d = by
    eng = layout_engine(problem, cfg, problem.speculative if speculative else None, role)
    per_engine = best / cfg.engines
    # every chunk size must be proven: d's own first, the likeliest to fail (then stop early)
    for chunk in sorted(chunk_choices(problem, role), key=lambda c: c != d.chunk):
        if not _capacity_at_most(*_model_args(problem, eng, role, chunk), per_engine):
            return None
    return _dismissed(layout, role, speculative, k, d, best, "misses its SLOs at that rate")


def prune_dominated(cands: list[Candidate], paired: bool = False) -> list[Candidate]:
    """Mark candidates that ``k`` copies of a smaller one on the same pool and role beat
    (``paired``: colocated ones only, :func:`must_pair`).

    ``k`` replicas of ``d`` use exactly the GPUs (and cost exactly the price) of one
    replica of ``c`` when ``k = g_c / g_d`` is an integer; if they also carry at least
    ``c``'s capacity, any plan using ``c`` is matched by one using ``d`` instead, so ``c``
    is dropped (with that reason) without changing the optimum. This is why a model whose
    weights and working KV cache fit one GPU is served by replicas, not split by pipeline
    parallelism, whose stage bubbles and hand-offs cost capacity.
    """
    usable = [c for c in cands if c.usable]
    out = []
    for c in cands:
        reason = ""
        if c.usable and not (paired and c.role != "both"):
            for d in usable:
                if d is c or d.pool != c.pool or d.role != c.role or d.gpus > c.gpus:
                    continue
                k, rest = divmod(c.gpus, d.gpus)
                if rest:
                    continue
                # same layout with speculation on or off: keep the better (the plain one on ties)
                if k == 1 and (
                    d.config != c.config or not c.speculative or d.capacity < c.capacity
                ):
                    continue
                if k * d.capacity >= c.capacity * (1 - 1e-12):
                    reason = (
                        f"{k} x {d.config.label()} carry {k * d.capacity:.4g} req/s on the same "
                        f"GPUs (this layout {c.capacity:.4g} req/s)"
                    )
                    break
        out.append(replace(c, capacity=0.0, reason=reason) if reason else c)
    return out


def candidates(problem: ServingProblem) -> list[Candidate]:
    """Every layout in every allowed role, usable or not (usable ones first, cheapest per QPS)."""
    return candidates_within(problem)[0]


def method_result(
    problem: ServingProblem, method: str, status: Status, started: float, **fields: Any
) -> Result:
    """A serving method's :class:`Result`, timed from ``started`` (``time.perf_counter()``)."""
    return Result(
        "serve",
        problem.name,
        method,
        status,
        runtime_s=time.perf_counter() - started,
        **fields,
    )


def no_candidate_result(
    problem: ServingProblem,
    method: str,
    cands: list[Candidate],
    started: float,
    stats: dict[str, Any],
) -> Result:
    """INFEASIBLE: no layout meets the SLOs (the reason names why the best ones fail)."""
    from planner.serve.explain import explain_no_candidate

    return method_result(
        problem,
        method,
        Status.INFEASIBLE,
        started,
        stats=stats,
        reason=explain_no_candidate(problem, cands),
    )


def incomplete_reason(cands: list[Candidate], found: bool = True) -> str:
    """What a method says when the time limit stopped the capacity computations (``found``:
    whether it returns a plan; without one it said "a plan is the best among them")."""
    head = f"time limit reached after {len(cands)} candidate layouts (not all evaluated): "
    if not found:
        return head + "none of them gives a plan; a longer --time-limit may find one"
    # the status says whether the plan is proven optimal: FEASIBLE, or OPTIMAL when a valid
    # bound proves it afterwards (planner.core.solve.certify; the lower bound's own pass may
    # evaluate the rest), so the reason says only what the method saw
    return head + "the plan is the best among them"


def group_capacity(problem: ServingProblem, group: ReplicaGroup) -> float:
    """Requests per second one replica of a plan's group sustains within the SLOs."""
    chunk = group.chunk_tokens or (PREFILL_CHUNK_TOKENS if group.role == "prefill" else 2048)
    key = engine_key(problem, group)
    cap, _, _ = role_capacity(
        *key[:7],
        group.role,
        int(chunk) if group.role != "decode" else 0,
        problem.traffic.with_qps(None),
        problem.slo,
        problem.online,
        problem.constraints.max_batch,
        problem.constraints.kv_admission,
        problem.constraints.kv_block_tokens,
        *key[7:],
    )
    return cap * group.pp * group.ep
