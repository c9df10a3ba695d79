"""The serving model against public measurements: error per row and per source, fit vs held-out.

Rows: the TensorRT-LLM perf-overview throughputs the calibration fits (and holds out, 405B)
(:data:`planner.perfmodel.calibration.published.SERVING_ROWS`, predicted at saturation by
:func:`planner.serve.calibration.predict`) and the public rows of four more sources
(:data:`planner.perfmodel.calibration.serving_public.PUBLIC_SERVING_ROWS`): three held out
whole, predicted by simulating the modeled replica under the row's load and engine
(:func:`planner.serve.public.predict_public`), and the vLLM / SGLang fit source, predicted as
the fit predicts it (analytically, :func:`planner.serve.calibration.predict_public_fit`); and
the trtllm-bench throughputs on the inference GPUs (L40S, RTX PRO 6000), held out, predicted
at saturation as the overview rows
(:data:`planner.perfmodel.calibration.inference_gpus.INFERENCE_GPU_ROWS`). Also the MLPerf
Inference rows (:data:`planner.perfmodel.calibration.mlperf.MLPERF_ROWS`, held out) whose
benchmark's prompt lengths are published (llama2-70b; Mixtral-8x7B's are not), at the sample
set's lengths (:func:`planner.serve.calibration.predict_mlperf`).
Targets on held-out rows: throughput within +/-15 %, latency within +/-25 %; the held-out
errors are also summarized per GPU.

Writes ``public_rows.csv`` (one benchmark row per published row: the prediction as the
objective, the published value as the measured reference) and ``public_rows.md`` into
``--out`` (default ``bench/results/serve``).

Usage::

    .venv/bin/python bench/serve_public.py [--source nim_llama33] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from pathlib import Path

from planner.bench import markdown_rows, write_report
from planner.bench.rows import write_rows
from planner.bench.runner import measurement_row
from planner.core.family import Reference
from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.inference_gpus import SOURCES as INFERENCE_GPU_SOURCES
from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS
from planner.perfmodel.calibration.mlperf import SOURCES as MLPERF_SOURCES
from planner.perfmodel.calibration.published import FIT, SERVING_ROWS, SOURCES
from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS, SERVING_SOURCES
from planner.serve.calibration import predict, predict_mlperf, predict_public_fit
from planner.serve.public import predict_public

OUT = Path(__file__).resolve().parent / "results" / "serve"
TARGETS = {"throughput": 0.15, "latency": 0.25}


def kind(metric: str) -> str:
    return "latency" if metric in ("ttft_s", "tpot_s", "latency_s") else "throughput"


def _row(r, value: float, t0: float, **fields) -> dict:
    """One result row: ``fields`` (isl_osl, engine, load, metric, ep) beside the common ones."""
    row = {
        "id": r.id,
        "source": r.source,
        "split": r.split,
        "gpu": r.gpu,
        "model": r.model,
        "tp": r.tp,
        **fields,
        "kind": kind(r.metric),
        "measured": r.value,
        "predicted": value,
        "error": value / r.value - 1.0,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    print(f"{r.id}: {row['error']:+.1%}", flush=True)
    return row


def collect(sources: list[str]) -> list[dict]:
    rows = []
    for r in (*SERVING_ROWS, *INFERENCE_GPU_ROWS, *PUBLIC_SERVING_ROWS):
        if sources and r.source not in sources:
            continue
        t0 = time.perf_counter()
        public = hasattr(r, "mode")
        if not public:
            value = predict(r)
        elif r.split == FIT:
            value = predict_public_fit(r)
        else:
            value = predict_public(r)
        rows.append(
            _row(
                r,
                value,
                t0,
                pp=getattr(r, "pp", 1),
                ep=getattr(r, "ep", 1),
                isl_osl=f"{r.input_tokens}/{r.output_tokens}",
                engine=r.engine if public else "trtllm",
                load=_load(r) if public else "saturation",
                metric=(r.statistic + " " if public and r.statistic else "") + r.metric,
            )
        )
    for r in MLPERF_ROWS:
        data = DATASETS[r.model]
        if (sources and r.source not in sources) or data.input_mean is None:
            continue  # unscored: the sample set's prompt lengths are unpublished
        t0 = time.perf_counter()
        rows.append(
            _row(
                r,
                predict_mlperf(r),
                t0,
                pp=1,
                ep=1,
                isl_osl=f"{data.input_mean:.0f}/{r.output_mean:.0f}",
                engine=r.engine,
                load=f"{r.rate:g} req/s, {r.engines} engines" if r.rate else "saturation",
                metric=(r.statistic + " " if r.statistic else "") + r.metric,
            )
        )
    return rows


def _load(r) -> str:
    if r.mode == "rate":
        return f"{r.rate:g} req/s"
    return f"{r.mode} {r.concurrency}"


def within(r: dict) -> bool:
    return abs(r["error"]) <= TARGETS[r["kind"]]


def error_cells(sel: list[dict]) -> dict:
    """Count within target; median / max / signed mean over the finite errors. A saturated
    prediction (the model's capacity below the run's rate: infinite latency) is counted apart,
    so one such row does not turn every statistic into infinity."""
    finite = [r["error"] for r in sel if math.isfinite(r["error"])]
    errs = [abs(e) for e in finite]
    return {
        "within target": f"{sum(within(r) for r in sel)} / {len(sel)}",
        "saturated": len(sel) - len(finite),
        "median |err|": f"{100 * statistics.median(errs):.1f} %" if errs else "–",
        "max |err|": f"{100 * max(errs):.1f} %" if errs else "–",
        "signed mean": f"{100 * statistics.fmean(finite):+.1f} %" if finite else "–",
    }


def summary(rows: list[dict]) -> list[dict]:
    """Errors per source, split and kind."""
    out = []
    keys = sorted({(r["source"], r["split"], r["kind"]) for r in rows})
    for source, split, k in keys:
        sel = [r for r in rows if (r["source"], r["split"], r["kind"]) == (source, split, k)]
        out.append(
            {"source": source, "split": split, "kind": k, "rows": len(sel), **error_cells(sel)}
        )
    return out


def by_gpu(rows: list[dict]) -> list[dict]:
    """The held-out rows' errors per GPU and kind (issue 19 asks for them per GPU)."""
    held = [r for r in rows if r["split"] != FIT]
    out = []
    for gpu, k in sorted({(r["gpu"], r["kind"]) for r in held}):
        sel = [r for r in held if (r["gpu"], r["kind"]) == (gpu, k)]
        sources = ", ".join(sorted({r["source"] for r in sel}))
        out.append(
            {"gpu": gpu, "kind": k, "rows": len(sel), "sources": sources, **error_cells(sel)}
        )
    return out


def table(rows: list[dict]) -> str:
    """``rows`` as a Markdown table of their own columns, or a line saying there are none (a
    ``--source`` with fit rows only has no held-out row: the by-GPU table was empty and
    ``rows[0]`` raised IndexError after the CSV was written, s22review)."""
    return markdown_rows(rows, list(rows[0])) if rows else "No rows.\n"


def source_lines(rows: list[dict]) -> str:
    lines = []
    for key in sorted({r["source"] for r in rows}):
        s = (
            SOURCES.get(key)
            or SERVING_SOURCES.get(key)
            or INFERENCE_GPU_SOURCES.get(key)
            or MLPERF_SOURCES[key]
        )
        lines.append(f"- `{key}`: {s.citation} ({s.framework} {s.version})")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", action="append", default=[], help="only these sources")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    t0 = time.perf_counter()
    rows = collect(args.source)
    wall = time.perf_counter() - t0
    after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    bench = [
        measurement_row(
            "serve",
            r["id"],
            "model",
            objective=r["predicted"],
            reference=Reference(value=r["measured"], measured=True),
            runtime_s=r["seconds"],
            stats=r,
        )
        for r in rows
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(args.out / "public_rows.csv", bench)
    held = [r for r in rows if r["split"] == "held-out"]
    counts = {
        k: (sum(within(r) for r in held if r["kind"] == k), sum(r["kind"] == k for r in held))
        for k in TARGETS
    }
    head = (
        f"{len(rows)} rows from {len({r['source'] for r in rows})} sources; error = predicted / "
        "published - 1.\n\n"
        f"**Held-out rows within target: throughput {counts['throughput'][0]} / "
        f"{counts['throughput'][1]} (±15 %), latency {counts['latency'][0]} / "
        f"{counts['latency'][1]} (±25 %).**\n\n"
        f"Wall time {wall:.0f} s, load average {before} -> {after}.\n\n"
    )
    columns = ["id", "split", "engine", "load", "metric", "measured", "predicted", "error"]
    shown = [
        {**r, "error": f"{100 * r['error']:+.1f} %" + ("" if within(r) else " ✗")} for r in rows
    ]
    command = ".venv/bin/python bench/serve_public.py" + "".join(
        f" --source {s}" for s in args.source
    )
    write_report(
        args.out / "public_rows.md",
        bench,
        title="Serving model vs public measurements",
        command=command,
        plots=False,
        sections=[
            ("Summary", head + table(summary(rows))),
            ("Held-out rows by GPU", table(by_gpu(rows))),
            ("Sources", source_lines(rows)),
            ("Rows", markdown_rows(shown, columns)),
        ],
    )
    print(head)


if __name__ == "__main__":
    main()
