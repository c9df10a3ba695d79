"""Predictions of the published serving rows (for the calibration fit in :mod:`planner.perfmodel`).

Two row types, both predicted analytically (the fit evaluates them hundreds of times):

* :class:`~planner.perfmodel.calibration.published.ServingRow`: one replica's output tokens/s
  at saturation (trtllm-bench's offline mode: fixed input/output lengths, in-flight batching
  with chunked prefill, the KV cache reserved at admission), :func:`predict`;
* the public rows marked *fit*
  (:class:`~planner.perfmodel.calibration.serving_public.PublicServingRow`, vLLM and SGLang):
  offline output tokens/s of a batch of prompts, the median TPOT under Poisson arrivals at
  the row's rate, or the seconds one batch of fixed-length prompts takes from submission to
  its last token (:func:`batch_latency_s`), with the row's length distributions and engine
  (:mod:`planner.perfmodel.engines`), :func:`predict_public_fit`.

Importing :mod:`planner.serve` registers both with
:func:`planner.perfmodel.calibration.fit.register_predictor`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.perfmodel.calibration.mlperf import DATASETS, MLPerfRow
from planner.perfmodel.calibration.published import ServingRow
from planner.perfmodel.calibration.serving_public import PublicServingRow
from planner.perfmodel.engines import Engine, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel.trtllm_bench import BenchSettings, bench_settings
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic, parse_lengths

#: trtllm-bench's default ``max_num_tokens``: the token budget of one mixed iteration.
TRTLLM_CHUNK_TOKENS = 8192
#: Token budget of one iteration per engine: SGLang's default ``chunked_prefill_size`` (8192);
#: vLLM 0.6 with multi-step scheduling runs without chunked prefill, prompts of up to
#: ``max_model_len`` (4096 on the fit rows' launch commands) per prefill iteration.
ENGINE_CHUNK_TOKENS = {"trtllm": TRTLLM_CHUNK_TOKENS, "sglang": 8192, "vllm": 4096}
#: Engine options of trtllm-bench's PyTorch-backend flow (:func:`row_role`): its FP8 GEMMs
#: on Hopper at DeepGEMM's shape law (``fp8-law``, :mod:`planner.perfmodel.kernels`) and the
#: CUDA-graph padding the perf overview's ``llm_options.yml`` turns on (``pad``, up to
#: ``min(max_batch_size, max_num_tokens)``, :mod:`planner.perfmodel.graph_padding`).
#: A tuple so that an experiment can drop one (``bench/session_runs/s22gemm``).
PYTORCH_FLOW_OPTIONS: tuple[str, ...] = ("fp8-law", "pad")
#: How a running request holds KV blocks: vLLM and SGLang allocate as tokens are generated.
ENGINE_KV_ADMISSION = {"trtllm": "reserve", "sglang": "on-demand", "vllm": "on-demand"}


def _token_budget(engine: Engine) -> int:
    """Prompt tokens per iteration: the engine's ``tokens=N``, else its default chunk."""
    return engine.batched_tokens or ENGINE_CHUNK_TOKENS[engine.name]


def _engine_model(
    model: str,
    gpu: str,
    tp: int,
    precision: str,
    kv_precision: str,
    engine: Engine,
    ep: int = 1,
    pp: int = 1,
) -> EngineModel:
    """One engine of a ``tp x pp x ep`` replica of ``model`` on ``gpu``."""
    config = ReplicaConfig(get_gpu(gpu), tp, pp, ep)
    return EngineModel(load_model(model), config, precision, kv_precision, engine=engine)


def _role(
    model: str,
    gpu: str,
    tp: int,
    precision: str,
    kv_precision: str,
    prompt: LengthDist,
    output: LengthDist,
    engine: Engine,
    *,
    qps: float | None,
    percentile: float,
    ep: int = 1,
    slo: SLO | None = None,
    pp: int = 1,
    kv_admission: str | None = None,
    max_batch: float | None = None,
) -> RoleModel:
    return RoleModel(
        _engine_model(model, gpu, tp, precision, kv_precision, engine, ep, pp),
        "both",
        Traffic(qps, prompt, output),
        slo or SLO(percentile=percentile),
        chunk=_token_budget(engine),
        online=qps is not None,
        max_batch=max_batch,
        kv_admission=kv_admission or ENGINE_KV_ADMISSION[engine.name],
    )


def offline_role(
    model: str,
    gpu: str,
    tp: int,
    input_tokens: int,
    output_tokens: int,
    precision: str = "fp8",
    *,
    pp: int = 1,
    kv_precision: str = "",
    engine: str = "",
    max_batch: int | None = None,
) -> RoleModel:
    """The saturated replica of :func:`offline_tokens_per_s` (its operating point:
    ``offline_role(...).capacity()``).

    ``pp``: pipeline stages (``tp * pp`` GPUs); ``kv_precision``: the KV cache's, when it is
    not ``precision``; ``engine``: a TensorRT-LLM engine spec (``trtllm:1.0``, ``tokens=N``
    for a token budget per iteration; default ``trtllm``, the current release);
    ``max_batch``: most requests per (micro-)batch (TensorRT-LLM's ``max_batch_size``; none
    but the KV cache's when ``None``).
    """
    return _role(
        model,
        gpu,
        tp,
        precision,
        kv_precision or precision,
        LengthDist.fixed(input_tokens),
        LengthDist.fixed(output_tokens),
        parse_engine(engine or "trtllm"),
        qps=None,
        percentile=0.99,
        pp=pp,
        max_batch=max_batch,
    )


def offline_tokens_per_s(*args: Any, **kwargs: Any) -> float:
    """Output tokens/s of one replica at saturation (the planner's offline mode): the
    capacity of :func:`offline_role` (same arguments) times its output tokens."""
    role = offline_role(*args, **kwargs)
    return role.capacity()[0] * role.engine.config.engines * role.traffic.output.mean


def row_bench_settings(row: ServingRow) -> BenchSettings:
    """The ``max_batch_size`` and ``max_num_tokens`` trtllm-bench ran ``row`` with: its own
    heuristic for the row's lengths, layout and flow (:mod:`planner.perfmodel.trtllm_bench`).
    The PyTorch flow hands the heuristic the command's KV fraction (the row engine's ``kv=F``,
    else the tool's default); the build flow's heuristic always takes its own default."""
    kv = parse_engine(row.engine or "trtllm").kv_fraction if row.bench_flow == "pytorch" else 0.0
    return bench_settings(
        load_model(row.model),
        get_gpu(row.gpu),
        row.tp,
        row.pp,
        row.precision,
        row.kv_precision,
        row.input_tokens,
        row.output_tokens,
        flow=row.bench_flow,
        kv_fraction=kv or None,
    )


def row_role(row: ServingRow) -> RoleModel:
    """The saturated replica :func:`predict` times ``row`` with (its operating point:
    ``row_role(row).capacity()``): trtllm-bench's own batch cap and token budget
    (:func:`row_bench_settings`), the budget also sizing the activation workspace; on the
    PyTorch-backend flow also :data:`PYTORCH_FLOW_OPTIONS`."""
    limits = row_bench_settings(row)
    options = f"tokens={limits.max_num_tokens}"
    if row.bench_flow == "pytorch":
        cap = min(limits.max_batch_size, limits.max_num_tokens)
        flow = {"fp8-law": "fp8-law", "pad": f"pad={cap}"}
        options += "".join(f",{flow[o]}" for o in PYTORCH_FLOW_OPTIONS)
    return offline_role(
        row.model,
        row.gpu,
        row.tp,
        row.input_tokens,
        row.output_tokens,
        row.precision,
        pp=row.pp,
        kv_precision=row.kv_precision,
        engine=f"{row.engine or 'trtllm'},{options}",
        max_batch=limits.max_batch_size,
    )


def predict(row: ServingRow) -> float:
    """The row's output tokens/s as the model predicts it."""
    role = row_role(row)
    return role.capacity()[0] * role.engine.config.engines * row.output_tokens


def _lengths(dist: str, mean: int, what: str) -> LengthDist:
    return parse_lengths(dist, what=what) if dist else LengthDist.fixed(mean)


def batch_latency_s(engine: EngineModel, batch: int, prompt: int, output: int) -> float:
    """Seconds from submitting ``batch`` prompts of ``prompt`` tokens at once until each has
    generated ``output`` tokens (vLLM ``benchmark_latency.py``), without chunked prefill.

    The prompts are prefilled whole, as many per iteration as the engine's token budget holds
    (each prefill emits its prompt's first token), then ``output - 1`` decode iterations run
    the whole batch. A sequence's context at decode step ``j`` is ``prompt + j``; the decode
    step is linear in the context (KV bytes or attention FLOPs, without a sliding window), so
    the steps sum to ``output - 1`` steps at the mean context ``prompt + output / 2``. Raises
    ``ValueError`` when the batch's KV cache does not fit (vLLM would then preempt).
    """
    m = engine.model
    if m.sliding_window:
        raise ValueError("batch_latency_s: the mean-context sum needs full attention")
    if batch * (prompt + output) > engine.kv_tokens:
        raise ValueError(
            f"batch_latency_s: {batch} x {prompt + output} tokens exceed the KV cache "
            f"({engine.kv_tokens:.0f} tokens)"
        )
    per_iteration = max(1, _token_budget(engine.engine) // prompt)
    total = 0.0
    for start in range(0, batch, per_iteration):
        n = min(per_iteration, batch - start)
        total += float(engine.base_time(np.array([n * prompt], float), 0.0, 0.0)[0])
        total += float(engine.prefill_attention_time(n * prompt * (prompt + 1) / 2.0))
    if output > 1:
        step = engine.base_time(np.array([float(batch)]), float(batch), prompt + output / 2.0)
        total += (output - 1) * float(step[0])
    return total


def predict_public_fit(row: PublicServingRow) -> float:
    """A public fit row's metric (SI units): offline output tokens/s or the latency of one
    batch (``batch`` mode), or the TPOT at the row's statistic under Poisson arrivals
    (``rate`` mode)."""
    prompt = _lengths(row.input_dist, row.input_tokens, "input_dist")
    output = _lengths(row.output_dist, row.output_tokens, "output_dist")
    engine = parse_engine(row.engine)
    args = (row.model, row.gpu, row.tp, row.precision, row.kv_precision, prompt, output, engine)
    if row.mode == "batch" and row.metric == "latency_s" and row.statistic == "mean":
        if row.input_dist or row.output_dist:
            raise ValueError(f"{row.id}: batch latency needs fixed lengths")
        eng = _engine_model(
            row.model, row.gpu, row.tp, row.precision, row.kv_precision, engine, row.ep
        )
        return batch_latency_s(eng, row.requests, row.input_tokens, row.output_tokens)
    if row.mode == "batch" and row.metric == "output_tokens_per_s":
        role = _role(*args, qps=None, percentile=0.99, ep=row.ep)
        return role.capacity()[0] * role.engine.config.engines * output.mean
    if row.mode == "rate" and row.metric == "tpot_s" and row.statistic in ("median", "mean"):
        role = _role(*args, qps=row.rate, percentile=0.5, ep=row.ep)
        return role.at_rate(row.rate).tpot_s
    raise ValueError(f"{row.id}: no analytic prediction for {row.mode} {row.metric}")


def predict_mlperf(
    row: MLPerfRow, input_mean: float | None = None, input_std: float | None = None
) -> float:
    """An MLPerf row's metric for its benchmark's sample set.

    The system runs ``row.engines`` independent engines, each taking an equal share of the
    samples. Prompt lengths: lognormal with the sample set's mean and standard deviation
    (:data:`~planner.perfmodel.calibration.mlperf.DATASETS`); output lengths: lognormal with
    the run's own mean and a standard deviation equal to it (the ShareGPT rows' assumption;
    MLPerf prints no output distribution). KV blocks are held as the row says
    (:attr:`~planner.perfmodel.calibration.mlperf.MLPerfRow.kv_admission`), and the engine runs
    at most the row's batch cap
    (:attr:`~planner.perfmodel.calibration.mlperf.MLPerfRow.max_batch`).

    Parameters
    ----------
    row
        An MLPerf row (:mod:`planner.perfmodel.calibration.mlperf`).
    input_mean
        Mean prompt tokens; ``None`` takes the benchmark's published mean.
    input_std
        Standard deviation of the prompt tokens; ``None`` takes the published one when the
        mean is the published one, else ``input_mean`` (a sensitivity grid's assumption).

    Returns
    -------
    float
        Offline: output tokens/s at saturation. Server throughput: output tokens/s at the
        largest Poisson rate whose p99 TTFT and p99 TPOT meet the run's limits (MLPerf's
        criterion, the planner's SLO capacity). Server latencies: the p99 TTFT or TPOT, in
        seconds, at the run's scheduled rate (``inf`` when the model saturates below it).

    Raises
    ------
    ValueError
        For a scenario or metric the function does not predict, or a benchmark whose mean
        prompt is unpublished when ``input_mean`` is not given.
    """
    if input_mean is None:
        data = DATASETS[row.model]
        if data.input_mean is None:
            raise ValueError(f"{row.id}: the sample set's mean prompt is not published")
        input_mean, input_std = data.input_mean, input_std or data.input_std
    std = input_std or input_mean
    prompt = parse_lengths(f"lognormal:{input_mean:g},{std:g}", what="input_mean")
    out = row.output_mean
    output = parse_lengths(f"lognormal:{out:g},{out:g}", what="output_mean")
    engine = parse_engine(row.engine)
    args = (row.model, row.gpu, row.tp, row.precision, row.kv_precision, prompt, output, engine)
    held = {"kv_admission": row.kv_admission, "max_batch": row.max_batch}
    if row.scenario == "Offline" and row.metric == "output_tokens_per_s":
        role = _role(*args, qps=None, percentile=0.99, **held)
        return role.capacity()[0] * role.engine.config.engines * output.mean * row.engines
    if row.scenario != "Server":
        raise ValueError(f"{row.id}: unknown scenario {row.scenario!r}")
    per_engine = row.rate / row.engines
    slo = SLO(ttft_s=row.ttft_limit_s, tpot_s=row.tpot_limit_s, percentile=0.99)
    role = _role(*args, qps=per_engine, percentile=0.99, slo=slo, **held)
    if row.metric == "output_tokens_per_s":
        return role.capacity()[0] * role.engine.config.engines * output.mean * row.engines
    point = role.at_rate(per_engine)
    if row.metric == "ttft_s" and row.statistic == "p99":
        return point.ttft_s
    if row.metric == "tpot_s" and row.statistic == "p99":
        return point.tpot_s
    raise ValueError(f"{row.id}: no prediction for {row.scenario} {row.statistic} {row.metric}")
