"""The model's predictions of the public serving rows (:mod:`~planner.perfmodel.calibration.serving_public`).

A row fixes one replica (model, GPU, tensor parallelism, precisions), its engine
(:mod:`planner.perfmodel.engines`), input and output lengths (fixed, or a distribution) and a
load: ``clients`` closed-loop clients, a ``batch`` of prompts submitted at once, or Poisson
arrivals at a ``rate``. Closed loops and finite batches are not the open Poisson stream the capacity model
(:mod:`planner.serve.capacity`) is built for, so the prediction runs the modeled server --
the same step times (:class:`~planner.perfmodel.stage.EngineModel`), continuous batching,
chunked prefill and KV admission -- in the simulator (:mod:`planner.serve.simulate`) with
that load, and reads the row's metric off the simulated requests: throughput over the run
(output tokens, or input + output tokens for ``total_tokens_per_s``, per second from the
first submission to the last completion), TTFT and TPOT as the row's statistic (mean,
median or p99) over the requests.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration.serving_public import PublicServingRow
from planner.serve.api import make_problem
from planner.serve.instance import ReplicaGroup, ServingPlan
from planner.serve.simulate import Simulator, generate_trace, latencies, tokens_between

#: Prefill chunk of the simulated engine (tokens per mixed iteration) unless its engine names one.
CHUNK_TOKENS = 2048


@constants.on_change  # a refit in the same process must not reuse old runs
@functools.lru_cache(maxsize=256)
def simulated_run(
    model: str,
    gpu: str,
    tp: int,
    precision: str,
    kv_precision: str,
    input_tokens: int,
    output_tokens: int,
    mode: str,
    concurrency: int,
    requests: int,
    steady_state: bool = False,
    seed: int = 0,
    engine: str = "trtllm",
    input_dist: str = "",
    output_dist: str = "",
    rate: float = 0.0,
    ep: int = 1,
) -> dict[str, Any]:
    """Simulate one replica under the row's load; throughputs and per-request latencies.

    ``steady_state``: the first round of ``concurrency`` requests (which arrive together) is
    left out; throughput counts the tokens emitted between its end and the last submission
    (while every client is busy). ``ep``: attention groups of the replica (``tp * ep`` GPUs).
    """
    problem = make_problem(
        model,
        f"{gpu}:{tp * ep}",
        qps=rate if mode == "rate" else None,
        prompt_tokens=input_dist or float(input_tokens),
        output_tokens=output_dist or float(output_tokens),
        precision=precision,
        kv_precision=kv_precision,
        engine=engine,
    )
    pool = problem.inventory.pools[0].name or problem.inventory.pools[0].gpu.name
    plan = ServingPlan(
        (ReplicaGroup(pool, tp, 1, ep, 1, "both", problem.token_budget or CHUNK_TOKENS, 1.0),)
    )
    trace = generate_trace(problem.traffic, requests, seed)
    clients = concurrency if mode == "clients" else None
    done = Simulator(problem, plan, seed).run(trace, clients=clients)
    if steady_state:
        first_round = [r for r in done if r.rid < concurrency]
        start = max(r.finish for r in first_round)
        end = max(r.arrival for r in done)
        done = [r for r in done if r.rid >= concurrency]
        out = tokens_between(done, start, end)
        # input tokens ride along with the outputs (fixed lengths)
        inp = out * input_tokens / output_tokens
        span = end - start
    else:
        span = max(r.finish for r in done)
        out = float(sum(r.output for r in done))
        inp = float(sum(r.prompt for r in done))
    ttft, tpot = latencies(done)
    return {
        "output_tokens_per_s": out / span,
        "total_tokens_per_s": (out + inp) / span,
        "ttft": ttft,
        "tpot": tpot,
    }


def statistic(values: np.ndarray, stat: str) -> float:
    """``mean``, ``median`` or ``pNN`` of ``values``."""
    if stat == "mean":
        return float(np.mean(values))
    if stat == "median":
        return float(np.median(values))
    if stat.startswith("p"):
        return float(np.percentile(values, float(stat[1:])))
    raise ValueError(f"unknown statistic {stat!r}")


def predict_public(row: PublicServingRow, seed: int = 0) -> float:
    """The model's value of ``row``'s metric (SI units, as the row)."""
    run = simulated_run(
        row.model,
        row.gpu,
        row.tp,
        row.precision,
        row.kv_precision,
        row.input_tokens,
        row.output_tokens,
        row.mode,
        row.concurrency,
        row.requests,
        row.steady_state,
        seed,
        row.engine,
        row.input_dist,
        row.output_dist,
        row.rate,
        row.ep,
    )
    if row.metric in ("output_tokens_per_s", "total_tokens_per_s"):
        return float(run[row.metric])
    return statistic(run[row.metric.removesuffix("_s")], row.statistic)
