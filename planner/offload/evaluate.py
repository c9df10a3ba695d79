"""Modeled time of a residency plan, recomputed from scratch, and its feasibility.

The cost model (README, offload section). For every step ``s`` and MoE layer ``l``:

* GPU time: the shared experts on all of the step's tokens, plus one call per
  resident routed expert that received tokens;
* CPU time: one call per non-resident routed expert that received tokens;
* the GPU and the CPU work in parallel: compute = max(GPU time, CPU time);
* copy time: the routed experts resident at ``s`` but not at ``s - 1`` (or
  not in the initial set at ``s = 0``) are copied host-to-device; evicting is
  free (the CPU keeps every expert's weights);
* without overlap the layer takes compute + copy; with overlap a layer's
  copies run during the previous layer's compute (layer ``l - 1`` of the same
  step; for layer 0 the last layer of the previous step), so only
  ``max(0, copy - previous compute)`` is added.

The objective is the sum over steps and layers, in seconds. Nothing here
touches a solver model: ``verify`` checks the plan's shape and budget, and
``evaluate`` recomputes the cost of the plan, chunk of steps by chunk of
steps, with the cost terms of :mod:`planner.perfmodel.experts` (not with the
methods' :func:`planner.offload.policy.plan_times`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.offload.instance import CHUNK_CELLS, Instance, Solution
from planner.perfmodel.experts import (
    copy_seconds_per_expert,
    expert_calls_time,
    expert_time,
    hidden_copy_time,
)

# the version tag of the plan summary that ``planner plan serve --offload`` reads
from planner.perfmodel.offload_serving import PLAN_FORMAT


def verify(instance: Instance, solution: Solution) -> list[str]:
    """Violations of ``solution`` (empty when it is a valid plan).

    Checks: one entry per step, one set per layer, expert ids are integers in
    ``0..experts-1`` without repeats, and at every step the routed experts plus
    the shared experts fit the budget (per layer, or summed over layers).
    """
    resident = getattr(solution, "resident", None)
    if not isinstance(resident, list):
        return [f"resident must be a list of steps, got {type(resident).__name__}"]
    problems: list[str] = []
    S, L, E = instance.steps, instance.layers, instance.experts
    shared = instance.model.shared_experts
    hw = instance.hardware
    if len(resident) == S and plainly_valid(instance, resident):
        return []
    if len(resident) != S:
        problems.append(f"resident has {len(resident)} steps, the trace has {S}")
    for s, step in enumerate(resident[:S]):
        if not isinstance(step, (list, tuple)) or len(step) != L:
            n = len(step) if isinstance(step, (list, tuple)) else type(step).__name__
            problems.append(f"step {s}: {n} layers, the model has {L}")
            continue
        used = 0
        for layer, ids in enumerate(step):
            if not isinstance(ids, (list, tuple)):
                problems.append(f"step {s} layer {layer}: not a list of expert ids")
                continue
            seen: set[int] = set()
            for e in ids:
                if isinstance(e, bool) or not isinstance(e, (int, np.integer)):
                    problems.append(f"step {s} layer {layer}: {e!r} is not an expert id")
                elif not 0 <= e < E:
                    problems.append(f"step {s} layer {layer}: expert {e} out of range 0..{E - 1}")
                elif e in seen:
                    problems.append(f"step {s} layer {layer}: expert {e} listed twice")
                else:
                    seen.add(int(e))
            used += len(seen) + shared
            if hw.budget is not None and len(seen) + shared > hw.budget:
                problems.append(
                    f"step {s} layer {layer}: {len(seen)} routed + {shared} shared experts "
                    f"resident, budget {hw.budget}"
                )
        if hw.global_budget is not None and used > hw.global_budget:
            problems.append(
                f"step {s}: {used} experts resident over all layers (shared included), "
                f"global budget {hw.global_budget}"
            )
    return problems


def plainly_valid(instance: Instance, resident: list[Any]) -> bool:
    """True when ``resident`` (one entry per step) passes every check of :func:`verify`.

    The same checks with numpy over batches of rows, for long traces; a row that is the
    very object of the same layer one step before is checked once. False means "look
    closer": :func:`verify` then walks the plan row by row and names what is wrong.
    """
    L, E = instance.layers, instance.experts
    hw, shared = instance.hardware, instance.model.shared_experts
    lengths = np.empty((len(resident), L), dtype=np.int64)
    batch: list[Any] = []
    batch_ids = 0
    previous: Any = None
    for s, step in enumerate(resident):
        if not isinstance(step, (list, tuple)) or len(step) != L:
            return False
        for layer, ids in enumerate(step):
            if previous is not None and ids is previous[layer]:
                lengths[s, layer] = lengths[s - 1, layer]
                continue
            if not isinstance(ids, (list, tuple)):
                return False
            lengths[s, layer] = len(ids)
            batch.append(ids)
            batch_ids += len(ids)
        previous = step
        if batch_ids >= CHUNK_CELLS:
            if not rows_valid(batch, E):
                return False
            batch, batch_ids = [], 0
    if batch and not rows_valid(batch, E):
        return False
    if hw.budget is not None and (lengths + shared > hw.budget).any():
        return False
    used = lengths.sum(axis=1) + shared * L
    return hw.global_budget is None or bool((used <= hw.global_budget).all())


def rows_valid(rows: list[Any], experts: int) -> bool:
    """True when every row holds integer ids in ``0..experts-1`` without repeats."""
    flat = list(itertools.chain.from_iterable(rows))
    if not flat:
        return True
    if not all(t is int or issubclass(t, np.integer) for t in set(map(type, flat))):
        return False  # bools, floats, strings... (and int subclasses: the slow path decides)
    try:
        ids = np.array(flat, dtype=np.int64)
    except OverflowError:
        return False
    if ids.min() < 0 or ids.max() >= experts:
        return False
    row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    same_row = row[1:] == row[:-1]
    if (ids[1:][same_row] > ids[:-1][same_row]).all():
        return True  # sorted rows (what the methods write): no repeats
    return len(np.unique(row * experts + ids)) == len(ids)


@dataclass
class Breakdown:
    """Per (step, layer) parts of the modeled time, seconds, plus token and copy counts.

    Every array is ``[steps, layers]``.
    """

    gpu: np.ndarray
    cpu: np.ndarray
    compute: np.ndarray
    loads: np.ndarray
    copy: np.ndarray
    hidden: np.ndarray
    gpu_tokens: np.ndarray
    cpu_tokens: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Time of each (step, layer): compute plus the copy time not hidden."""
        return self.compute + self.copy - self.hidden

    @property
    def objective(self) -> float:
        """Modeled time of the whole trace, seconds."""
        return float(self.total.sum())


def breakdown(instance: Instance, solution: Solution, mask: np.ndarray | None = None) -> Breakdown:
    """The modeled time of a (verified) plan, part by part (numpy over chunks of steps).

    ``mask`` is the plan as a ``[steps, layers, experts]`` array when the caller built
    ``solution`` from it (:meth:`Solution.from_mask`): it saves converting the expert lists
    back; :func:`evaluate`, the certificate's check, always reads ``solution``.
    """
    counts = instance.counts
    S, L, E = counts.shape
    model, hw = instance.model, instance.hardware
    gpu_tok, gpu_call = hw.gpu_token_us * 1e-6, hw.gpu_call_us * 1e-6
    cpu_tok, cpu_call = hw.cpu_token_us * 1e-6, hw.cpu_call_us * 1e-6
    per_copy = copy_seconds_per_expert(
        model.expert_bytes, hw.h2d_gb_s * 1e9, hw.copy_latency_us * 1e-6
    )
    gpu, cpu, loads = np.empty((S, L)), np.empty((S, L)), np.empty((S, L))
    gpu_tokens, cpu_tokens = np.empty((S, L)), np.empty((S, L))
    previous = instance.initial_mask()  # resident set before the chunk's first step
    for lo, hi in instance.step_chunks():  # whole chunks of steps at once, bounded memory
        on_gpu = solution.mask(L, E, lo, hi) if mask is None else mask[lo:hi]
        c = counts[lo:hi]
        all_tokens = c.sum(axis=2, dtype=np.int64)
        shared = model.shared_experts * expert_time(all_tokens / model.top_k, gpu_tok, gpu_call)
        # per (step, layer): calls and tokens on each side (an expert with tokens is one call)
        used = c > 0
        all_calls = used.sum(axis=2)
        on_calls = (used & on_gpu).sum(axis=2)
        on_tokens = (c * on_gpu).sum(axis=2, dtype=np.int64)
        gpu[lo:hi] = shared + expert_calls_time(on_calls, on_tokens, gpu_tok, gpu_call)
        cpu[lo:hi] = expert_calls_time(
            all_calls - on_calls, all_tokens - on_tokens, cpu_tok, cpu_call
        )
        before = np.concatenate([previous[None], on_gpu[:-1]], axis=0)
        loads[lo:hi] = (on_gpu & ~before).sum(axis=2)
        gpu_tokens[lo:hi] = on_tokens
        cpu_tokens[lo:hi] = all_tokens - on_tokens
        previous = on_gpu[-1]
    compute = np.maximum(gpu, cpu)
    copy = loads * per_copy
    hidden = np.zeros((S, L))
    if hw.overlap:
        # a layer's copies hide behind the compute of the layer before in execution order
        # (layer l - 1 of the step, or the previous step's last layer); nothing before (0, 0)
        before_compute = np.concatenate([[0.0], compute.ravel()[:-1]]).reshape(S, L)
        hidden = hidden_copy_time(copy, before_compute, True)
    return Breakdown(
        gpu=gpu,
        cpu=cpu,
        compute=compute,
        loads=loads,
        copy=copy,
        hidden=hidden,
        gpu_tokens=gpu_tokens,
        cpu_tokens=cpu_tokens,
    )


def evaluate(instance: Instance, solution: Solution) -> float:
    """Modeled time of the plan in seconds (see the module docstring)."""
    return breakdown(instance, solution).objective


def summary(
    instance: Instance, solution: Solution, mask: np.ndarray | None = None
) -> dict[str, Any]:
    """Statistics of a plan and the summary the serving planner reads (``stats.plan``).

    Keys: ``time_s`` (objective), time per component (``gpu_s``, ``cpu_s``,
    ``compute_s``, ``copy_s``, ``hidden_copy_s``, ``exposed_copy_s``),
    ``bytes_copied``, ``loads``, ``gpu_tokens`` / ``cpu_tokens`` (routed
    token-expert assignments), ``hit_rate`` and ``plan`` (see docs/offload.md). ``mask``:
    the plan as an array, when ``solution`` was built from it (faster, same numbers).
    """
    b = breakdown(instance, solution, mask)
    model, hw = instance.model, instance.hardware
    routed = float(b.gpu_tokens.sum() + b.cpu_tokens.sum())
    hit_rate = float(b.gpu_tokens.sum()) / routed if routed else 1.0
    if mask is None:
        resident = np.array([[len(ids) for ids in step] for step in solution.resident])
    else:
        resident = mask.sum(axis=2)
    per_step = b.total.sum(axis=1)
    bytes_per_step = b.loads.sum(axis=1) * model.expert_bytes
    slots_max = int((resident + model.shared_experts).max(initial=0))
    slots_total_max = int((resident + model.shared_experts).sum(axis=1).max(initial=0))
    plan = {
        "format": PLAN_FORMAT,
        "model": model.name,
        "layers": model.layers,
        "experts": model.experts,
        "shared_experts": model.shared_experts,
        "top_k": model.top_k,
        "expert_bytes": model.expert_bytes,
        "budget_slots_per_layer": hw.budget,
        "global_budget_slots": hw.global_budget,
        "resident_slots_per_layer_max": slots_max,
        "resident_bytes_max": slots_total_max * model.expert_bytes,
        "overlap": hw.overlap,
        "h2d_gb_s": hw.h2d_gb_s,
        # the CPU the plan was made for (planner plan serve --offload prices misses with it)
        "cpu_token_us": hw.cpu_token_us,
        "cpu_call_us": hw.cpu_call_us,
        "hardware_source": hw.source,
        "steps": instance.steps,
        "hit_rate": hit_rate,
        "time_per_step_s": per_step.tolist(),
        "bytes_moved_per_step": bytes_per_step.astype(int).tolist(),
        "cpu_tokens_per_step": b.cpu_tokens.sum(axis=1).astype(int).tolist(),
        "mean_time_per_step_s": float(per_step.mean()),
        "mean_bytes_moved_per_step": float(bytes_per_step.mean()),
    }
    return {
        "time_s": b.objective,
        "gpu_s": float(b.gpu.sum()),
        "cpu_s": float(b.cpu.sum()),
        "compute_s": float(b.compute.sum()),
        "copy_s": float(b.copy.sum()),
        "hidden_copy_s": float(b.hidden.sum()),
        "exposed_copy_s": float((b.copy - b.hidden).sum()),
        "loads": int(b.loads.sum()),
        "bytes_copied": int(b.loads.sum()) * model.expert_bytes,
        "gpu_tokens": int(b.gpu_tokens.sum()),
        "cpu_tokens": int(b.cpu_tokens.sum()),
        "hit_rate": hit_rate,
        "plan": plan,
    }
