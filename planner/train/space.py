"""The decision space of training plans: candidate values of every decision and structural checks.

The space (per decision, after the user's fixed values):

* ``tp``: divisors of the attention heads that also divide the KV heads
  (GQA groups are not split) and the FFN width(s), that tile the nodes
  (divide the GPUs per node or are a multiple of it) and fit the GPU budget; on one pool
  also those below the node size, for plans within one node (:func:`tp_gpu_limit`);
* ``cp``: powers of two with ``seq % (2 cp) == 0`` (load-balanced causal
  split), at most ``MAX_CP`` and at least ``MIN_CP_TOKENS`` tokens per rank;
* ``ep``: divisors of the routed experts that divide ``dp`` (1 for dense models); with
  an expert tensor-parallel size below ``tp``, those with ``expert_tp * ep`` dividing
  ``tp * cp * dp`` (:func:`experts_fit`);
* ``expert_tp`` (MoE, with ``search_expert_tp``): every divisor of ``tp`` (the routed
  experts fold over the TP ranks; :func:`expert_tps`), below ``tp`` only with sequence
  parallelism (each TP rank dispatches its own sequence shard; Megatron-Core's MoE layer
  refuses TP without it in training, ``moe_layer.py``);
* ``microbatch``: divisors of the global batch;
* ``pp``: 1 .. layers (stages balanced to within one layer on a homogeneous
  cluster); ``dp``: any value with ``dp * microbatch | global_batch`` and
  ``tp * pp * dp * cp`` within the budget;
* ``interleave``: ``v > 1`` needs ``pp >= 2``, ``microbatches % pp == 0``
  (Megatron-LM's interleaved schedule) and at least ``v`` layers on every
  stage; ``v`` divides ``floor(L / p)`` or ``ceil(L / p)`` (uneven chunks
  when ``p v`` does not divide the layers; ``even_stages`` keeps only ``p`` and
  ``p v`` dividing the layers);
* ``shard_group``: with ZeRO >= 1 and ``hsdp``, every proper divisor of ``dp * cp``
  (states sharded inside groups of that size, replicated across: :func:`shard_groups`);
* ``recompute``: none / selective / full / offload (activations to host memory), and
  full over the first ``k`` layers of every stage (``recompute_layers``, Megatron's
  block method) with ``1 <= k < ceil(L / p)`` and every stage holding at least ``k``
  layers (:func:`recompute_layer_counts`): recompute only what memory requires, i.e.
  for a layout that does not fit without recomputation (under any split) the least
  ``k`` with which it fits (a fixed ``recompute_layers`` keeps exactly its ``k``;
  searched with ``partial_recompute`` or a fixed ``k``);
  ``zero``: 0-3 (2 and 3 only
  without pipeline parallelism, as in DeepSpeed/FSDP); ``sequence_parallel``
  only with ``tp > 1`` and ``tp`` dividing the ``seq / cp`` tokens of a rank, and always
  for a mixture-of-experts model with ``tp > 1`` (:func:`sequence_parallel_values`).

With ``framework`` set, every list keeps only what that framework can launch
(:func:`framework_of`, :mod:`planner.train.frameworks`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from planner.train.frameworks import Framework, megatron_fixed_rule, profile, shard_group_ok
from planner.train.instance import RECOMPUTE, TrainingPlan, TrainingProblem

#: Largest context-parallel size considered.
MAX_CP = 32
#: Fewest tokens per context-parallel rank.
MIN_CP_TOKENS = 256


def divisors(n: int) -> list[int]:
    """Positive divisors of ``n`` in increasing order (a new list: callers may change it)."""
    return list(_divisors(n))


@functools.lru_cache(maxsize=4096)  # pure; the search asks for the same few n thousands of times
def _divisors(n: int) -> tuple[int, ...]:
    small, large = [], []
    i = 1
    while i * i <= n:
        if n % i == 0:
            small.append(i)
            if i * i != n:
                large.append(n // i)
        i += 1
    return tuple(small + large[::-1])


@dataclass(frozen=True)
class Space:
    """Candidate values of the per-layer decisions (the rest are enumerated by the search)."""

    tps: tuple[int, ...]
    cps: tuple[int, ...]
    eps: tuple[int, ...]
    microbatches: tuple[int, ...]
    recomputes: tuple[str, ...]
    zeros: tuple[int, ...]
    budget: int
    partial: bool = False  # full recompute of k layers per stage (recompute_layers = k)


def tp_ok(problem: TrainingProblem, t: int) -> bool:
    """Whether ``t`` is a valid tensor-parallel size for the model and the nodes.

    Besides dividing heads, KV heads and FFN widths, a TP group must stay inside a node
    (NVLink domain) or span whole nodes: ``t`` divides the GPUs per node or is a multiple
    of it, or (one pool) the plan fits one node (:func:`tp_gpu_limit`).
    """
    return not tp_violations(problem, t)


def tiles(t: int, gpus_per_node: int) -> bool:
    """Whether TP groups of ``t`` consecutive ranks never straddle two nodes, whatever the
    plan's size: ``t`` divides the node or is a multiple of it (whole nodes)."""
    return not (gpus_per_node % t and t % gpus_per_node)


def tp_gpu_limit(problem: TrainingProblem, t: int) -> int:
    """Most GPUs a plan with tensor-parallel size ``t`` may use (0: none).

    Megatron puts a TP group on ``t`` consecutive ranks (TP is the fastest rank dimension,
    ``parallel_state`` order ``tp-cp-ep-dp-pp``) and the model fills each node (NVLink
    domain) of ``G`` GPUs with ``G`` consecutive ranks (:func:`~planner.perfmodel.comm.
    per_node`). A group straddles two nodes exactly when a node boundary, a multiple of
    ``G`` below the plan's GPUs, is not a multiple of ``t``: never when ``t`` tiles the
    nodes (:func:`tiles`); otherwise (``t < G``, e.g. TP 16 in a 72-GPU NVL72 rack: ranks
    64-79 span two racks) only when the plan fits one node, i.e. uses at most ``G`` GPUs.
    Several pools: tiling only.
    """
    pools = problem.cluster.pools
    if all(tiles(t, pool.gpus_per_node) for pool in pools):
        return problem.gpu_budget
    if len(pools) == 1 and t < pools[0].gpus_per_node:
        return min(problem.gpu_budget, pools[0].gpus_per_node)
    return 0


def straddle_reason(problem: TrainingProblem, t: int, gpus: int) -> str:
    """Why ``gpus`` GPUs with TP ``t`` straddle nodes (empty when they do not)."""
    if gpus <= tp_gpu_limit(problem, t):
        return ""
    pool = problem.cluster.pools[0]
    G = pool.gpus_per_node
    first = G // t * t  # the first group across a node boundary starts here
    return (
        f"tp={t} with {gpus} GPUs: Megatron puts a TP group on {t} consecutive ranks and "
        f"the {G}-GPU nodes (NVLink domains) of {pool.label} hold {G} consecutive ranks "
        f"each, so ranks {first}-{first + t - 1} span two nodes; tp={t} fits only a plan of "
        f"at most {G} GPUs, or a placement of a multiple of {t} ranks per node (--gpus-per-node "
        f"{first}: NVIDIA's Megatron-Bridge launcher asks Slurm for --segment, the largest "
        "divisor of the node count up to 18 four-GPU trays, e.g. 64 GPUs per NVL72 rack on its "
        "64- and 256-GPU GB200 runs)"
    )


def tp_violations(problem: TrainingProblem, t: int) -> list[str]:
    """The conditions of :func:`tp_ok` that ``t`` breaks, in words (empty when valid)."""
    m = problem.model
    fits_one = tp_gpu_limit(problem, t) > 0
    out = [
        f"tile the {pool.gpus_per_node}-GPU nodes of {pool.label}"
        for pool in problem.cluster.pools
        if not tiles(t, pool.gpus_per_node) and not fits_one
    ]
    if m.heads % t:
        out.append(f"divide the {m.heads} attention heads")
    if not m.is_mla and m.kv_heads % t:
        out.append(f"divide the {m.kv_heads} KV heads")
    if m.ffn % t:
        out.append(f"divide the FFN width {m.ffn}")
    if m.is_moe and m.moe_ffn % t:
        out.append(f"divide the expert FFN width {m.moe_ffn}")
    return out


def cp_ok(problem: TrainingProblem, cp: int) -> bool:
    """Whether ``cp`` is a valid context-parallel size for the sequence length."""
    s = problem.workload.seq_len
    if cp == 1:
        return True
    return cp & (cp - 1) == 0 and s % (2 * cp) == 0 and cp <= MAX_CP and s // cp >= MIN_CP_TOKENS


def framework_of(problem: TrainingProblem) -> Framework | None:
    """The profile of the problem's ``framework`` constraint (``None``: no restriction)."""
    return profile(problem.constraints.framework)


def space(problem: TrainingProblem) -> Space:
    """Candidate values after the problem's fixed decisions, limits and framework."""
    c, m, wl = problem.constraints, problem.model, problem.workload
    fw = framework_of(problem)
    n = problem.gpu_budget
    tps = [t for t in divisors(m.heads) if t <= n and tp_ok(problem, t)]
    if c.max_tp is not None:
        tps = [t for t in tps if t <= c.max_tp]
    if c.tp is not None:
        tps = [t for t in tps if t == c.tp]
    cps = [x for x in (1, 2, 4, 8, 16, 32) if x <= n and cp_ok(problem, x)]
    if c.cp is not None:
        cps = [x for x in cps if x == c.cp]
    eps = divisors(m.num_experts) if m.is_moe else [1]
    if c.ep is not None:
        eps = [x for x in eps if x == c.ep]
    bs = divisors(wl.global_batch)
    if c.microbatch is not None:
        bs = [b for b in bs if b == c.microbatch]
    rcs = list(RECOMPUTE) if c.recompute is None else [c.recompute]
    partial = "full" in rcs and (c.partial_recompute or bool(c.recompute_layers))
    if c.recompute_layers:  # a fixed k: only full recompute of k layers per stage
        rcs = []
    zeros = [0, 1, 2, 3] if c.zero is None else [c.zero]
    if fw is not None:
        tps = tps if fw.tp else [t for t in tps if t == 1]
        cps = cps if fw.cp else [x for x in cps if x == 1]
        eps = eps if fw.ep else [x for x in eps if x == 1]
        rcs = [r for r in rcs if r in fw.recomputes]
        partial = partial and fw.partial and "full" in fw.recomputes
        zeros = [z for z in zeros if z in fw.zeros]
        if fw.name == "megatron" and megatron_fixed_rule(problem):
            tps = []  # no plan: the search ends at once, explain names the rule
    return Space(
        tuple(tps), tuple(cps), tuple(eps), tuple(bs), tuple(rcs), tuple(zeros), n, partial
    )


def recompute_layer_counts(problem: TrainingProblem, pp: int) -> range:
    """Layers ``k`` recomputed per stage by partial recompute on ``pp`` stages.

    ``1 <= k`` below the largest stage (``k`` at or above it is full recompute), every
    stage holding at least ``k`` layers (as Megatron's block method assumes): ``k <=
    floor(L / p)`` and ``k < ceil(L / p)``; with fixed stages ``k`` is at most the
    smallest and below the largest; a fixed ``recompute_layers`` keeps only itself.
    """
    c, L = problem.constraints, problem.model.layers
    fw = framework_of(problem)
    if fw is not None and not fw.partial:
        return range(0)
    if c.stage_layers is not None:
        top = min(min(c.stage_layers), max(c.stage_layers) - 1)
    else:
        top = min(L // pp, -(-L // pp) - 1)
    if c.recompute_layers:
        k = c.recompute_layers
        return range(k, k + 1) if k <= top else range(0)
    return range(1, top + 1)


def sequence_parallel_values(problem: TrainingProblem, t: int, cp: int) -> list[bool]:
    """Sequence-parallel choices for tensor-parallel size ``t`` and context-parallel size
    ``cp``: only with ``t > 1``, and then required by mixture-of-experts models. Megatron-Core
    refuses to train an MoE layer with TP and without SP (NVIDIA/Megatron-LM d98e8a6,
    ``megatron/core/transformer/moe/moe_layer.py`` line 636: ``if self.training and
    self.attn_tp_group.size() > 1 and not self.config.sequence_parallel: raise ValueError``).
    SP needs the ``seq / cp`` tokens of a rank to divide by ``t``
    (:func:`sp_divides`); without that no value is allowed where SP is required. A fixed
    value is kept if allowed."""
    values = [False, True] if t > 1 else [False]
    fw = framework_of(problem)
    if t > 1 and (problem.model.is_moe or (fw is not None and fw.sequence_parallel == "always")):
        values = [True]
    if not sp_divides(problem.workload.seq_len, t, cp):
        values = [x for x in values if not x]
    if fw is not None and fw.sequence_parallel == "never":
        values = [x for x in values if not x]
    fixed = problem.constraints.sequence_parallel
    return [x for x in values if fixed is None or x == fixed]


def sp_divides(seq_len: int, t: int, cp: int) -> bool:
    """Whether sequence parallelism can split a rank's ``seq_len / cp`` tokens over ``t`` TP
    ranks: Megatron-Core scatters and reduce-scatters the sequence (first) dimension and
    asserts it divides (NVIDIA/Megatron-LM 00caa53a, ``megatron/core/tensor_parallel/
    mappings.py``, ``_split_along_first_dim`` / ``_reduce_scatter_along_first_dim``: "First
    dimension of the tensor should be divisible by tensor parallel size"); a 4,097-token
    sequence cannot run SP on 8 TP ranks."""
    return t <= 1 or (seq_len % cp == 0 and (seq_len // cp) % t == 0)


def expert_tps(problem: TrainingProblem, t: int) -> list[int]:
    """Expert tensor-parallel sizes of plans with tensor-parallel size ``t`` (``0`` = ``t``).

    With ``search_expert_tp`` an MoE model's routed experts may be split over any divisor
    of ``t`` (Megatron-Core's MoE parallel folding: ``--expert-tensor-parallel-size``,
    default the TP size, ``megatron/training/arguments.py``); sizes above ``t``, legal
    there too, are not priced by :mod:`planner.perfmodel` and not searched. A fixed
    ``expert_tp`` keeps only itself (a dense model only ``t`` itself).
    """
    c, m = problem.constraints, problem.model
    fw = framework_of(problem)
    if c.expert_tp is not None:
        if c.expert_tp == t:
            return [0]
        ok = m.is_moe and t % c.expert_tp == 0 and (fw is None or fw.expert_tp)
        return [c.expert_tp] if ok else []
    if m.is_moe and c.search_expert_tp and (fw is None or fw.expert_tp):
        return [0] + [e for e in divisors(t) if e < t]
    return [0]


def experts_fit(t: int, cp: int, dp: int, ep: int, etp: int) -> bool:
    """Whether ``ep`` expert-parallel ranks fit a plan's ``tp * cp * dp`` ranks per stage.

    With expert TP equal to TP (``etp`` 0 or ``t``) the EP ranks are data-parallel
    ranks (``ep | dp``). Below it the experts fold over the TP (and CP) ranks: Megatron-Core
    needs ``etp * ep * pp`` to divide the world size (``parallel_state.
    initialize_model_parallel``: "world_size is not divisible by
    expert_tensor_model_pipeline_parallel size"), i.e. ``etp * ep | tp * cp * dp``.
    """
    if not etp or etp == t:
        return dp % ep == 0
    return (t * cp * dp) % (etp * ep) == 0


def pipeline_sizes(problem: TrainingProblem, t: int, cp: int) -> list[int]:
    """Pipeline sizes allowed for ``t`` and ``cp``."""
    c = problem.constraints
    fw = framework_of(problem)
    limit = min(problem.model.layers, problem.gpu_budget // (t * cp))
    if fw is not None and not fw.pp:
        limit = min(limit, 1)
    sizes = list(range(1, limit + 1))
    if c.even_only:
        sizes = [p for p in sizes if problem.model.layers % p == 0]
    if c.pp is not None:
        return [c.pp] if c.pp in sizes else []
    return sizes


def interleaves(problem: TrainingProblem, pp: int, microbatches: int) -> list[int]:
    """Interleaving factors allowed for ``pp`` stages and ``microbatches``."""
    c = problem.constraints
    L = problem.model.layers
    fw = framework_of(problem)
    out = [1]
    if pp >= 2 and microbatches % pp == 0 and (fw is None or fw.interleave):
        # every chunk keeps at least one layer; chunk sizes follow the stage sizes
        # (uneven when p v does not divide the layers: step_time.chunk_layers)
        fewest = min(c.stage_layers) if c.stage_layers is not None else L // pp
        cands = set(divisors(L // pp)) | set(divisors(-(-L // pp)))
        out += sorted(v for v in cands if 1 < v <= fewest)
        if c.even_only:
            out = [v for v in out if L % (pp * v) == 0]
    if c.interleave is not None:
        out = [v for v in out if v == c.interleave]
    return out


def shard_groups(problem: TrainingProblem, dp: int, cp: int, zero: int) -> list[int]:
    """Hybrid-sharding groups of a plan (``0`` = all ``dp * cp`` ranks): with ZeRO >= 1 and
    ``hsdp`` every proper divisor of ``dp * cp`` too (a fixed ``shard_group`` only itself)."""
    c = problem.constraints
    fw = framework_of(problem)
    node = problem.cluster.pools[0].gpus_per_node
    if c.shard_group is not None:
        g = c.shard_group
        ok = g == 0 or (zero >= 1 and (dp * cp) % g == 0)
        ok = ok and (fw is None or shard_group_ok(fw, g, node))
        return [g] if ok else []
    if zero < 1 or not c.hsdp:
        return [0]
    groups = [g for g in divisors(dp * cp) if g < dp * cp]
    if fw is not None:
        groups = [g for g in groups if shard_group_ok(fw, g, node)]
    return [0, *groups]


def least_stage_layers(plan: TrainingPlan) -> int:
    """Fewest layers a stage of ``plan`` may hold: one per chunk, and with partial recompute
    of ``k`` layers per stage at least ``k`` (:func:`recompute_layer_counts`)."""
    k = plan.recompute_layers if plan.recompute == "full" else 0
    return max(1, plan.interleave, k)


def structural_violations(problem: TrainingProblem, plan: TrainingPlan) -> list[str]:
    """Reasons ``plan`` is not in the decision space (empty when it is).

    Used by the search to state why a fixed combination is impossible; the
    family's independent :func:`planner.train.evaluate.verify` re-checks
    every returned plan on its own.
    """
    out: list[str] = []
    wl = problem.workload
    if plan.gpus > problem.gpu_budget:
        out.append(
            f"tp*pp*dp*cp = {plan.tp}*{plan.pp}*{plan.dp}*{plan.cp} = {plan.gpus} GPUs exceeds "
            f"the budget of {problem.gpu_budget}"
        )
    if wl.global_batch % (plan.dp * plan.microbatch):
        out.append(
            f"global batch {wl.global_batch} is not divisible by dp*microbatch = "
            f"{plan.dp}*{plan.microbatch} = {plan.dp * plan.microbatch}"
        )
    if not tp_ok(problem, plan.tp):
        m = problem.model
        out.append(
            f"tp={plan.tp} must divide the attention heads ({m.heads}), KV heads ({m.kv_heads}) "
            f"and FFN width ({m.ffn}), and divide (or be a multiple of) the GPUs per node"
        )
    elif straddle_reason(problem, plan.tp, plan.gpus):
        out.append(straddle_reason(problem, plan.tp, plan.gpus))
    if not cp_ok(problem, plan.cp):
        out.append(
            f"cp={plan.cp} must be a power of two <= {MAX_CP} with seq_len % (2 cp) == 0 and "
            f">= {MIN_CP_TOKENS} tokens per rank"
        )
    if plan.pp > problem.model.layers:
        out.append(f"pp={plan.pp} exceeds the {problem.model.layers} layers")
    return out
