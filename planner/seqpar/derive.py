"""Cost models derived from :mod:`planner.perfmodel`: any model and GPU it knows.

:func:`derive` builds a :class:`~planner.seqpar.costmodel.TabulatedCost` for a
model (catalog name, ``config.json`` path or :class:`ModelSpec`) on ``gpus``
GPUs of one type, with every formula taken from perfmodel (no second copy):

* per-sequence time of a group of each type (degree × SP strategy: Ulysses
  all-to-all, ring attention, hybrid), as the share of a full group of such
  sequences (:func:`pack_count`) — :func:`planner.perfmodel.sequence.sequence_time`,
  tabulated at lengths spaced :data:`POINTS_PER_OCTAVE` per octave (linear in
  between; :func:`derive` measures the interpolation error at the midpoints
  from :data:`ERROR_FROM` tokens up and records it in ``source``; times are made non-decreasing in the length,
  which they are in perfmodel up to rounding);
* the fixed time of a group — ZeRO-3's per-micro-batch collectives over the
  cluster (:func:`planner.perfmodel.sequence.zero3_microbatch_time`);
* activation memory per token (all layers and the output layer,
  :mod:`planner.perfmodel.memory`, FlashAttention, no recompute, as FlexSP
  trains) and model states with ZeRO-3 over all GPUs; the memory per GPU is
  the capacity the driver reports minus the training headroom, the rule every
  training family uses (:func:`planner.perfmodel.memory.training_capacity`).

Ulysses types exist for degrees dividing the attention heads, ring types for
every degree, hybrid types (Ulysses inside a node, ring across nodes) for
degrees above the Ulysses part. Static SP uses ring attention (Megatron-LM
context parallelism).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from planner.core import validate
from planner.core.errors import InputError
from planner.seqpar.costmodel import HYBRID, RING, STRATEGIES, ULYSSES, Cluster, TabulatedCost

#: Grid of the tabulated times: from this length up, this many points per octave.
GRID_START = 16
POINTS_PER_OCTAVE = 8
#: Shortest length at which the interpolation error is measured (below, local token counts
#: of a few per GPU round to whole tokens and the times jump by a few percent of a few µs).
ERROR_FROM = 128
MB = 2**20


def pack_count(seq: int, degree: int, tokens_per_gpu: int) -> float:
    """Sequences of length ``seq`` a full group of ``degree`` holds (at least 1; fractional, so
    that the tabulated time stays smooth in the length).

    The tabulated time of a sequence is its share of such a full group's
    time: the collectives of a group move all its sequences at once, so their
    per-message latencies are shared (a group holding fewer sequences pays a
    little more than the table says; FlexSP's own model has no latency term).
    """
    return max(1.0, degree * tokens_per_gpu / max(1, seq))


@functools.lru_cache(maxsize=32)
def derive(
    model: str,
    gpu: str,
    gpus: int,
    *,
    gpus_per_node: int | None = None,
    nic_gbit_s: float | None = None,
    memory_gib: float | None = None,
    memory_headroom_gib: float | None = None,
    strategies: tuple[str, ...] = STRATEGIES,
    precision: str = "bf16",
) -> tuple[Cluster, TabulatedCost]:
    """The cluster and the tabulated cost model of ``model`` on ``gpus`` x ``gpu``.

    Parameters
    ----------
    model
        Catalog name (``llama-3.1-8b``) or path to a Hugging Face ``config.json``.
    gpu
        Catalog GPU name (``H100``, ``A100``...).
    gpus
        ``N``, a multiple of the node size.
    gpus_per_node, nic_gbit_s, memory_gib
        Overrides of the GPU's node size, NIC speed and memory (a memory override replaces the
        driver's figure too, as a GPU file restating ``memory_gib`` does).
    memory_headroom_gib
        GiB kept free per GPU (CUDA context, NCCL, fragmentation); default
        :func:`planner.perfmodel.memory.default_headroom_gib`.
    strategies
        SP strategies to offer (degree-1 groups always exist).
    precision
        GEMM precision.

    Raises
    ------
    InputError
        Unknown model, GPU or strategy; a cluster that is not whole nodes.
    """
    from planner.perfmodel import get_gpu, load_model
    from planner.perfmodel.memory import (
        GIB,
        head_activation_bytes,
        layer_activation_bytes,
        model_state_bytes,
        training_capacity,
    )
    from planner.perfmodel.sequence import sequence_time, ulysses_inner, zero3_microbatch_time

    bad = [s for s in strategies if s not in STRATEGIES]
    if bad or not strategies:
        raise InputError(
            f"{validate.arg('strategies')}: expected some of {', '.join(STRATEGIES)}, got {bad or '[]'}"
        )
    spec = load_model(model)
    hw = get_gpu(gpu)
    overrides = {
        k: v
        for k, v in (
            ("gpus_per_node", gpus_per_node),
            ("nic_gbit_s", nic_gbit_s),
            ("memory_gib", memory_gib),
        )
        if v is not None
    }
    if memory_gib is not None:  # the driver's and the runtime's figures belong to the catalog part
        overrides.update(usable_memory_gib=None, runtime_memory_gib=None)
    if overrides:
        hw = dataclasses.replace(hw, **overrides)
    G = hw.gpus_per_node
    if gpus % G:
        raise InputError(f"{validate.arg('gpus')}: {gpus} is not a multiple of the node size {G}")
    bad_headroom = memory_headroom_gib is not None and (
        isinstance(memory_headroom_gib, bool)
        or not isinstance(memory_headroom_gib, (int, float))
        or not 0 <= memory_headroom_gib < hw.usable_bytes / GIB
    )
    if bad_headroom:
        raise InputError(
            f"{validate.arg('memory_headroom_gib')}: expected GiB in [0, {hw.usable_bytes / GIB:.1f}) "
            f"(the {hw.name}'s capacity), got {memory_headroom_gib!r}"
        )
    memory_mb = training_capacity(hw, memory_headroom_gib) / MB
    if memory_mb <= 0:  # name the argument that left nothing, not the derived cluster field
        named = "memory_gib" if memory_gib is not None else "memory_headroom_gib"
        raise InputError(
            f"{validate.arg(named)}: the {hw.name}'s {hw.usable_bytes / GIB:.2f} GiB leave no "
            f"memory after the training headroom ({memory_mb * MB / GIB:.2f} GiB)"
        )
    cluster = Cluster(gpus=gpus, gpus_per_node=G, memory_mb=memory_mb)

    probe = 4096
    moe_layers = spec.moe_layers
    act = 0.0
    for moe, count in ((False, spec.layers - moe_layers), (True, moe_layers)):
        if count:
            act += count * layer_activation_bytes(
                spec, micro_batch=1, seq=probe, tp=1, moe=moe, flash=True
            )
    act += head_activation_bytes(spec, micro_batch=1, seq=probe, tp=1)
    act_mb = act / probe / MB
    states = sum(model_state_bytes(spec.params_total, zero=3, shards=gpus)) * gpus / MB

    types: list[tuple[int, str]] = [(1, ULYSSES)]
    d = 2
    while d <= gpus:
        for st in STRATEGIES:
            if st not in strategies:
                continue
            if st == ULYSSES and spec.heads % d:
                continue
            if st == HYBRID:
                u = ulysses_inner(spec, hw, d)
                if u < 2 or d // u < 2:
                    continue
            types.append((d, st))
        d *= 2
    fixed = zero3_microbatch_time(spec, hw, gpus) * 1000.0
    top = max(dd for dd, _ in types)
    longest = max(GRID_START * 2, top * math.floor(max(0.0, memory_mb - states / gpus) / act_mb))
    octaves = math.log2(longest / GRID_START)
    count = max(2, math.ceil(octaves * POINTS_PER_OCTAVE) + 1)
    grid = np.unique(np.round(np.geomspace(GRID_START, longest, count)).astype(np.int64))
    grid = np.concatenate([[1], grid])

    c = math.floor(max(0.0, memory_mb - states / gpus) / act_mb)

    def time_ms(seq: int, degree: int, st: str) -> float:
        batch = pack_count(int(seq), degree, c)
        t = sequence_time(spec, hw, int(seq), degree, st, precision=precision, batch=batch)
        return t * 1000.0

    rows = [
        tuple(np.maximum.accumulate([time_ms(s, dd, st) for s in grid.tolist()]).tolist())
        for dd, st in types
    ]
    # interpolation error at the grid's midpoints from ERROR_FROM tokens up, over all types
    worst = 0.0
    mids = np.round(np.sqrt(grid[1:-1].astype(float) * grid[2:])).astype(np.int64)
    mids = mids[mids >= ERROR_FROM]
    for (dd, st), row in zip(types, rows, strict=True):
        for m in mids[::2]:
            exact = time_ms(int(m), dd, st)
            approx = float(np.interp(m, grid, row))
            worst = max(worst, abs(approx - exact) / exact)
    cost = TabulatedCost(
        name=f"{spec.name} on {hw.name}",
        grid=tuple(grid.tolist()),
        types=tuple(types),
        time_ms=tuple(rows),
        fixed=(fixed,) * len(types),
        activation_mb_per_token=act_mb,
        model_states_mb=states,
        heads=spec.heads,
        static_strategy=RING if RING in strategies else strategies[0],
        source={
            "model": spec.name,
            "gpu": hw.name,
            "gpus": gpus,
            "gpus_per_node": G,
            "nic_gbit_s": hw.nic_gbit_s,
            "memory_gib": hw.memory_gib,
            "precision": precision,
            "strategies": list(strategies),
            "interpolation_error": round(worst, 6),
            "interpolation_error_from_tokens": ERROR_FROM,
            "derived_by": "planner.seqpar.derive (planner.perfmodel.sequence)",
        },
    )
    return cluster, cost
