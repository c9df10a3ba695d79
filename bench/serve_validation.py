"""Validate the serving model against published numbers, check the MIP, time the search.

Writes ``bench/results/serve/serving_validation.csv`` (benchmark rows, :mod:`planner.bench`:
predictions against published numbers as ``perfmodel`` rows with the measurement as reference,
solves as their certificates) and ``serving_validation.md`` (its report, with a section per
part below):

* offline throughput: TensorRT-LLM "perf overview" offline throughput
  (trtllm-bench, in-flight batching, ModelOpt FP8 checkpoints; NVIDIA/TensorRT-LLM
  ``docs/source/performance/perf-overview.md`` at commit 00f37686): Llama-3.1-8B
  (H100 TP1, H200 TP1), Llama-3.3-70B (same architecture as our
  ``llama-3.1-70b``; H100 TP2, H200 TP1), Llama-3.1-405B (H100 TP8, H200 TP8),
  ten ISL/OSL pairs each; predicted output tokens/s of the planner's offline
  mode with the published layout fixed vs published;
* the grid fit of ``WEIGHT_STREAM_EFFICIENCY`` and
  ``ITERATION_OVERHEAD_S`` on the 8B and 70B rows (the 405B rows are held out);
* step times: TensorRT-LLM v0.5 / v0.6.1 ``performance.md``
  (commit 77d24b5f): first-token latency at batch 1 (prefill) and static-batch
  throughput per GPU (Llama-2 7B / 70B, H100 FP8 and A100 FP16) predicted from
  the step-time model alone;
* MIP vs brute-force enumeration of replica counts on
  random small inventories (objective must be equal; the MIP plan must verify);
* search time on a realistic inventory
  (H100:64,A100:128) for three models, colocated and with disaggregation;

Usage::

    .venv/bin/python bench/serve_validation.py [--skip-fit] [--mip-instances 40]

Timings depend on the machine's load; the load average is recorded.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import time
from pathlib import Path

import numpy as np

import planner.perfmodel.stage as step
from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import measurement_row
from planner.core.family import Reference
from planner.core.result import Result, Status
from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.serve import candidates as cand_mod
from planner.serve import make_problem, solve, verify
from planner.serve.assemble import build_plan, served
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic

OUT = Path(__file__).resolve().parent / "results" / "serve"
TRT_OVERVIEW = (
    "NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md "
    "(commit 00f37686aa854010d68bcbd0f4ab000221541ca6)"
)
TRT_STATIC = "NVIDIA/TensorRT-LLM docs/source/performance.md (commit 77d24b5fa178f11ed7fafdd9833b7245e075f721)"

ISL_OSL = [
    (128, 128),
    (128, 2048),
    (128, 4096),
    (500, 2000),
    (1000, 1000),
    (1000, 2000),
    (2048, 128),
    (2048, 2048),
    (5000, 500),
    (20000, 2000),
]
# Total output tokens/s, one replica of the given layout (FP8 weights, activations, KV cache).
OVERVIEW = {
    ("llama-3.1-8b", "H100", 1): [28312, 22714, 14325, 17660, 15220, 13899, 3450, 9305, 3459, 1351],
    ("llama-3.1-8b", "H200", 1): [
        27911,
        26221,
        18027,
        20770,
        17744,
        16828,
        3538,
        12194,
        3902,
        1804,
    ],
    ("llama-3.1-70b", "H100", 2): [6378, 6651, 4199, 5222, 4205, 4146, 762, 3082, 898, 437],
    ("llama-3.1-70b", "H200", 1): [3803, 4336, 2872, 3666, 2909, 2994, 442, 2003, 566, 283],
    ("llama-3.1-405b", "H100", 8): [3627, 4340, 3116, 3994, 2919, 2895, 453, 2296, 610, 345],
    ("llama-3.1-405b", "H200", 8): [3814, 5348, 4741, 4724, 3330, 3722, 456, 2948, 650, 505],
}
FIT_MODELS = ("llama-3.1-8b", "llama-3.1-70b")
TRT_CHUNK = 8192  # trtllm-bench's default max_num_tokens (the chunk of a mixed iteration)

LLAMA2_70B = {
    "name": "llama-2-70b",
    "model_type": "llama",
    "hidden_size": 8192,
    "num_hidden_layers": 80,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "intermediate_size": 28672,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "tie_word_embeddings": False,
}
LLAMA2_7B = {
    "name": "llama-2-7b",
    "model_type": "llama",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "tie_word_embeddings": False,
}
# (model, GPU, TP, precision, input tokens, published first-token latency ms), batch 1, v0.5
TTFT_ROWS = [
    ("llama-2-70b", "H100", 4, "fp8", 128, 26),
    ("llama-2-70b", "H100", 4, "fp8", 2048, 109),
    ("llama-2-70b", "A100", 4, "bf16", 128, 47),
    ("llama-2-70b", "A100", 4, "bf16", 2048, 377),
    ("llama-2-7b", "H100", 1, "fp8", 128, 7),
    ("llama-2-7b", "H100", 1, "fp8", 2048, 36),
    ("llama-2-7b", "A100", 1, "bf16", 128, 16),
    ("llama-2-7b", "A100", 1, "bf16", 2048, 133),
]
# (model, GPU, TP, precision, batch, input, output, published output tok/s per GPU), static batch
STATIC_ROWS = [
    ("llama-2-7b", "H100", 1, "fp8", 768, 128, 128, 19694),
    ("llama-2-7b", "H100", 1, "fp8", 112, 128, 2048, 6818),
    ("llama-2-7b", "H100", 1, "fp8", 80, 2048, 128, 2244),
    ("llama-2-7b", "H100", 1, "fp8", 48, 2048, 2048, 2740),
    ("llama-2-70b", "H100", 2, "fp8", 1024, 128, 128, 2657),
    ("llama-2-70b", "H100", 4, "fp8", 480, 128, 2048, 1486),
    ("llama-2-70b", "H100", 2, "fp8", 96, 2048, 128, 306),
    ("llama-2-70b", "H100", 2, "fp8", 64, 2048, 2048, 547),
    ("llama-2-7b", "A100", 1, "bf16", 384, 128, 128, 5586),
    ("llama-2-7b", "A100", 1, "bf16", 60, 128, 2048, 1928),
    ("llama-2-7b", "A100", 1, "bf16", 52, 2048, 128, 591),
    ("llama-2-7b", "A100", 2, "bf16", 64, 2048, 2048, 782),
    ("llama-2-70b", "A100", 4, "bf16", 1280, 128, 128, 670),
    ("llama-2-70b", "A100", 4, "bf16", 240, 128, 2048, 525),
    ("llama-2-70b", "A100", 4, "bf16", 120, 2048, 128, 79),
]


def load() -> str:
    """1-minute load average (timings are only comparable at low load)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _model(name: str):
    return load_model({"llama-2-70b": LLAMA2_70B, "llama-2-7b": LLAMA2_7B}.get(name, name))


def _clear_caches() -> None:
    cand_mod.engine_for.cache_clear()
    cand_mod.role_capacity.cache_clear()


# ---------------------------------------------------------------------------
# 1. offline throughput vs trtllm-bench
# ---------------------------------------------------------------------------


def offline_tokens(model: str, gpu: str, tp: int, isl: int, osl: int) -> float:
    """Predicted output tokens/s of one replica at saturation (the planner's offline mode)."""
    eng = step.EngineModel(_model(model), step.ReplicaConfig(get_gpu(gpu), tp), "fp8", "fp8")
    traffic = Traffic(None, LengthDist.fixed(isl), LengthDist.fixed(osl))
    rm = RoleModel(
        eng, "both", traffic, SLO(), chunk=TRT_CHUNK, online=False, kv_admission="reserve"
    )
    return rm.capacity()[0] * eng.config.engines * osl


def throughput_rows() -> list[dict]:
    rows = []
    for (model, gpu, tp), values in OVERVIEW.items():
        for (isl, osl), pub in zip(ISL_OSL, values, strict=True):
            pred = offline_tokens(model, gpu, tp, isl, osl)
            rows.append(
                {
                    "model": model,
                    "gpu": gpu,
                    "tp": tp,
                    "isl": isl,
                    "osl": osl,
                    "published_tok_s": pub,
                    "predicted_tok_s": round(pred),
                    "error_pct": round(100 * (pred / pub - 1), 1),
                    "set": "fit" if model in FIT_MODELS else "held-out",
                }
            )
    return rows


def fit() -> tuple[list[dict], tuple[float, float]]:
    """Grid fit of the two constants on the 8B and 70B rows (mean |log error|)."""
    saved = (step.WEIGHT_STREAM_EFFICIENCY, step.ITERATION_OVERHEAD_S)
    table = []
    try:
        for eff, ovh in itertools.product(
            (0.65, 0.70, 0.75, 0.80, 0.85, 0.90), (0.5e-3, 1e-3, 2e-3, 3e-3, 4e-3)
        ):
            step.WEIGHT_STREAM_EFFICIENCY, step.ITERATION_OVERHEAD_S = eff, ovh
            errs = {"fit": [], "held-out": []}
            for (model, gpu, tp), values in OVERVIEW.items():
                key = "fit" if model in FIT_MODELS else "held-out"
                for (isl, osl), pub in zip(ISL_OSL, values, strict=True):
                    errs[key].append(math.log(offline_tokens(model, gpu, tp, isl, osl) / pub))
            table.append(
                {
                    "weight_stream_efficiency": eff,
                    "iteration_overhead_ms": ovh * 1e3,
                    "fit_mean_abs_log_err": round(float(np.mean(np.abs(errs["fit"]))), 4),
                    "heldout_mean_abs_log_err": round(float(np.mean(np.abs(errs["held-out"]))), 4),
                }
            )
    finally:
        step.WEIGHT_STREAM_EFFICIENCY, step.ITERATION_OVERHEAD_S = saved
    best = min(table, key=lambda r: r["fit_mean_abs_log_err"])
    return table, (best["weight_stream_efficiency"], best["iteration_overhead_ms"] / 1e3)


# ---------------------------------------------------------------------------
# 2. step times vs static-batch measurements
# ---------------------------------------------------------------------------


def _prefill_s(eng: step.EngineModel, batch: int, isl: int) -> float:
    return float(
        eng.base_time(batch * isl, 0, 0) + batch * eng.prefill_attention_time(isl * (isl + 1) / 2)
    )


def static_rows() -> list[dict]:
    rows = []
    for model, gpu, tp, prec, isl, pub in TTFT_ROWS:
        eng = step.EngineModel(_model(model), step.ReplicaConfig(get_gpu(gpu), tp), prec)
        pred = 1e3 * _prefill_s(eng, 1, isl)
        rows.append(
            {
                "kind": "first-token latency (ms, batch 1)",
                "model": model,
                "gpu": gpu,
                "tp": tp,
                "precision": prec,
                "batch": 1,
                "isl": isl,
                "osl": 1,
                "published": pub,
                "predicted": round(pred, 1),
                "error_pct": round(100 * (pred / pub - 1), 1),
                "predicted_kv_per_query_head": "",
            }
        )
    for model, gpu, tp, prec, batch, isl, osl, pub in STATIC_ROWS:
        eng = step.EngineModel(_model(model), step.ReplicaConfig(get_gpu(gpu), tp), prec)

        def per_gpu(e: step.EngineModel, batch=batch, isl=isl, osl=osl, tp=tp) -> float:
            total = _prefill_s(e, batch, isl)
            ctx = isl + osl / 2
            total += float(np.sum(e.base_time(np.full(osl - 1, float(batch)), batch, ctx)))
            return batch * osl / total / tp

        pred = per_gpu(eng)
        # What if decode attention re-reads K/V once per query head (GQA without the
        # grouped XQA kernel, experimental and off by default in TensorRT-LLM 0.5/0.6)?
        legacy = step.EngineModel(_model(model), step.ReplicaConfig(get_gpu(gpu), tp), prec)
        group = legacy.model.heads // legacy.model.kv_heads
        legacy.kv_elems_layer *= group
        rows.append(
            {
                "kind": "static-batch throughput (out tok/s/GPU)",
                "model": model,
                "gpu": gpu,
                "tp": tp,
                "precision": prec,
                "batch": batch,
                "isl": isl,
                "osl": osl,
                "published": pub,
                "predicted": round(pred),
                "error_pct": round(100 * (pred / pub - 1), 1),
                "predicted_kv_per_query_head": round(per_gpu(legacy)) if group > 1 else "",
            }
        )
    return rows


# ---------------------------------------------------------------------------
# 3. MIP vs brute force
# ---------------------------------------------------------------------------


def _vectors(problem, usable):
    free = {p.label: p.count for p in problem.inventory.pools}

    def rec(i):
        if i == len(usable):
            yield []
            return
        c = usable[i]
        for n in range(free[c.pool] // c.gpus + 1):
            free[c.pool] -= n * c.gpus
            for rest in rec(i + 1):
                yield [n, *rest]
            free[c.pool] += n * c.gpus

    yield from rec(0)


def mip_rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        model = rng.choice(["llama-3.1-8b", "qwen2.5-72b", "llama-3.1-70b"])
        big = model != "llama-3.1-8b"
        h100, a100 = rng.randint(1, 4) * (4 if big else 1), rng.randint(0, 4) * (4 if big else 1)
        gpus = f"H100:{h100}" + (f",A100:{a100}" if a100 else "")
        qps = round(rng.uniform(0.5, 8 if big else 60), 2)
        slo = rng.choice([("1s", "50ms"), ("500ms", "30ms"), ("2s", "80ms")])
        mode = rng.choice(["off", "allow"])
        problem = make_problem(
            model,
            gpus,
            qps=qps,
            prompt_tokens=rng.choice(["exp:1024", "512", "uniform:100-3000"]),
            output_tokens=rng.choice(["exp:256", "128", "uniform:20-600"]),
            ttft=slo[0],
            tpot=slo[1],
            disaggregation=mode,
            max_pp=2,
            name=f"rand{i}",
        )
        usable = [c for c in cand_mod.candidates(problem) if c.usable]
        t0 = time.perf_counter()
        best, count = None, 0
        for counts in _vectors(problem, usable):
            count += 1
            if served(usable, counts) >= qps * (1 - 1e-9):
                cost = sum(c.price * k for c, k in zip(usable, counts, strict=True))
                if best is None or cost < best[0] - 1e-12:
                    best = (cost, counts)
        brute_s = time.perf_counter() - t0
        brute_ok = best is not None and not verify(problem, build_plan(usable, best[1], qps))
        t0 = time.perf_counter()
        res = solve(problem, "mip", time_limit=30)
        mip_s = time.perf_counter() - t0
        agree = (
            res.status is Status.INFEASIBLE
            if best is None
            else res.objective is not None and math.isclose(res.objective, best[0], rel_tol=1e-9)
        )
        rows.append(
            {
                "instance": problem.name,
                "model": model,
                "gpus": gpus,
                "qps": qps,
                "slo": "/".join(slo),
                "disaggregation": mode,
                "usable_candidates": len(usable),
                "vectors": count,
                "brute_cost": round(best[0], 4) if best else "infeasible",
                "brute_plan_verifies": brute_ok if best else "",
                "mip_status": res.status.value,
                "mip_cost": round(res.objective, 4) if res.objective is not None else "",
                "agree": agree,
                "mip_s": round(mip_s, 3),
                "brute_s": round(brute_s, 3),
                "_result": res,
                "_brute": None if best is None else best[0],
            }
        )
    return rows


# ---------------------------------------------------------------------------
# 4. search time on a realistic inventory
# ---------------------------------------------------------------------------


def search_rows() -> list[dict]:
    rows = []
    cases = [
        ("llama-3.1-70b", 40.0, "exp:1024", "exp:256", "1s", "50ms", "bf16"),
        ("llama-3.1-8b", 300.0, "exp:1024", "exp:256", "500ms", "30ms", "bf16"),
        ("qwen2.5-72b", 25.0, "lognormal:2000,1500", "exp:400", "2s", "60ms", "bf16"),
    ]
    for model, qps, p, o, ttft, tpot, prec in cases:
        for mode in ("off", "allow"):
            _clear_caches()
            problem = make_problem(
                model,
                "H100:64,A100:128",
                qps=qps,
                prompt_tokens=p,
                output_tokens=o,
                ttft=ttft,
                tpot=tpot,
                precision=prec,
                disaggregation=mode,
            )
            t0 = time.perf_counter()
            cands = cand_mod.candidates(problem)
            t_cand = time.perf_counter() - t0
            t0 = time.perf_counter()
            res = solve(problem, "auto", time_limit=30)
            t_solve = time.perf_counter() - t0
            plan = res.solution
            rows.append(
                {
                    "model": model,
                    "qps": qps,
                    "slo": f"TTFT p99 {ttft} / TPOT p99 {tpot}",
                    "disaggregation": mode,
                    "candidates": len(cands),
                    "usable": sum(c.usable for c in cands),
                    "capacity_model_s": round(t_cand, 3),
                    "mip_s_warm": round(t_solve, 3),
                    "status": res.status.value,
                    "cost_per_hour": round(res.objective, 2) if res.objective else "",
                    "gap": res.gap,
                    "plan": "; ".join(g.label() for g in plan.replicas) if plan else res.reason,
                    "load": load(),
                    "_result": res,
                    "_name": f"{model} qps {qps} disaggregation {mode}",
                }
            )
    return rows


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------


def md_table(rows: list[dict]) -> str:
    """The rows as Markdown (columns starting with ``_`` are the script's own)."""
    return markdown_rows(rows, [c for c in rows[0] if not c.startswith("_")])


def public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def solved_row(instance: str, res: Result, seconds: float, extra: dict) -> dict:
    """A solve of this script as a benchmark row (its certificate; ``extra`` in ``stats``)."""
    return measurement_row(
        "serve",
        instance,
        res.method,
        status=res.status.value,
        objective=res.objective,
        bound=res.bound,
        gap=res.gap,
        verified=res.verified,
        reason=res.reason,
        runtime_s=seconds,
        time_limit=res.time_limit,
        stats=extra,
    )


def prediction_row(instance: str, method: str, predicted: float, published: float, extra: dict):
    """A model prediction against a published measurement (the gap is the error)."""
    return measurement_row(
        "serve",
        instance,
        method,
        objective=predicted,
        reference=Reference(value=published, measured=True),
        stats=extra,
    )


def summary(rows: list[dict], key: str = "error_pct") -> str:
    e = np.array([r[key] for r in rows], dtype=float)
    return (
        f"mean |error| {np.mean(np.abs(e)):.1f} %, median error {np.median(e):+.1f} %, "
        f"max |error| {np.max(np.abs(e)):.1f} % over {len(e)} rows"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-fit", action="store_true", help="Do not run the constant grid fit.")
    ap.add_argument("--mip-instances", type=int, default=40)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    constants = (
        f"Model constants: WEIGHT_STREAM_EFFICIENCY = {step.WEIGHT_STREAM_EFFICIENCY}, "
        f"ITERATION_OVERHEAD_S = {step.ITERATION_OVERHEAD_S}, FLASH_ATTENTION_EFFICIENCY = "
        f"{step.FLASH_ATTENTION_EFFICIENCY}, ALLREDUCE_LATENCY_S = {comm.ALLREDUCE_LATENCY_S}."
    )
    sections, bench_rows = [], []
    if not args.skip_fit:
        table, best = fit()
        for r in table:
            name = f"eff {r['weight_stream_efficiency']} overhead {r['iteration_overhead_ms']:g} ms"
            bench_rows.append(
                measurement_row(
                    "serve", name, "grid-fit", objective=r["fit_mean_abs_log_err"], stats=r
                )
            )
        sections.append(
            (
                "Constant fit (8B and 70B rows; 405B held out)",
                f"Best grid point: efficiency {best[0]}, overhead {best[1] * 1e3:g} ms (mean "
                "|log error| on the fit rows; rows of method `grid-fit`).\n\n" + md_table(table),
            )
        )
    rows = throughput_rows()
    for r in rows:
        name = f"offline {r['model']} {r['gpu']} tp{r['tp']} {r['isl']}/{r['osl']}"
        bench_rows.append(
            prediction_row(name, "perfmodel", r["predicted_tok_s"], r["published_tok_s"], r)
        )
    fit_rows = [r for r in rows if r["set"] == "fit"]
    held = [r for r in rows if r["set"] == "held-out"]
    sections.append(
        (
            "Offline throughput vs trtllm-bench",
            f"Source: {TRT_OVERVIEW}. FP8 weights, activations and KV cache; TensorRT-LLM's "
            "guaranteed-no-evict scheduler (kv_admission = reserve); chunk 8192 tokens.\n\n"
            f"Fit rows (8B, 70B): {summary(fit_rows)}. Held-out rows (405B): {summary(held)}.\n\n"
            + md_table(rows),
        )
    )
    srows = static_rows()
    for k, r in enumerate(srows):
        name = f"{r['kind'].split(' (')[0]} {r['model']} {r['gpu']} tp{r['tp']} #{k}"
        bench_rows.append(prediction_row(name, "perfmodel", r["predicted"], r["published"], r))
    ttft = [r for r in srows if r["kind"].startswith("first")]
    stat = [r for r in srows if r["kind"].startswith("static")]
    sections.append(
        (
            "Step times vs TensorRT-LLM v0.5/v0.6 measurements",
            f"Source: {TRT_STATIC}. Prefill at batch 1: {summary(ttft)}. Static batches: "
            f"{summary(stat)}.\n\n" + md_table(srows),
        )
    )
    mrows = mip_rows(args.mip_instances)
    for r in mrows:
        bench_rows.append(solved_row(r["instance"], r["_result"], r["mip_s"], public(r)))
        bench_rows.append(
            measurement_row(
                "serve",
                r["instance"],
                "brute-force",
                status="MEASURED" if r["_brute"] is not None else "INFEASIBLE",
                objective=r["_brute"],
                runtime_s=r["brute_s"],
                stats=public(r),
            )
        )
    agree = sum(bool(r["agree"]) for r in mrows)
    sections.append(
        (
            "MIP vs brute force",
            f"{agree} / {len(mrows)} random small inventories agree (objective equal, or both "
            f"infeasible). Load average {load()}.\n\n" + md_table(mrows),
        )
    )
    s_rows = search_rows()
    for r in s_rows:
        bench_rows.append(solved_row(r["_name"], r["_result"], r["mip_s_warm"], public(r)))
    sections.append(
        (
            "Search time, H100:64 + A100:128",
            "Cold caches; `capacity_model_s` evaluates every candidate layout and role, "
            "`mip_s_warm` then runs greedy + MIP (+ certification) on the cached capacities.\n\n"
            + md_table(s_rows),
        )
    )
    write_rows(OUT / "serving_validation.csv", bench_rows)
    write_report(
        OUT / "serving_validation.md",
        bench_rows,
        title="Serving planner validation",
        command=".venv/bin/python bench/serve_validation.py"
        + (" --skip-fit" if args.skip_fit else "")
        + (f" --mip-instances {args.mip_instances}" if args.mip_instances != 40 else ""),
        notes=[
            constants,
            "Rows of method `perfmodel` are the model's predictions against published "
            "measurements (their gap is the error); `grid-fit` rows the fit's mean |log error| "
            "per grid point; `mip` and `brute-force` rows the MIP and the enumeration on the "
            "same random inventories; `auto` rows the search on a realistic inventory.",
        ],
        sections=sections,
        plots=False,
    )
    print("\n\n".join(f"## {h}\n\n{b}" for h, b in sections))


if __name__ == "__main__":
    main()
