"""Validate the training step-time model against published measurements and time the search.

Writes ``bench/results/train/validation.csv`` (benchmark rows, :mod:`planner.bench`) and
``validation.md`` (its report, with these tables as sections):

* every training row of :mod:`planner.perfmodel.calibration.published` (Narayanan et al.
  SC'21 Table 1, Korthikanti et al. 2022 Table 5, NeMo 24.07, Megatron-Bridge 25.11): the
  published plan's predicted metric vs the measured one (method ``published-vs-measured``,
  the measurement as reference, so the gap is the error), and whether the row was fitted by
  ``planner calibrate`` or held out;
* Narayanan et al. Table 1 rows with the planner's own proven best plan for the same model,
  GPUs and batch (method ``published``: the published plan's step time; ``exact``: the best);
* time to a proven optimum on the 1T row (3072 GPUs); heterogeneous clusters are timed by
  ``bench/train_hetero.py``.

Usage::

    .venv/bin/python bench/train_validation.py [--skip-speed]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import certificate_row, measurement_row
from planner.core.family import Reference
from planner.core.solve import solve
from planner.perfmodel.calibration.published import SEQ_LEN, SOURCES, TRAINING_ROWS
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train.calibration import predict, row_plan, row_problem
from planner.train.instance import Constraints, TrainingProblem, Workload
from planner.train.step_time import estimate

OUT = Path(__file__).resolve().parent / "results" / "train"


def load() -> str:
    """The machine's 1-minute load average (timings are only comparable at low load)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def published_rows() -> list[dict]:
    rows = []
    for r in TRAINING_ROWS:
        pred = predict(r)
        source = SOURCES[r.source]
        rows.append(
            {
                "row": r.id,
                "software": f"{source.framework} {source.version}",
                "split": r.split,
                "gpus": f"{r.gpus}x{r.gpu}",
                "plan": row_plan(r, row_problem(r).model.layers).short(),
                "metric": r.metric,
                "measured": r.value,
                "predicted": round(pred, 3 if r.metric == "step_time_s" else 1),
                "error_pct": round(100 * (pred / r.value - 1), 2),
                "_predicted": pred,
            }
        )
    return rows


def table1(time_limit: float) -> list[dict]:
    rows = []
    for r in TRAINING_ROWS:
        if r.source != "narayanan2021":
            continue
        prob = row_problem(r)
        prob = replace(prob, name=r.model, meta={"top_k": 1})
        est = estimate(prob, row_plan(r, prob.model.layers))
        start = time.perf_counter()
        res = solve(prob, "exact", time_limit=time_limit)
        elapsed = time.perf_counter() - start
        best = estimate(prob, res.solution) if res.solution is not None else None
        rows.append(
            {
                "model": r.model,
                "gpus": r.gpus,
                "published_plan": row_plan(r, prob.model.layers).short(),
                "measured_tflops": r.value,
                "predicted_tflops": round(est.hardware_tflops_per_gpu, 1),
                "error_pct": round(100 * (est.hardware_tflops_per_gpu / r.value - 1), 2),
                "published_step_s": round(est.step_time, 3),
                "published_fits": est.fits,
                "memory_gib": round(est.memory.total_gib, 1),
                "best_plan": res.solution.short() if res.solution is not None else "",
                "best_step_s": round(best.step_time, 3) if best else "",
                "best_hw_tflops": round(best.hardware_tflops_per_gpu, 1) if best else "",
                "best_mfu_pct": round(100 * best.mfu, 1) if best else "",
                "speedup": round(est.step_time / best.step_time, 3) if best else "",
                "status": res.status.value,
                "verified": res.verified,
                "search_s": round(elapsed, 3),
                "_step": est.step_time,
                "_result": res,
            }
        )
    return rows


def speed() -> list[dict]:
    # heterogeneous clusters: bench/train_hetero.py
    cases = [
        ("gpt-1008b", "3072xA100", 3072, "1T row, full space, homogeneous", 60.0),
    ]
    rows = []
    for name, gpus, batch, label, limit in cases:
        prob = TrainingProblem(
            name,
            load_model(name),
            parse_cluster(gpus),
            Workload(batch, SEQ_LEN),
            Constraints(),
            meta={"top_k": 5},
        )
        before = load()
        start = time.perf_counter()
        res = solve(prob, "exact", time_limit=limit)
        elapsed = time.perf_counter() - start
        rows.append(
            {
                "model": name,
                "cluster": gpus,
                "case": label,
                "global_batch": batch,
                "status": res.status.value,
                "best_plan": res.solution.short() if res.solution is not None else "",
                "mixed_pools": len(set(res.solution.stage_pools)) > 1 if res.solution else "",
                "step_s": round(res.objective, 3) if res.objective is not None else "",
                "bound": round(res.bound, 3) if res.bound is not None else "",
                "gap_pct": round(100 * res.gap, 2) if res.gap is not None else "",
                "seconds": round(elapsed, 2),
                "time_limit": limit,
                "evaluated": res.stats.get("evaluated", ""),
                "load_before": before,
                "load_after": load(),
                "_result": res,
            }
        )
    return rows


def public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


PUBLISHED_COLUMNS = [
    "row",
    "software",
    "split",
    "gpus",
    "plan",
    "metric",
    "measured",
    "predicted",
    "error_pct",
]
TABLE1_COLUMNS = [
    "model",
    "gpus",
    "published_plan",
    "measured_tflops",
    "predicted_tflops",
    "error_pct",
    "best_plan",
    "best_hw_tflops",
    "speedup",
    "status",
    "search_s",
]
SPEED_COLUMNS = [
    "case",
    "model",
    "status",
    "best_plan",
    "mixed_pools",
    "step_s",
    "gap_pct",
    "seconds",
    "evaluated",
    "load_before",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    pub = published_rows()
    t1 = table1(args.time_limit)
    sp = [] if args.skip_speed else speed()
    bench_rows = [
        measurement_row(
            "train",
            str(r["row"]),
            "published-vs-measured",
            objective=r["_predicted"],
            reference=Reference(value=r["measured"], measured=True),
            stats=public(r),
        )
        for r in pub
    ]
    for r in t1:
        name = f"table1 {r['model']} {r['gpus']} GPUs"
        bench_rows.append(
            measurement_row("train", name, "published", objective=r["_step"], stats=public(r))
        )
        bench_rows.append(
            certificate_row(r["_result"], instance=name, runtime_s=r["search_s"], stats=public(r))
        )
    for r in sp:
        bench_rows.append(
            certificate_row(
                r["_result"], instance=f"speed {r['case']}", runtime_s=r["seconds"], stats=public(r)
            )
        )
    write_rows(OUT / "validation.csv", bench_rows)
    errors = []
    for split in ("fit", "held-out"):
        err = [abs(r["error_pct"]) for r in pub if r["split"] == split]
        errors.append(
            f"{split}: mean |error| {sum(err) / len(err):.2f} %, max {max(err):.2f} % "
            f"over {len(err)} rows"
        )
    sections = [
        (
            "Published training rows (fit = fitted by `planner calibrate`, held-out = not)",
            markdown_rows(pub, PUBLISHED_COLUMNS) + "\n" + "; ".join(errors) + ".\n",
        ),
        (
            "Narayanan et al. SC'21 Table 1: published plan vs the planner's best",
            markdown_rows(t1, TABLE1_COLUMNS),
        ),
    ]
    if sp:
        sections.append(
            (
                "Search speed (proven optimum; machine load = 1-min load average)",
                markdown_rows(sp, SPEED_COLUMNS),
            )
        )
    write_report(
        OUT / "validation.md",
        bench_rows,
        title="Step-time model validation",
        command=".venv/bin/python bench/train_validation.py"
        + (" --skip-speed" if args.skip_speed else ""),
        notes=[
            "Rows of method `published-vs-measured` are the model's prediction for a published "
            "plan against its measurement (the gap is the error); `published` rows the step "
            "time of Table 1's published plans, `exact` rows the planner's proven best plan."
        ],
        sections=sections,
        plots=False,
    )
    print("\n\n".join(f"## {h}\n\n{b}" for h, b in sections))


if __name__ == "__main__":
    main()
