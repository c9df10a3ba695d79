"""Validate the serving model against published numbers, check the MIP, time the search.

Writes ``bench/results/serve/serving_validation.csv`` (benchmark rows, :mod:`planner.bench`:
predictions against published numbers as ``perfmodel`` rows with the measurement as reference,
so their gap is the error; solves as their certificates) and ``serving_validation.md`` (its
report, with a section per part):

* offline throughput: TensorRT-LLM "perf overview": the serving rows of
  :mod:`planner.perfmodel.calibration.published` (8B and 70B fitted by ``planner
  calibrate``, 405B held out), predicted output tokens/s of the planner's offline mode with
  the published layout fixed vs published;
* step times: TensorRT-LLM v0.5 / v0.6.1 ``performance.md`` (commit 77d24b5f):
  first-token latency at batch 1 (prefill) and static-batch throughput per GPU (Llama-2
  7B / 70B, H100 FP8 and A100 FP16) predicted from the step-time model alone;
* MIP vs brute-force enumeration of replica counts on random small inventories (objective
  must be equal; the MIP plan must verify): methods ``mip`` and ``brute-force``;
* search time on a realistic inventory (H100:64,A100:128) for three models, colocated and
  with disaggregation: method ``auto``.

Usage::

    .venv/bin/python bench/serve_validation.py [--mip-instances 40]

Timings depend on the machine's load; the load average is recorded.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time
from pathlib import Path

import numpy as np

import planner.perfmodel.stage as step
from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import certificate_row, measurement_row
from planner.core.family import Reference
from planner.core.result import Status
from planner.perfmodel import comm
from planner.perfmodel.calibration.published import FIT, HELD_OUT, MODELS, SERVING_ROWS, SOURCES
from planner.perfmodel.constants import FITTED
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.serve import candidates as cand_mod
from planner.serve import capacity, make_problem, solve, verify
from planner.serve.assemble import build_plan, served
from planner.serve.calibration import predict

OUT = Path(__file__).resolve().parent / "results" / "serve"
TRT_STATIC = "NVIDIA/TensorRT-LLM docs/source/performance.md (commit 77d24b5fa178f11ed7fafdd9833b7245e075f721)"

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
    return load_model({**MODELS[name], "name": name} if name in MODELS else name)


def _clear_caches() -> None:
    capacity.engine_for.cache_clear()
    cand_mod.role_capacity.cache_clear()


# ---------------------------------------------------------------------------
# 1. offline throughput vs trtllm-bench (the published serving rows)
# ---------------------------------------------------------------------------


def throughput_rows() -> list[dict]:
    rows = []
    for row in SERVING_ROWS:
        pred = predict(row)
        rows.append(
            {
                "model": row.model,
                "gpu": row.gpu,
                "tp": row.tp,
                "isl": row.input_tokens,
                "osl": row.output_tokens,
                "published_tok_s": row.value,
                "predicted_tok_s": round(pred),
                "error_pct": round(100 * (pred / row.value - 1), 1),
                "set": row.split,
                "_predicted": pred,
            }
        )
    return rows


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


#: Two inventories: a large two-type fleet (three models, colocated and disaggregated) and
#: the three-type fleet of issue 19's speed target (the README example's traffic, one
#: workload at a time: several workloads sharing a fleet are not modelled).
BIG, THREE = "H100:64,A100:128", "H100:16,A100:16,L40S:16"
SEARCH_CASES = [
    (BIG, "llama-3.1-70b", 40.0, "exp:1024", "exp:256", "1s", "50ms", ("off", "allow")),
    (BIG, "llama-3.1-8b", 300.0, "exp:1024", "exp:256", "500ms", "30ms", ("off", "allow")),
    (BIG, "qwen2.5-72b", 25.0, "lognormal:2000,1500", "exp:400", "2s", "60ms", ("off", "allow")),
    (THREE, "llama-3.1-8b", 10.0, "exp:1024", "exp:256", "1s", "50ms", ("allow",)),
    (THREE, "llama-3.1-70b", 10.0, "exp:1024", "exp:256", "1s", "50ms", ("allow",)),
    (THREE, "mixtral-8x7b", 10.0, "exp:1024", "exp:256", "1s", "50ms", ("allow",)),
]


SEARCH_NOTE = (
    "Cold caches; `capacity_model_s` evaluates every candidate layout and role, "
    "`mip_s_warm` then runs greedy + MIP (+ certification) on the cached capacities; "
    "`total_s` is their sum. `load` is the 1-minute load average (2 shared cores)."
)


def search_rows() -> list[dict]:
    rows = []
    for gpus, model, qps, p, o, ttft, tpot, modes in SEARCH_CASES:
        for mode in modes:
            _clear_caches()
            problem = make_problem(
                model,
                gpus,
                qps=qps,
                prompt_tokens=p,
                output_tokens=o,
                ttft=ttft,
                tpot=tpot,
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
                    "gpus": gpus,
                    "model": model,
                    "qps": qps,
                    "slo": f"TTFT p99 {ttft} / TPOT p99 {tpot}",
                    "disaggregation": mode,
                    "candidates": len(cands),
                    "usable": sum(c.usable for c in cands),
                    "capacity_model_s": round(t_cand, 3),
                    "mip_s_warm": round(t_solve, 3),
                    "total_s": round(t_cand + t_solve, 3),
                    "status": res.status.value,
                    "cost_per_hour": round(res.objective, 2) if res.objective else "",
                    "gap": res.gap,
                    "plan": "; ".join(g.label() for g in plan.replicas) if plan else res.reason,
                    "load": load(),
                    "_result": res,
                    "_name": f"{model} on {gpus} qps {qps} disaggregation {mode}",
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


def prediction_row(instance: str, predicted: float, published: float, extra: dict) -> dict:
    """A model prediction against a published measurement (the gap is the error)."""
    return measurement_row(
        "serve",
        instance,
        "perfmodel",
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
    ap.add_argument("--mip-instances", type=int, default=40)
    ap.add_argument(
        "--search-only",
        metavar="NAME",
        help="only the search-time rows, written to NAME.csv and NAME.md (e.g. to time "
        "another checkout: PYTHONPATH=/path/to/it python bench/serve_validation.py "
        "--search-only serving_search_before)",
    )
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.search_only:
        s_rows = search_rows()
        rows = [
            certificate_row(
                r["_result"], instance=r["_name"], runtime_s=r["total_s"], stats=public(r)
            )
            for r in s_rows
        ]
        write_rows(OUT / f"{args.search_only}.csv", rows)
        write_report(
            OUT / f"{args.search_only}.md",
            rows,
            title="Serving search time",
            command=f".venv/bin/python bench/serve_validation.py --search-only {args.search_only}",
            notes=[f"planner from {Path(cand_mod.__file__).parents[2]}.", SEARCH_NOTE],
            sections=[("Search time", md_table(s_rows))],
            plots=False,
        )
        print(md_table(s_rows))
        return
    constants = (
        f"Fitted constants (planner/perfmodel/calibration/constants.json): weight_stream_efficiency"
        f" = {FITTED['weight_stream_efficiency']:.6g}, iteration_overhead_s = "
        f"{FITTED['iteration_overhead_s']:.6g}. Assumed: FLASH_ATTENTION_EFFICIENCY = "
        f"{step.FLASH_ATTENTION_EFFICIENCY}, ALLREDUCE_LATENCY_S = {comm.ALLREDUCE_LATENCY_S}."
    )
    sections, bench_rows = [], []
    rows = throughput_rows()
    for r in rows:
        name = f"offline {r['model']} {r['gpu']} tp{r['tp']} {r['isl']}/{r['osl']}"
        bench_rows.append(prediction_row(name, r["_predicted"], r["published_tok_s"], public(r)))
    fit_rows = [r for r in rows if r["set"] == FIT]
    held = [r for r in rows if r["set"] == HELD_OUT]
    source = SOURCES[SERVING_ROWS[0].source]
    sections.append(
        (
            "Offline throughput vs trtllm-bench",
            f"Source: {source.citation}. FP8 weights, activations and KV cache; TensorRT-LLM's "
            "guaranteed-no-evict scheduler (kv_admission = reserve); chunk 8192 tokens.\n\n"
            f"Fit rows (8B, 70B): {summary(fit_rows)}. Held-out rows (405B): {summary(held)}.\n\n"
            + md_table(rows),
        )
    )
    srows = static_rows()
    for k, r in enumerate(srows):
        name = f"{r['kind'].split(' (')[0]} {r['model']} {r['gpu']} tp{r['tp']} #{k}"
        bench_rows.append(prediction_row(name, r["predicted"], r["published"], r))
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
        bench_rows.append(
            certificate_row(
                r["_result"], instance=r["instance"], runtime_s=r["mip_s"], stats=public(r)
            )
        )
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
        bench_rows.append(
            certificate_row(
                r["_result"], instance=r["_name"], runtime_s=r["mip_s_warm"], stats=public(r)
            )
        )
    sections.append(("Search time", SEARCH_NOTE + "\n\n" + md_table(s_rows)))
    write_rows(OUT / "serving_validation.csv", bench_rows)
    write_report(
        OUT / "serving_validation.md",
        bench_rows,
        title="Serving planner validation",
        command=".venv/bin/python bench/serve_validation.py"
        + (f" --mip-instances {args.mip_instances}" if args.mip_instances != 40 else ""),
        notes=[
            constants,
            "Rows of method `perfmodel` are the model's predictions against published "
            "measurements (their gap is the error); `mip` and `brute-force` rows the MIP and "
            "the enumeration on the same random inventories; `auto` rows the search on a "
            "realistic inventory.",
        ],
        sections=sections,
        plots=False,
    )
    print("\n\n".join(f"## {h}\n\n{b}" for h, b in sections))


if __name__ == "__main__":
    main()
