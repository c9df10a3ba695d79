"""The two anchor runs of issue 18: Llama 3 405B (Meta, 8K and 16K H100) and DeepSeek-V3 (2,048 H800).

For each published layout: the model's step time against the published one,
whether the layout fits, then the unconstrained exact search (its wall and CPU
time, whether it finished, and its best plan against the pinned one).

Published step times are derived from the published throughput:

* Llama 3 405B, "The Llama 3 Herd of Models" (arXiv 2407.21783 v3) Table 4:
  16M tokens per step (2,048 x 8,192), 430 TFLOP/s per GPU on 8,192 GPUs
  (TP8 CP1 PP16 DP64) and 400 on 16,384 (DP128), BF16. The step time is the
  step's model FLOPs over that rate, shown for both FLOP conventions
  (causal attention counted as half the square, as the Llama 3 paper does;
  Megatron's full square). Meta's software settings used here: TP
  communication overlapped, interleaved 1F1B, the first and the last stage
  one layer short (126 layers on 16 stages), selective recomputation.
* DeepSeek-V3 technical report (arXiv 2412.19437) §1, §3.2, §4.2: 180K H800
  GPU-hours per trillion tokens on 2,048 H800 (1,543 tokens/s per GPU, a
  whole-run average with every overhead), batch 15,360 x 4,096, PP16 x EP64
  (no TP), ZeRO-1, DualPipe, FP8, BF16 moments, node-limited routing (4 nodes),
  recomputed RMSNorm and MLA up-projections (Megatron's selective modules).

Usage::

    .venv/bin/python bench/train_anchors.py [--time-limit 120] [--case DeepSeek] [--out DIR]
        [--expert-tp]

(``--expert-tp``: the searches also choose the expert tensor-parallel size.)

Writes ``anchors.csv`` (benchmark rows: the predicted step time as the
objective, the published one as the measured reference, the layout and search
columns in ``stats``) and ``anchors.md`` (its report, with the anchors table
as a section) into ``--out`` (default ``bench/results/train``).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import measurement_row
from planner.core.family import Reference
from planner.core.result import Status
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.options import DEEPSEEK_V3, Software
from planner.perfmodel.readers import load_model
from planner.train.api import solve
from planner.train.evaluate import verify
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.layer_split import best_stage_layers
from planner.train.step_time import balanced_stage_layers, estimate

OUT = Path(__file__).resolve().parent / "results" / "train"


def llama3(gpus: int, dp: int, tflops: float, v: int):
    model = load_model("llama-3.1-405b")
    prob = TrainingProblem(
        f"llama3-405b/{gpus}",
        model,
        parse_cluster(f"{gpus}xH100"),
        Workload(2048, 8192),
        Constraints(),
        software=Software(tp_overlap=True),
    )
    plan = TrainingPlan(
        tp=8,
        pp=16,
        dp=dp,
        microbatch=1,
        interleave=v,
        recompute="selective",
        zero=1,
        sequence_parallel=True,
        stage_layers=(7,) + (8,) * 14 + (7,),
    )
    est = estimate(prob, plan)
    # the published rate counts causal attention (half the square); Megatron's full square
    causal = est.causal_model_flops / (tflops * 1e12 * gpus)
    megatron = est.model_flops / (tflops * 1e12 * gpus)
    return prob, plan, causal, f"{tflops:g} TFLOP/s/GPU (Table 4); full-square: {megatron:.2f} s"


def deepseek_v3():
    prob = TrainingProblem(
        "deepseek-v3/2048",
        load_model("deepseek-v3"),
        parse_cluster("2048xH800"),
        Workload(15360, 4096, "fp8"),
        Constraints(),
        software=DEEPSEEK_V3,
    )
    plan = TrainingPlan(
        tp=1,
        pp=16,
        dp=128,
        ep=64,
        microbatch=1,
        recompute="selective",
        zero=1,
        stage_layers=balanced_stage_layers(61, 16),
    )
    measured = 15360 * 4096 / (1e12 / (180e3 * 3600) * 2048)
    return prob, plan, measured, "180K GPU-hours / 1e12 tokens (whole-run average)"


def deepseek_v3_split():
    """The published DeepSeek-V3 layout with the layer split the planner picks for it (the
    report does not state the run's split)."""
    prob, plan, measured, note = deepseek_v3()
    chosen, _q = best_stage_layers(prob, replace(plan, stage_layers=()))
    return prob, chosen, measured, note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument(
        "--case",
        action="append",
        default=[],
        help="run only the anchors whose label contains this text (repeatable)",
    )
    ap.add_argument("--out", type=Path, default=OUT, help="folder for anchors.csv / anchors.md")
    ap.add_argument("--expert-tp", action="store_true", help="also search expert TP sizes")
    args = ap.parse_args()
    cases = [
        ("Llama 3 405B, 8,192 H100, v=4", lambda: llama3(8192, 64, 430, 4)),
        ("Llama 3 405B, 16,384 H100, v=4", lambda: llama3(16384, 128, 400, 4)),
        ("Llama 3 405B, 16,384 H100, v=7", lambda: llama3(16384, 128, 400, 7)),
        ("DeepSeek-V3, 2,048 H800", deepseek_v3),
        ("DeepSeek-V3, 2,048 H800, planner's split", deepseek_v3_split),
    ]
    cases = [(label, make) for label, make in cases if _selected(label, args.case)]
    if not cases:
        ap.error(f"no anchor matches --case {args.case}")
    rows = []
    searched: dict[str, dict] = {}
    for label, make in cases:
        prob, plan, measured, note = make()
        if args.expert_tp:
            prob = prob.with_constraints(search_expert_tp=True)
        est = estimate(prob, plan)
        row = {
            "run": label,
            "published_plan": plan.short(),
            "split": ":".join(map(str, plan.stage_layers)),
            "fits": not verify(prob, plan),
            "memory_gib": round(est.memory.total_gib, 1),
            "measured_step_s": round(measured, 3),
            "predicted_step_s": round(est.step_time, 3),
            "error_pct": round(100 * (est.step_time / measured - 1), 1),
            "mfu_causal_pct": round(100 * est.mfu_causal, 1),
            "mfu_megatron_pct": round(100 * est.mfu, 1),
            "measured_from": note,
            "_measured": measured,
            "_predicted": est.step_time,
        }
        if prob.name not in searched:
            load = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            # the search `planner plan train` runs (method auto: rule-of-thumb incumbent, then
            # the exact search), certified by core.solve
            res = solve(prob, "auto", time_limit=args.time_limit)
            best = res.solution
            searched[prob.name] = {
                "search_wall_s": round(time.perf_counter() - t0, 1),
                "search_cpu_s": round(time.process_time() - c0, 1),
                "search_complete": res.status is Status.OPTIMAL,
                "search_best": best.short() if best is not None else "",
                "search_best_step_s": round(estimate(prob, best).step_time, 3) if best else "",
                "load_avg": round(load, 1),
            }
        row.update(searched[prob.name])
        rows.append(row)
    write(args, rows)


def _selected(label: str, wanted: list[str]) -> bool:
    return not wanted or any(w.lower() in label.lower() for w in wanted)


def write(args: argparse.Namespace, rows: list[dict]) -> None:
    """``anchors.csv`` as benchmark rows and ``anchors.md`` as their report."""
    columns = [c for c in rows[0] if not c.startswith("_")]
    shown_in_stats = [c for c in columns if c not in ("run", "predicted_step_s")]
    bench_rows = [
        measurement_row(
            "train",
            r["run"],
            "model",
            objective=r["_predicted"],
            reference=Reference(value=r["_measured"], measured=True),
            stats={c: r[c] for c in shown_in_stats},
            time_limit=args.time_limit,
        )
        for r in rows
    ]
    command = f".venv/bin/python bench/train_anchors.py --time-limit {args.time_limit:g}"
    command += "".join(f" --case '{c}'" for c in args.case)
    command += " --expert-tp" if args.expert_tp else ""
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(args.out / "anchors.csv", bench_rows)
    # Numbers as the script rounded them (markdown_rows would cut floats to 4 digits).
    shown = [{c: str(v) if isinstance(v, float) else v for c, v in r.items()} for r in rows]
    table = markdown_rows(shown, columns)
    write_report(
        args.out / "anchors.md",
        bench_rows,
        title="Anchor runs (issue 18)",
        command=command,
        notes=[
            "Objective: the model's step time (s); reference: the published step time "
            "(a measurement, so the gap is the model's error)."
        ],
        sections=[("Anchors", table)],
        plots=False,
    )
    print(table)


if __name__ == "__main__":
    main()
