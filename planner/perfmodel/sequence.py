"""One sequence in one sequence-parallel (SP) group: Ulysses all-to-all, ring attention, or both.

A group of ``d`` GPUs trains one sequence of ``s`` tokens, forward and
backward through every layer, the LM head and the embedding; this module
gives the time one GPU of the group spends, built from the training layer of
:mod:`planner.perfmodel.stage` (no second copy of any kernel or collective):

``ulysses`` (DeepSpeed-Ulysses)
    Outside attention each GPU holds ``s/d`` tokens; an all-to-all before the
    attention core re-splits Q, K and V by heads and one after it returns the
    output by tokens, so every GEMM, the attention core and the element-wise
    work are split ``d`` ways: the kernels of a tensor-parallel layer with
    sequence parallelism at ``tp = d`` (whose tensor-parallel collectives are
    not part of Ulysses), plus :func:`ulysses_alltoall`. ``d`` must divide
    the attention heads.
``ring`` (context parallelism, Megatron-LM CP / ring attention)
    Each GPU holds ``s/d`` tokens and passes K/V blocks around the ring,
    overlapped with the attention core: the training layer at ``cp = d``,
    exposed ring time included. No head limit.
``hybrid``
    Ulysses among the ``u`` GPUs of a node (``u`` the largest power of two
    dividing the heads, at most the node size) and ring attention across the
    ``d/u`` nodes (USP / LoongTrain style): the layer at ``tp = u`` with
    sequence parallelism and ``cp = d/u``, its kernels and exposed ring time
    (:func:`ring_exposed`) plus the Ulysses all-to-all among the ``u``.

The LM head and embedding work on the GPU's ``s/d`` tokens in every strategy.

:func:`zero3_microbatch_time` is the per-micro-batch cost of ZeRO-3 over the
whole cluster (weights all-gathered for the forward and again for the
backward, gradients reduce-scattered), the fixed time every group of a
micro-batch pays (FlexSP's ``β₁``).
"""

from __future__ import annotations

from planner.perfmodel import comm
from planner.perfmodel.hardware import GpuSpec, Pool
from planner.perfmodel.layer import ACT_BYTES
from planner.perfmodel.memory import WEIGHT_BYTES
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.stage import TrainingStep, end_costs, layer_time

STRATEGIES = ("ulysses", "ring", "hybrid")
#: All-to-alls per layer in each direction: Q, K, V before the core, the output after it.
ULYSSES_ALLTOALLS = 4


def ulysses_width(model: ModelSpec) -> float:
    """Elements per token the Ulysses all-to-alls of one layer move in one direction (Q, K, V,
    output). MLA moves the up-projected per-head keys and values (``k_dim``, ``v_dim``); it was
    ``2 kv_heads x head_dim`` with ``head_dim = hidden / heads``, 10,240 instead of 40,960
    elements for DeepSeek-V2 (s17audit)."""
    return model.q_dim + model.k_dim + model.v_dim + model.attn_out_dim


def ulysses_alltoall(
    model: ModelSpec, gpu: GpuSpec, tokens: float, degree: int, per_node: int
) -> float:
    """Seconds of one layer's Ulysses all-to-alls, forward and backward, for ``tokens`` local tokens.

    Each of the four tensors moves ``tokens × width × 2`` bytes per GPU over
    the group (:func:`planner.perfmodel.comm.all_to_all`); the backward moves
    their gradients the same way.
    """
    if degree <= 1:
        return 0.0
    fab = comm.fabric_of(gpu)
    share = ulysses_width(model) / ULYSSES_ALLTOALLS
    one = comm.all_to_all(tokens * share * ACT_BYTES, degree, per_node, fab)
    return 2 * ULYSSES_ALLTOALLS * one


def ulysses_inner(model: ModelSpec, gpu: GpuSpec, degree: int) -> int:
    """Ulysses degree of a hybrid group: the largest power of two dividing the heads, within a node."""
    u = 1
    while u * 2 <= min(degree, gpu.gpus_per_node) and model.heads % (u * 2) == 0:
        u *= 2
    return u


def _step(
    model: ModelSpec,
    seq: int,
    precision: str,
    *,
    tp: int = 1,
    cp: int = 1,
    recompute: str,
    flash: bool,
    batch: int = 1,
) -> TrainingStep:
    return TrainingStep(
        model=model,
        seq=seq,
        precision=precision,
        microbatch=batch,
        tp=tp,
        pp=1,
        dp=1,
        cp=cp,
        recompute=recompute,
        sequence_parallel=tp > 1,
        flash_attention=flash,
    )


def _layers(model: ModelSpec, step: TrainingStep, gpu: GpuSpec) -> tuple[float, float, float]:
    """Seconds of all layers, forward + backward + recompute: (kernels, communication, host).

    The host wait for per-expert launches (MoE layers) is part of the training layer's
    ``comm_fwd`` / ``comm_bwd``; it is returned apart because it does not depend on the
    sequence-parallel strategy, whose collectives replace the communication here.
    """
    kernels = comm_t = host = 0.0
    moe_layers = model.moe_layers
    for moe, count in ((False, model.layers - moe_layers), (True, moe_layers)):
        if count:
            c = layer_time(step, gpu, moe)
            kernels += count * (c.fwd + c.bwd + c.recompute)
            comm_t += count * (c.comm_fwd + c.comm_bwd - c.host)
            host += count * c.host
    return kernels, comm_t, host


def ring_exposed(
    model: ModelSpec,
    gpu: GpuSpec,
    seq: int,
    tp: int,
    cp: int,
    *,
    precision: str = "bf16",
    recompute: str = "none",
    flash: bool = True,
    batch: int = 1,
) -> float:
    """Seconds of ring-attention exchange not hidden by the attention core, all layers.

    The training layer's communication at ``cp`` ranks minus that of the same
    ``s/cp`` local tokens without context parallelism (the tensor-parallel
    part, identical in both).
    """
    if cp <= 1:
        return 0.0
    kw = dict(recompute=recompute, flash=flash, batch=batch)
    _, with_ring, _ = _layers(model, _step(model, seq, precision, tp=tp, cp=cp, **kw), gpu)
    local = max(1, round(seq / cp))
    _, without, _ = _layers(model, _step(model, local, precision, tp=tp, **kw), gpu)
    return max(0.0, with_ring - without)


def sequence_time(
    model: ModelSpec,
    gpu: GpuSpec,
    seq: int,
    degree: int,
    strategy: str = "ulysses",
    *,
    precision: str = "bf16",
    recompute: str = "none",
    flash: bool = True,
    batch: float = 1,
) -> float:
    """Seconds one GPU of a ``degree``-GPU SP group spends training one ``seq``-token sequence.

    With ``batch`` > 1, ``batch`` such sequences are packed into the group's
    micro-batch (each attends to itself only; a fractional count is allowed,
    every term is linear in it but the latencies) and the time returned is
    per sequence: the collectives' per-message latencies are shared, as they
    are when a group holds several sequences.

    Raises
    ------
    ValueError
        Unknown strategy, or a Ulysses degree that does not divide the heads.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown SP strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    G = gpu.gpus_per_node
    pool = Pool(gpu, max(degree, 1))
    kw = dict(recompute=recompute, flash=flash, batch=batch)
    emb, head = end_costs(_step(model, seq, precision, cp=degree, **kw), pool)
    ends = emb + head.fwd + head.bwd
    tokens = seq * batch / degree  # local tokens of the Ulysses all-to-alls
    if degree <= 1:
        kernels, comm_t, host = _layers(model, _step(model, seq, precision, **kw), gpu)
        total = kernels + comm_t + host + ends
    elif strategy == "ulysses":
        if model.heads % degree:
            raise ValueError(f"Ulysses degree {degree} does not divide {model.heads} heads")
        kernels, _, host = _layers(model, _step(model, seq, precision, tp=degree, **kw), gpu)
        a2a = model.layers * ulysses_alltoall(model, gpu, tokens, degree, min(degree, G))
        total = kernels + a2a + host + ends
    elif strategy == "ring":
        kernels, comm_t, host = _layers(model, _step(model, seq, precision, cp=degree, **kw), gpu)
        total = kernels + comm_t + host + ends
    else:
        u = ulysses_inner(model, gpu, degree)
        r = degree // u
        kernels, _, host = _layers(model, _step(model, seq, precision, tp=u, cp=r, **kw), gpu)
        exposed = ring_exposed(model, gpu, seq, u, r, precision=precision, **kw)
        a2a = model.layers * ulysses_alltoall(model, gpu, tokens, u, min(u, G))
        total = kernels + exposed + a2a + host + ends
    return total / batch


def zero3_microbatch_time(model: ModelSpec, gpu: GpuSpec, gpus: int) -> float:
    """Seconds of ZeRO-3's collectives per micro-batch over ``gpus`` GPUs, not overlapped.

    Two all-gathers of the 16-bit weights (forward, and again for the
    backward) and one reduce-scatter of the 16-bit gradients.
    """
    if gpus <= 1:
        return 0.0
    fab = comm.fabric_of(gpu)
    size = model.params_total * WEIGHT_BYTES
    per_node = min(gpu.gpus_per_node, gpus)
    gather = comm.all_gather(size, gpus, per_node, fab)
    return 2 * gather + comm.reduce_scatter(size, gpus, per_node, fab)
