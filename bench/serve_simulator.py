"""Analytic serving model vs the discrete-event simulator, over models, loads and percentiles.

For each case (model and layout, traffic, colocated or prefill/decode) the replica's
SLO-free capacity ``cap`` is the model's (:func:`planner.serve.evaluate.plan_metrics`
without targets); the plan then carries ``u * cap`` for each utilisation ``u`` of the grid,
and the model's TTFT / TPOT at the percentile (p90 and p99) are compared with the
simulator's (:mod:`planner.serve.simulate`, one seeded trace per case). The target: within
15 % below 80 % utilisation. A second table runs the plans the solver picks for three
SLO levels and compares the plan's predicted p99 with the simulated p99.

Writes ``bench/results/serve/simulator.csv``, ``simulator_plans.csv`` and
``simulator.md``.

Usage::

    .venv/bin/python bench/serve_simulator.py [--requests 3000] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from planner.core.io import write_atomic
from planner.serve import ReplicaGroup, ServingPlan, make_problem, solve
from planner.serve.evaluate import plan_metrics
from planner.serve.simulate import latencies, simulate_requests

OUT = Path(__file__).resolve().parent / "results" / "serve"
UTILISATIONS = (0.2, 0.4, 0.6, 0.7, 0.8, 0.9)
PERCENTILES = (90, 99)
TARGET = 0.15

# (name, model, precision, gpu, tp, prompt, output, arrival scv, disaggregated)
CASES = [
    ("8B chat", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128", 1.0, False),
    ("8B long prompts", "llama-3.1-8b", "bf16", "H100", 1, "exp:2048", "exp:256", 1.0, False),
    ("8B chat bursty (scv 2)", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128", 2.0, False),
    ("8B chat P/D 1:1", "llama-3.1-8b", "bf16", "H100", 1, "exp:512", "exp:128", 1.0, True),
    ("70B chat fp8 tp4", "llama-3.1-70b", "fp8", "H100", 4, "exp:512", "exp:128", 1.0, False),
    ("Mixtral chat tp2", "mixtral-8x7b", "bf16", "H100", 2, "exp:1024", "exp:128", 1.0, False),
    ("8B chat A100", "llama-3.1-8b", "bf16", "A100", 1, "exp:512", "exp:128", 1.0, False),
]

# solver-chosen plans: (model, gpus, qps, prompt, output, [(ttft, tpot), ...])
PLAN_CASES = [
    ("llama-3.1-8b", "H100:8,A100:8", 30.0, "exp:1024", "exp:256"),
    ("llama-3.1-70b", "H100:16,A100:16", 6.0, "exp:1024", "exp:256"),
]
SLO_LEVELS = (("500ms", "30ms"), ("1s", "50ms"), ("3s", "100ms"))


def err(model: float | None, sim: float) -> float | None:
    if model is None or not np.isfinite(model) or sim <= 0:
        return None
    return model / sim - 1.0


def layout(case, load: float) -> ServingPlan:
    _, _, _, gpu, tp, *_, disagg = case
    name = "H100-SXM" if gpu == "H100" else "A100-80GB"
    if disagg:
        return ServingPlan(
            (
                ReplicaGroup(name, tp, 1, 1, 1, "prefill", 16384, load),
                ReplicaGroup(name, tp, 1, 1, 1, "decode", 0, load),
            )
        )
    return ServingPlan((ReplicaGroup(name, tp, 1, 1, 1, "both", 2048, load),))


def problem_for(case, q: float, qps: float):
    _, model, prec, gpu, tp, prompt, output, scv, disagg = case
    p = make_problem(
        model,
        f"{gpu}:{2 * tp}",
        qps=qps,
        prompt_tokens=prompt,
        output_tokens=output,
        percentile=q,
        precision=prec,
        disaggregation="force" if disagg else "off",
    )
    return replace(p, traffic=replace(p.traffic, arrival_scv=scv))


def grid(requests: int, seed: int) -> list[dict]:
    rows = []
    for case in CASES:
        cap = plan_metrics(problem_for(case, 99, 1.0), layout(case, 1.0))["capacity_qps"]
        for u in UTILISATIONS:
            load = u * cap
            base = problem_for(case, 99, load)
            plan = layout(case, load)
            t0 = time.perf_counter()
            _, done = simulate_requests(base, plan, requests=requests, seed=seed)
            sim_s = time.perf_counter() - t0
            ttft, tpot = latencies(done)
            for q in PERCENTILES:
                m = plan_metrics(problem_for(case, q, load), plan)
                st, sp = float(np.percentile(ttft, q)), float(np.percentile(tpot, q))
                rows.append(
                    {
                        "case": case[0],
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
                        "sim_seconds": round(sim_s, 2),
                    }
                )
            print(case[0], u, rows[-1]["ttft_err"], rows[-1]["tpot_err"], flush=True)
    return rows


def plans(requests: int, seed: int) -> list[dict]:
    rows = []
    for model, gpus, qps, prompt, output in PLAN_CASES:
        for ttft, tpot in SLO_LEVELS:
            prob = make_problem(
                model,
                gpus,
                qps=qps,
                prompt_tokens=prompt,
                output_tokens=output,
                ttft=ttft,
                tpot=tpot,
                disaggregation="allow",
            )
            res = solve(prob, time_limit=20)
            if res.solution is None:
                rows.append({"model": model, "slo": f"{ttft}/{tpot}", "status": res.status.value})
                continue
            m = plan_metrics(prob, res.solution)
            _, done = simulate_requests(prob, res.solution, requests=requests, seed=seed)
            t, p = latencies(done)
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
    return rows


def to_csv(rows: list[dict]) -> str:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:+.1f} %"


def ms(x: float | None) -> str:
    return "–" if x is None else f"{1000 * x:.1f}"


def markdown(rows: list[dict], prows: list[dict], args, load: tuple, wall: float) -> str:
    lines = [
        f"`.venv/bin/python bench/serve_simulator.py --requests {args.requests} "
        f"--seed {args.seed}`",
        "",
        f"Load average before / after: {load[0]} / {load[1]}; wall time {wall:.0f} s "
        "(2 cores shared with other agents).",
        "",
        "Error = model / simulated - 1 at the same percentile (one seeded trace of "
        f"{args.requests} requests per case; utilisation = load / the replica's SLO-free "
        "capacity in the model).",
        "",
    ]
    below = [r for r in rows if r["utilisation"] < 0.8 and r["percentile"] == 99]
    errs = [abs(r[k]) for r in below for k in ("ttft_err", "tpot_err") if r[k] is not None]
    inside = sum(e <= TARGET for e in errs)
    lines += [
        f"**p99 below 80 % utilisation: {inside} / {len(errs)} TTFT/TPOT comparisons within "
        f"±{TARGET:.0%}** (largest |error| {100 * max(errs):.1f} %).",
        "",
        "| case | util. | req/s | pct | TTFT model ms | TTFT sim ms | err | TPOT model ms "
        "| TPOT sim ms | err |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        flag = lambda e: pct(e) + (" ✗" if e is not None and abs(e) > TARGET else "")  # noqa: E731
        lines.append(
            f"| {r['case']} | {r['utilisation']:.0%} | {r['qps']:.3g} | p{r['percentile']} | "
            f"{ms(r['model_ttft_s'])} | {ms(r['sim_ttft_s'])} | {flag(r['ttft_err'])} | "
            f"{ms(r['model_tpot_s'])} | {ms(r['sim_tpot_s'])} | {flag(r['tpot_err'])} |"
        )
    lines += [
        "",
        "Plans chosen by the solver (disaggregation allowed), p99:",
        "",
        "| model | SLO TTFT/TPOT | plan | util. | TTFT model ms | sim ms | err | TPOT model ms "
        "| sim ms | err |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in prows:
        if "plan" not in r:
            lines.append(f"| {r['model']} | {r['slo']} | {r['status']} | | | | | | | |")
            continue
        lines.append(
            f"| {r['model']} @ {r['qps']:g} req/s | {r['slo']} | {r['plan']} | "
            f"{r['utilisation']:.0%} | {ms(r['model_ttft_s'])} | {ms(r['sim_ttft_s'])} | "
            f"{pct(r['ttft_err'])} | {ms(r['model_tpot_s'])} | {ms(r['sim_tpot_s'])} | "
            f"{pct(r['tpot_err'])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    t0 = time.perf_counter()
    rows = grid(args.requests, args.seed)
    prows = plans(args.requests, args.seed)
    wall = time.perf_counter() - t0
    after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    OUT.mkdir(parents=True, exist_ok=True)
    write_atomic(OUT / "simulator.csv", to_csv(rows))
    write_atomic(OUT / "simulator_plans.csv", to_csv(prows))
    write_atomic(OUT / "simulator.md", markdown(rows, prows, args, (before, after), wall))
    print((OUT / "simulator.md").read_text())


if __name__ == "__main__":
    main()
