"""TTFT and TPOT of a replica group broken into parts that add up to the model's value.

The parts are differences of the analytic model evaluated with one effect removed (no
formula is repeated here):

TTFT (``both`` and ``prefill`` roles), at the SLO percentile:

* ``queueing``: TTFT at the group's load minus TTFT at zero load (waiting for the prefill
  server and the iteration in progress);
* ``kv_transfer``: zero-load TTFT minus the same without shipping the KV cache to a decode
  replica (prefill replicas only, 0 otherwise);
* ``prefill``: the rest, the prompt's own prefill at zero load.

TPOT (``both`` and ``decode`` roles), at the batch a decoding request runs in (the operating
point's mean batch ``B``, plus the request itself online:
:meth:`~planner.serve.capacity.RoleModel.own_batch`) and the mean KV context:

* ``kv_read``: decode step minus the step with an empty KV cache (decode attention);
* ``communication``: step with an empty cache minus the same with free collectives and
  pipeline hand-offs (:meth:`~planner.perfmodel.stage.EngineModel.without_communication`);
* ``weights_read``: the rest of the plain step: the GEMMs streaming the weights,
  activations and the fixed iteration overhead;
* ``offload``: the step under the problem's expert-offload plan minus the plain step (the CPU
  experts of the misses and the copies the layers cannot hide; 0 without a plan);
* ``speculative_gain``: speculative step per emitted token minus the plain step (negative
  when speculation pays; 0 without it);
* ``interference``: TPOT percentile minus the mean step per token (prefill chunks in the
  same iterations, batch fluctuations, the percentile's tail).
"""

from __future__ import annotations

import numpy as np

from planner.serve.capacity import OperatingPoint, RoleModel, engine_for, role_model
from planner.serve.instance import ReplicaGroup, ServingProblem

TTFT_PARTS = ("queueing", "prefill", "kv_transfer")
TPOT_PARTS = (
    "weights_read",
    "kv_read",
    "communication",
    "offload",
    "speculative_gain",
    "interference",
)


def _step(engine, batch: float, ctx: float, keys: float | None = None) -> float:
    return float(engine.base_time(np.array([batch]), batch, ctx, keys=keys)[0])


def ttft_parts(rm: RoleModel, point: OperatingPoint) -> dict[str, float] | None:
    """The TTFT parts of ``point`` (``None`` for decode replicas)."""
    if rm.role == "decode":
        return None
    if rm.role == "prefill":
        floor = rm.zero_load_prefill_ttft()
        own = rm.zero_load_prefill_ttft(transfer=False)
    else:
        floor = own = rm.at_rate(0.0).ttft_s
    return {"queueing": point.ttft_s - floor, "prefill": own, "kv_transfer": floor - own}


def tpot_parts(
    problem: ServingProblem, group: ReplicaGroup, rm: RoleModel, point: OperatingPoint
) -> dict[str, float] | None:
    """The TPOT parts of ``point`` (``None`` for prefill replicas)."""
    if rm.role == "prefill" or rm.ed <= 0:
        return None
    pool = problem.pool(group.gpu).gpu
    key = (
        problem.model,
        pool,
        group.tp,
        group.pp,
        group.ep,
        problem.precision,
        problem.kv_precision_name,
        None,
        problem.engine_on(pool).for_role(group.role),
    )
    plain = engine_for(*key)
    B, ctx = max(rm.own_batch(point.batch), 1e-9), rm.ctx
    full = _step(plain, B, ctx, rm.keys)
    # the offload plan's CPU experts and exposed copies: the step with the plan minus without
    offload = 0.0
    if problem.offload is not None:
        offload = _step(engine_for(*key, problem.offload), B, ctx, rm.keys) - full
    empty = _step(plain, B, 0.0)
    no_comm = _step(plain.without_communication(), B, 0.0)
    per_token = _step(rm.engine, B, ctx, rm.keys) / rm.engine.tokens_per_step
    return {
        "weights_read": no_comm,
        "kv_read": full - empty,
        "communication": empty - no_comm,
        "offload": offload,
        "speculative_gain": per_token - full - offload,
        "interference": point.tpot_s - per_token,
    }


def group_breakdown(
    problem: ServingProblem, group: ReplicaGroup, point: OperatingPoint
) -> dict[str, dict[str, float] | None]:
    """``{"ttft": parts or None, "tpot": parts or None}`` of one group at ``point``."""
    rm = role_model(problem, group)
    return {"ttft": ttft_parts(rm, point), "tpot": tpot_parts(problem, group, rm, point)}
