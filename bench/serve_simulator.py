"""Analytic serving model vs the discrete-event simulator, over models, loads and percentiles.

For each case (model and layout, traffic, colocated or prefill/decode) the replica's
SLO-free capacity ``cap`` is the model's (:func:`planner.serve.evaluate.plan_metrics`
without targets); the plan then carries ``u * cap`` for each utilisation ``u`` of the grid,
and the model's TTFT / TPOT at the percentile (p90 and p99) are compared with the
simulator's (:mod:`planner.serve.simulate`, one seeded trace per case). The target: within
15 % below 80 % utilisation. Besides the seven dense single-replica cases, the grid has what
the planner recommends beyond them (at four loads each, to keep the bench short): expert
parallelism with data-parallel attention (Mixtral tp2 ep2; DeepSeek-V3 fp8 on 8 x H200, tp1
ep8 under SGLang, its lowest load 35 %: at 20 % a trace costs 140 CPU s), a pipeline (70B
tp4 pp2 on L40S), EAGLE speculative decoding, prefix-cache hits, an FP8 KV cache, ShareGPT-like
lognormal lengths (the public rows' means), gpt-oss-20b with long prompts under vLLM 0.10.1
(sliding-window layers keeping 128 tokens of KV) and Llama-3.1-405B fp8 tp8. A second table runs the plans the solver picks for three
SLO levels and compares the plan's predicted p99 with the simulated p99.

Writes ``simulator.csv`` and ``simulator_plans.csv`` (benchmark rows, one per case, load,
percentile and metric: the model's latency as the objective, the simulated one as the
measured reference, the case's columns in ``stats``; the plans file also has a certificate
row per solve) and ``simulator.md`` (their report, with the two tables as sections) into
``--out`` (default ``bench/results/serve``).

Usage::

    .venv/bin/python bench/serve_simulator.py [--requests 10000] [--seed 0] [--jobs 2]
        [--case 8B] [--out DIR]

The simulations run in ``--jobs`` worker processes (the model side and the solves in the
main process, meanwhile).

10,000 requests per trace by default: the p99 of 3,000 requests rests on 30 of them, which
arrive in a few correlated bursts, and five seeds of the 8B chat case at 70 % load spread
from 197 to 279 ms (TTFT) and 34 to 39 ms (TPOT).
"""

from __future__ import annotations

import os

# one BLAS thread per process (before numpy loads): threads spin when the cores are busy
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import functools
import hashlib
import inspect
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import planner.perfmodel as perfmodel_package
import planner.serve.instance as serve_instance_module
import planner.serve.simulate as simulate_module
import planner.serve.traffic as traffic_module
from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import certificate_row, measurement_row
from planner.core.family import Reference
from planner.perfmodel.calibration.serving_public import (
    SHAREGPT_OUTPUT_MEAN,
    SHAREGPT_PROMPT_MEAN,
)
from planner.perfmodel.serving_features import Speculative
from planner.serve import ReplicaGroup, ServingPlan, make_problem, solve
from planner.serve.capacity import PREFILL_CHUNK_TOKENS, engine_for, engine_key
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests

OUT = Path(__file__).resolve().parent / "results" / "serve"
UTILISATIONS = (0.2, 0.4, 0.6, 0.7, 0.8, 0.9)
NEW_UTILISATIONS = (0.2, 0.5, 0.7, 0.9)
PERCENTILES = (90, 99)
TARGET = 0.15


@dataclass(frozen=True)
class Case:
    """One grid case: a single replica (or a 1:1 prefill/decode pair) and its traffic."""

    name: str
    model: str
    precision: str
    gpu: str  # inventory name (H100, A100, H200, L40S)
    tp: int
    prompt: str
    output: str
    scv: float = 1.0  # arrival squared coefficient of variation
    disagg: bool = False
    pp: int = 1
    ep: int = 1  # > 1: expert parallel with data-parallel attention (lockstep groups)
    kv_precision: str | None = None
    speculative: Speculative | None = None
    prefix_hit_rate: float = 0.0
    engine: str | None = None
    utilisations: tuple[float, ...] = UTILISATIONS


CASES = [
    Case("8B chat", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128"),
    Case("8B long prompts", "llama-3.1-8b", "bf16", "H100", 1, "exp:2048", "exp:256"),
    Case("8B chat bursty (scv 2)", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128", 2.0),
    Case("8B chat P/D 1:1", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128", disagg=True),
    Case("70B chat fp8 tp4", "llama-3.1-70b", "fp8", "H100", 4, "exp:512", "exp:128"),
    Case("Mixtral chat tp2", "mixtral-8x7b", "bf16", "H100", 2, "exp:1024", "exp:128"),
    Case("8B chat A100", "llama-3.1-8b", "bf16", "A100", 1, "exp:512", "exp:128"),
    # what the planner recommends beyond the plain dense replica (fewer loads: bench time)
    Case(
        "Mixtral tp2 ep2 DP-attention",
        "mixtral-8x7b",
        "bf16",
        "H100",
        2,
        "exp:1024",
        "exp:128",
        ep=2,
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "DeepSeek-V3 fp8 H200 ep8 DP-attention (sglang)",
        "deepseek-v3",
        "fp8",
        "H200",
        1,
        "exp:1024",
        "exp:256",
        ep=8,
        engine="sglang",
        utilisations=(0.35, 0.5, 0.7, 0.9),  # at 20 % a 10,000-request trace costs 140 CPU s,
    ),
    Case(
        "70B tp4 pp2",
        "llama-3.1-70b",
        "bf16",
        "L40S",
        4,
        "exp:512",
        "exp:128",
        pp=2,
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "70B fp8 tp4 EAGLE k3 a0.7",
        "llama-3.1-70b",
        "fp8",
        "H100",
        4,
        "exp:512",
        "exp:128",
        speculative=Speculative("eagle", 3, 0.7),
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "8B prefix hits 50 %",
        "llama-3.1-8b",
        "bf16",
        "H100",
        1,
        "exp:2048",
        "exp:256",
        prefix_hit_rate=0.5,
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "8B fp8 KV L40S",
        "llama-3.1-8b",
        "bf16",
        "L40S",
        1,
        "exp:512",
        "exp:128",
        kv_precision="fp8",
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "8B ShareGPT-like lengths",
        "llama-3.1-8b",
        "bf16",
        "H100",
        1,
        f"lognormal:{SHAREGPT_PROMPT_MEAN},{SHAREGPT_PROMPT_MEAN}",
        f"lognormal:{SHAREGPT_OUTPUT_MEAN},{SHAREGPT_OUTPUT_MEAN}",
        utilisations=NEW_UTILISATIONS,
    ),
    Case(  # alternating 128-token windows: KV admission holds about half the context
        "gpt-oss-20b long prompts (vllm 0.10.1)",
        "gpt-oss-20b",
        "bf16",
        "H100",
        1,
        "exp:8192",
        "exp:512",
        engine="vllm:0.10.1",
        utilisations=NEW_UTILISATIONS,
    ),
    Case(
        "405B fp8 tp8",
        "llama-3.1-405b",
        "fp8",
        "H100",
        8,
        "exp:1024",
        "exp:256",
        utilisations=NEW_UTILISATIONS,
    ),
]

# solver-chosen plans: (model, gpus, qps, prompt, output, [(ttft, tpot), ...])
PLAN_CASES = [
    ("llama-3.1-8b", "H100:8,A100:8", 30.0, "exp:1024", "exp:256"),
    ("llama-3.1-70b", "H100:16,A100:16", 6.0, "exp:1024", "exp:256"),
    # the solver picks expert parallelism with data-parallel attention here (ep2 replicas)
    ("mixtral-8x7b", "H100:8,A100:8", 20.0, "exp:1024", "exp:256"),
]
SLO_LEVELS = (("500ms", "30ms"), ("1s", "50ms"), ("3s", "100ms"))


def err(model: float | None, sim: float) -> float | None:
    if model is None or not np.isfinite(model) or sim <= 0:
        return None
    return model / sim - 1.0


def layout(case: Case, load: float) -> ServingPlan:
    """The case's replica (or prefill/decode pair) carrying ``load`` req/s."""
    name = problem_for(case, 99, 1.0).inventory.pools[0].label
    c, spec = case, case.speculative is not None
    if c.disagg:
        return ServingPlan(
            (
                ReplicaGroup(name, c.tp, c.pp, c.ep, 1, "prefill", 16384, load),
                ReplicaGroup(name, c.tp, c.pp, c.ep, 1, "decode", 0, load, spec),
            )
        )
    return ServingPlan((ReplicaGroup(name, c.tp, c.pp, c.ep, 1, "both", 2048, load, spec),))


def problem_for(case: Case, q: float, qps: float):
    """The serving problem of ``case`` at ``qps`` req/s and SLO percentile ``q``."""
    p = make_problem(
        case.model,
        f"{case.gpu}:{2 * case.tp * case.pp * case.ep}",
        qps=qps,
        prompt_tokens=case.prompt,
        output_tokens=case.output,
        percentile=q,
        precision=case.precision,
        kv_precision=case.kv_precision,
        speculative=case.speculative,
        prefix_hit_rate=case.prefix_hit_rate,
        engine=case.engine,
        disaggregation="force" if case.disagg else "off",
    )
    return replace(p, traffic=replace(p.traffic, arrival_scv=case.scv))


def plan_problem(model: str, gpus: str, qps: float, prompt: str, output: str, ttft: str, tpot: str):
    """The problem of one solver-plan case (:data:`PLAN_CASES`) at one SLO level."""
    return make_problem(
        model,
        gpus,
        qps=qps,
        prompt_tokens=prompt,
        output_tokens=output,
        ttft=ttft,
        tpot=tpot,
        disaggregation="allow",
    )


def selected(name: str, wanted: list[str]) -> bool:
    return not wanted or any(w.lower() in name.lower() for w in wanted)


#: Folder of saved simulations (``--sims``): None = simulate everything.
SIMS: Path | None = None


@functools.cache
def simulator_code() -> str:
    """Digest of the code a simulation depends on: the simulator, the traffic generator,
    the serving instance, the engine lookup and prefill chunk, and every file of ``planner/perfmodel`` (step model and constants), so
    saved simulations go stale by themselves when any of them changes."""
    digest = hashlib.sha1()
    for module in (simulate_module, traffic_module, serve_instance_module):
        digest.update(inspect.getsource(module).encode())
    for function in (engine_for, engine_key):
        digest.update(inspect.getsource(function).encode())
    digest.update(repr(PREFILL_CHUNK_TOKENS).encode())  # the simulator's chunk (capacity.py)
    root = Path(perfmodel_package.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json", ".toml"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def simulated(problem, plan, requests: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(TTFT, TPOT per request, CPU seconds) of one simulation (run in a worker process).

    With ``--sims DIR`` the latencies are saved there under a hash of the problem, the plan,
    the request count, the seed and the code the simulation runs (:func:`simulator_code`),
    and reused when the same simulation is asked again (the simulator is deterministic given
    them).
    """
    path = None
    if SIMS is not None:
        what = repr((problem, plan, requests, seed, simulator_code()))
        key = hashlib.sha1(what.encode()).hexdigest()[:20]
        path = SIMS / f"{key}.npz"
        if path.exists():
            saved = np.load(path)
            return saved["ttft"], saved["tpot"], float(saved["cpu"])
    t0 = time.process_time()
    _, done = simulate_requests(problem, plan, requests=requests, seed=seed)
    ttft, tpot = latencies(done)
    cpu = time.process_time() - t0
    if path is not None:
        np.savez(path, ttft=ttft, tpot=tpot, cpu=cpu)
    return ttft, tpot, cpu


def submit_grid(requests: int, seed: int, wanted: list[str], pool: Executor) -> list[tuple]:
    """Submit the grid's simulations to the pool (they run while the plans are solved)."""
    jobs = []
    for case in [c for c in CASES if selected(c.name, wanted)]:
        cap = plan_metrics(problem_for(case, 99, 1.0), layout(case, 1.0))["capacity_qps"]
        for u in case.utilisations:
            load = u * cap
            plan = layout(case, load)
            sim = pool.submit(simulated, problem_for(case, 99, load), plan, requests, seed)
            jobs.append((case, cap, u, load, plan, sim))
    return jobs


def grid(jobs: list[tuple]) -> list[dict]:
    """The grid's rows: each simulation against the model at the same load."""
    rows = []
    for case, cap, u, load, plan, sim in jobs:
        ttft, tpot, sim_s = sim.result()
        for q in PERCENTILES:
            m = plan_metrics(problem_for(case, q, load), plan)
            st, sp = float(np.percentile(ttft, q)), float(np.percentile(tpot, q))
            rows.append(
                {
                    "case": case.name,
                    "utilisation": u,
                    "qps": round(load, 4),
                    "capacity_qps": round(cap, 4),
                    "percentile": q,
                    "model_ttft_s": m["ttft_s"],
                    "sim_ttft_s": st,
                    "ttft_err": err(m["ttft_s"], st),
                    "model_tpot_s": m["tpot_s"],
                    "sim_tpot_s": sp,
                    "tpot_err": err(m["tpot_s"], sp),
                    "prefill_utilization": max(g["utilization"] for g in m["groups"]),
                    "sim_cpu_seconds": round(sim_s, 2),
                }
            )
        print(case.name, u, rows[-1]["ttft_err"], rows[-1]["tpot_err"], flush=True)
    return rows


def plans(
    requests: int, seed: int, wanted: list[str], pool: Executor
) -> tuple[list[dict], list[dict]]:
    """The solver's plans against the simulator, and a certificate row per solve."""
    rows, certificates, jobs = [], [], []
    for model, gpus, qps, prompt, output in [c for c in PLAN_CASES if selected(c[0], wanted)]:
        for ttft, tpot in SLO_LEVELS:
            prob = plan_problem(model, gpus, qps, prompt, output, ttft, tpot)
            res = solve(prob, time_limit=20)
            certificates.append(
                certificate_row(res, instance=f"{model} @ {qps:g} req/s, SLO {ttft}/{tpot}")
            )
            sim = None
            if res.solution is not None:
                sim = pool.submit(simulated, prob, res.solution, requests, seed)
            jobs.append((model, gpus, qps, ttft, tpot, prob, res, sim))
    for model, gpus, qps, ttft, tpot, prob, res, sim in jobs:
        if sim is None:
            rows.append({"model": model, "slo": f"{ttft}/{tpot}", "status": res.status.value})
            continue
        m = plan_metrics(prob, res.solution)
        t, p, _ = sim.result()
        st, sp = float(np.percentile(t, 99)), float(np.percentile(p, 99))
        rows.append(
            {
                "model": model,
                "gpus": gpus,
                "qps": qps,
                "slo": f"{ttft}/{tpot}",
                "status": res.status.value,
                "plan": "; ".join(g.label() for g in res.solution.replicas),
                "utilisation": m["served_qps"] / m["capacity_qps"],
                "model_ttft_s": m["ttft_s"],
                "sim_ttft_s": st,
                "ttft_err": err(m["ttft_s"], st),
                "model_tpot_s": m["tpot_s"],
                "sim_tpot_s": sp,
                "tpot_err": err(m["tpot_s"], sp),
            }
        )
        print(model, ttft, tpot, rows[-1]["plan"], rows[-1]["ttft_err"], flush=True)
    return rows, certificates


def bench_rows(rows: list[dict], name) -> list[dict]:
    """One measurement row per row and metric: the model's latency against the simulated one."""
    out = []
    for r in rows:
        if "plan" not in r and "case" not in r:
            continue  # a solve without a plan: its certificate row says why
        for metric in ("ttft", "tpot"):
            model = r[f"model_{metric}_s"]
            out.append(
                measurement_row(
                    "serve",
                    f"{name(r)} / {metric}",
                    "model",
                    objective=model if model is not None and np.isfinite(model) else None,
                    reference=Reference(value=r[f"sim_{metric}_s"], measured=True),
                    stats=r,
                )
            )
    return out


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:+.1f} %"


def ms(x: float | None) -> str:
    return "–" if x is None else f"{1000 * x:.1f}"


def flag(e: float | None) -> str:
    return pct(e) + (" ✗" if e is not None and abs(e) > TARGET else "")


GRID_COLUMNS = [
    "case",
    "util.",
    "req/s",
    "pct",
    "TTFT model ms",
    "TTFT sim ms",
    "err",
    "TPOT model ms",
    "TPOT sim ms",
    "err ",
]
PLAN_COLUMNS = [
    "model",
    "SLO TTFT/TPOT",
    "plan",
    "util.",
    "TTFT model ms",
    "sim ms",
    "err",
    "TPOT model ms",
    "sim ms ",
    "err ",
]


def grid_section(rows: list[dict], requests: int) -> str:
    """The summary line and the table of model vs simulator over the grid."""
    below = [r for r in rows if r["utilisation"] < 0.8 and r["percentile"] == 99]
    errs = [abs(r[k]) for r in below for k in ("ttft_err", "tpot_err") if r[k] is not None]
    inside = sum(e <= TARGET for e in errs)
    largest = f"{100 * max(errs):.1f} %" if errs else "–"
    text = (
        "Error = model / simulated - 1 at the same percentile (one seeded trace of "
        f"{requests} requests per case; utilisation = load / the replica's SLO-free "
        "capacity in the model).\n\n"
        f"**p99 below 80 % utilisation: {inside} / {len(errs)} TTFT/TPOT comparisons within "
        f"±{TARGET:.0%}** (largest |error| {largest}).\n\n"
    )
    shown = [
        dict(
            zip(
                GRID_COLUMNS,
                [
                    r["case"],
                    f"{r['utilisation']:.0%}",
                    f"{r['qps']:.3g}",
                    f"p{r['percentile']}",
                    ms(r["model_ttft_s"]),
                    ms(r["sim_ttft_s"]),
                    flag(r["ttft_err"]),
                    ms(r["model_tpot_s"]),
                    ms(r["sim_tpot_s"]),
                    flag(r["tpot_err"]),
                ],
                strict=True,
            )
        )
        for r in rows
    ]
    return text + markdown_rows(shown, GRID_COLUMNS)


def plans_section(prows: list[dict]) -> str:
    """The table of the solver's plans (p99) against the simulator."""
    shown = []
    for r in prows:
        if "plan" not in r:
            cells = [r["model"], r["slo"], r["status"]] + [""] * 7
        else:
            cells = [
                f"{r['model']} @ {r['qps']:g} req/s",
                r["slo"],
                r["plan"],
                f"{r['utilisation']:.0%}",
                ms(r["model_ttft_s"]),
                ms(r["sim_ttft_s"]),
                pct(r["ttft_err"]),
                ms(r["model_tpot_s"]),
                ms(r["sim_tpot_s"]),
                pct(r["tpot_err"]),
            ]
        shown.append(dict(zip(PLAN_COLUMNS, cells, strict=True)))
    return markdown_rows(shown, PLAN_COLUMNS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--case",
        action="append",
        default=[],
        help="run only the cases (and solver-plan models) whose name contains this text "
        "(repeatable)",
    )
    ap.add_argument("--out", type=Path, default=OUT, help="folder for simulator.csv / .md")
    ap.add_argument(
        "--jobs", type=int, default=2, help="simulations run side by side (worker processes)"
    )
    ap.add_argument(
        "--sims",
        type=Path,
        default=None,
        help="save simulated latencies in this folder and reuse those already there "
        "(re-running the model side only)",
    )
    args = ap.parse_args()
    global SIMS
    if args.sims is not None:
        args.sims.mkdir(parents=True, exist_ok=True)
        SIMS = args.sims
    reused = len(list(args.sims.glob("*.npz"))) if args.sims is not None else 0
    before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        jobs = submit_grid(args.requests, args.seed, args.case, pool)
        prows, certificates = plans(args.requests, args.seed, args.case, pool)
        rows = grid(jobs)
    wall = time.perf_counter() - t0
    after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    grid_rows = bench_rows(
        rows, lambda r: f"{r['case']} @ {r['utilisation']:.0%}, p{r['percentile']}"
    )
    plan_rows = certificates + bench_rows(
        prows, lambda r: f"{r['model']} @ {r['qps']:g} req/s, SLO {r['slo']}, p99"
    )
    command = (
        f".venv/bin/python bench/serve_simulator.py --requests {args.requests} --seed {args.seed}"
        f" --jobs {args.jobs}"
    )
    command += "".join(f" --case '{c}'" for c in args.case)
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(args.out / "simulator.csv", grid_rows)
    write_rows(args.out / "simulator_plans.csv", plan_rows)
    sections = [("Model vs simulator", grid_section(rows, args.requests))] if rows else []
    if prows:
        sections.append(
            ("Plans chosen by the solver (disaggregation allowed), p99", plans_section(prows))
        )
    report = write_report(
        args.out / "simulator.md",
        grid_rows + plan_rows,
        title="Serving model vs discrete-event simulator",
        command=command,
        notes=[
            f"{args.requests} requests per simulated trace, seed {args.seed} (trace, router "
            f"and acceptance draws); {args.jobs} simulations side by side"
            + (
                f"; simulations saved in / reused from `{args.sims}` ({reused} there at the start)."
                if args.sims is not None
                else "; every simulation run here."
            ),
            f"Load average before / after: {before} / {after}; wall time {wall:.0f} s "
            "(2 cores shared with other agents).",
            "Objective: the model's latency (s) at the percentile; reference: the simulated "
            "one (a measurement, so the gap is the model's error). The certificate rows are "
            "the solver's plans.",
        ],
        sections=sections,
        plots=False,
    )
    print(report.read_text())


if __name__ == "__main__":
    main()
