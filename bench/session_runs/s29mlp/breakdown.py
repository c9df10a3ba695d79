"""The model's operating point of the MLPerf v4.1 llama2-70b Offline engines: what bounds the
batch, the KV pool, the decode step split into weight streaming, KV reads, GEMM compute /
element-wise excess, fixed layer latency and host time, and prefill's share of the engine's
time; each row as entered before this session (no batch cap, vLLM's default memory share)
and as entered now (:attr:`MLPerfRow.max_batch`, ``mem=F``).

Then, as ``bench/session_runs/s20mlperf/gemm_rate_bound.py`` did for the AMD rows, the
linear-layer FLOP rate each measured Offline row implies per GPU (every prompt and output
token through the linear layers, the LM head for output tokens; host gaps, attention and
element-wise kernels included, so the GEMMs ran at least that fast) beside the model's
large-GEMM rate and the rate its decode step reaches at the capacity batch.

The role is built as :func:`planner.serve.calibration.predict_mlperf` builds it.

Usage: PYTHONPATH=. python bench/session_runs/s29mlp/breakdown.py
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.perfmodel import constants
from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS, MLPerfRow
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import gemm_efficiency
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.calibration import ENGINE_CHUNK_TOKENS, predict_mlperf
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths


def role_of(r: MLPerfRow) -> RoleModel:
    """The Offline role of ``r``, as ``predict_mlperf`` builds it (``report`` checks that
    its capacity is the prediction)."""
    data = DATASETS[r.model]
    prompt = parse_lengths(f"lognormal:{data.input_mean:g},{data.input_std:g}", what="in")
    out = parse_lengths(f"lognormal:{r.output_mean:g},{r.output_mean:g}", what="out")
    engine = parse_engine(r.engine)
    em = EngineModel(
        load_model(r.model),
        ReplicaConfig(get_gpu(r.gpu), r.tp),
        r.precision,
        r.kv_precision,
        engine=engine,
    )
    return RoleModel(
        em,
        "both",
        Traffic(None, prompt, out),
        SLO(percentile=0.99),
        chunk=engine.batched_tokens or ENGINE_CHUNK_TOKENS[engine.name],
        online=False,
        max_batch=r.max_batch,
        kv_admission=r.kv_admission,
    )


def linear_params() -> tuple[float, float]:
    """(linear-layer parameters per token, LM head parameters) of llama-2-70b."""
    m = load_model("llama-2-70b")
    body = m.layers * (
        m.hidden * (m.heads * m.head_dim + 2 * m.kv_heads * m.head_dim)
        + m.heads * m.head_dim * m.hidden
        + 3 * m.hidden * m.ffn
    )
    return body, m.hidden * m.vocab


def report(r: MLPerfRow, label: str) -> None:
    role = role_of(r)
    em = role.engine
    mem = em.memory_breakdown()
    rate, top, _ = role.capacity()
    B = top.batch
    ctx = role.ctx
    pred = rate * role.traffic.output.mean * r.engines
    assert abs(pred / predict_mlperf(r) - 1) < 1e-9, "not the role predict_mlperf builds"
    print(f"-- {label}: engine {r.engine}, max_batch {r.max_batch}")
    print(
        "  memory GiB/GPU: "
        + ", ".join(f"{k} {v:.1f}" for k, v in mem.items())
        + f"; KV bytes/token {em.kv_bytes_per_token:.0f}; KV pool {em.kv_tokens:.0f} tokens"
    )
    q = role.decode_q if role.budget_decodes else 0.0
    keep_up = role.ed * role.split / (role.ep_mean + q * role.ed)
    print(
        f"  batch limits: KV pool / held per sequence {role.kv_cap:.0f} / {role.mem_ctx:.1f} = "
        f"{role.kv_cap / role.mem_ctx:.0f}; prefill keep-up (budget {role.split}) {keep_up:.0f};"
        f" max_batch {role.max_batch}; -> batch_limit {role.batch_limit():.0f}"
    )
    print(
        f"  capacity point: batch {B:.1f}, {rate:.3f} req/s per engine, {pred:.0f} output tok/s"
        f" system ({pred / r.value - 1:+.1%}), mean iteration {top.tpot_mean_s * 1e3:.1f} ms,"
        f" KV held {top.kv_tokens:.0f} of {top.kv_capacity:.0f}"
    )
    t = float(em.base_time(np.array([B]), B, ctx, keys=role.keys)[0])
    gpu = float(em.gpu_time(np.array([B]), B, ctx, keys=role.keys)[0][0])
    gpu_nokv = float(em.gpu_time(np.array([B]), B, 0.0, keys=0.0)[0][0])
    weights = em.weight_bytes / em.stream_bw
    fixed = em.model.layers * constants.FITTED["layer_latency_s"]
    kv = gpu - gpu_nokv
    rest = gpu_nokv - weights - fixed
    print(
        f"  decode-only step at batch {B:.0f} (mean context {ctx:.0f}): {t * 1e3:.1f} ms = "
        f"weights {weights * 1e3:.1f} + KV read {kv * 1e3:.1f} + GEMM compute / element-wise / "
        f"LM head beyond the weight stream {rest * 1e3:.1f} + fixed layer latency "
        f"{fixed * 1e3:.1f} + host / launch {(t - gpu) * 1e3:.1f}"
    )
    f = role._prefill(B)
    print(
        f"  prefill: full iteration ({f['chunk']:.0f} prompt tokens + {B:.0f} decodes) "
        f"{f['tc'] * 1e3:.1f} ms vs decode-only {f['t0'] * 1e3:.1f} ms; prefill stretch per "
        f"request {f['xbar'] * 1e3:.2f} ms; share of engine time {rate * f['xbar']:.1%}"
    )
    body, head = linear_params()
    step_flops = 2 * body * B / r.tp + 2 * head * B / r.tp
    g = get_gpu(r.gpu)
    fitted = gemm_efficiency(g, "fp8") * g.peak_flops("fp8")
    data = DATASETS[r.model]
    out_per_gpu = r.value / r.gpus
    implied = 2 * body * (out_per_gpu + out_per_gpu / r.output_mean * data.input_mean)
    implied += 2 * head * out_per_gpu
    print(
        f"  GEMM rate per GPU: measured run implies >= {implied / 1e12:.0f} TFLOP/s; model "
        f"large-GEMM FP8 rate {fitted / 1e12:.0f}; model decode-only step at batch {B:.0f} "
        f"{step_flops / t / 1e12:.0f} TFLOP/s, prefill iteration "
        f"{2 * body * (f['chunk'] + B) / r.tp / f['tc'] / 1e12:.0f} TFLOP/s"
    )


def main() -> None:
    for r in MLPERF_ROWS:
        if r.model != "llama-2-70b" or r.metric != "output_tokens_per_s":
            continue
        if r.scenario != "Offline" or r.source != "mlperf_inf41":
            continue
        print(f"== {r.id}: measured {r.value:g} output tok/s")
        opts = [o for o in r.engine.split(",") if not o.startswith("mem=")]
        before = replace(r, max_batch=None, engine=",".join(opts))
        report(before, "before (no cap, default memory share)")
        report(r, "as entered now")


if __name__ == "__main__":
    main()
