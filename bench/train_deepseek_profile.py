"""DeepSeek-V3's published training profile against the model's microbatch time (held out).

DeepSeek published a PyTorch-profiler trace of its training framework
(``deepseek-ai/profile-data`` @4496024, ``train.json``, 3,132,978 bytes, git blob
7a8f40f9626fdcabccfe12787b2148b1e4b8e282): one forward chunk and one backward chunk of
4 MoE layers each, overlapped as DualPipe runs them, on H800 with the DeepSeek-V3
pre-training layout (EP64, TP1, 4K sequence; "absolutely balanced" routing; pipeline
send / receive left out). The trace's flash-attention forward grid (32 x 128 x 1: 4,096
query rows in blocks of 128, 128 heads, batch 1) shows one 4,096-token sequence per
microbatch, as the anchor plan (``bench/train_anchors.py``) has it.

The model's counterpart is a middle DualPipe rank of that anchor plan (two 4-layer
stages, the rank's time the mean of its two stages'): its forward + backward per
microbatch without the pipeline send / receive. Unlike the anchor's published step time
(a whole-run average of 180K GPU-hours per trillion tokens, with every run-level overhead
in it), this is a per-microbatch measurement of the same layout.

Usage::

    .venv/bin/python bench/train_deepseek_profile.py [--trace train.json]

``--trace`` re-extracts the committed summary (``bench/data/deepseek_v3_profile_train.json``)
from the trace file (fetch the repository to get it); without it the committed summary is
read. Writes ``deepseek_profile.csv`` / ``.md`` into ``bench/results/train``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

from planner.bench import markdown_rows
from planner.core.io import write_atomic
from planner.train.step_time import estimate

HERE = Path(__file__).resolve().parent
SUMMARY = HERE / "data" / "deepseek_v3_profile_train.json"
OUT = HERE / "results" / "train"
SOURCE = (
    "deepseek-ai/profile-data @4496024 train.json (blob 7a8f40f9), PyTorch profiler, "
    "H800, EP64 TP1, 4K sequence, one DualPipe forward + backward chunk pair of 4 MoE layers"
)

#: Kernel-name fragments -> category of the trace's GPU time (first match wins).
CATEGORIES = (
    ("dpsk::ep::", "DeepEP dispatch / combine (communication kernels)"),
    ("grouped_gemm", "GEMMs (DeepSeek fp8 grouped / dense)"),
    ("gemm", "GEMMs (DeepSeek fp8 grouped / dense)"),
    ("flash", "attention core (FlashAttention fwd / bwd)"),
    ("cast", "fp8 casts, transposes, scale handling"),
    ("transpose", "fp8 casts, transposes, scale handling"),
    ("fused_with_scales", "fp8 casts, transposes, scale handling"),
)


def categorize(name: str) -> str:
    """Category of a kernel by its name (see :data:`CATEGORIES`)."""
    for fragment, label in CATEGORIES:
        if fragment in name:
            return label
    return "norms, rotary, SwiGLU, routing, element-wise"


def extract(trace: Path) -> dict:
    """Summarize the trace's GPU activity: span, busy time per stream, time per category."""
    data = json.loads(trace.read_text())
    kernels = [
        e
        for e in data["traceEvents"]
        if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e
    ]
    start = min(e["ts"] for e in kernels)
    end = max(e["ts"] + e["dur"] for e in kernels)
    streams: dict[str, float] = defaultdict(float)
    categories: dict[str, float] = defaultdict(float)
    for e in kernels:
        streams[str(e["tid"])] += e["dur"]
        categories[categorize(e["name"])] += e["dur"]
    busiest = max(streams, key=streams.get)
    on_busiest: dict[str, float] = defaultdict(float)
    for e in kernels:
        if str(e["tid"]) == busiest:
            on_busiest[categorize(e["name"])] += e["dur"]
    attention = [e for e in kernels if "compute_attn" in e["name"]]
    busy, idle = compute_idle(data["traceEvents"], kernels)
    return {
        "source": SOURCE,
        "devices": sorted({p["name"] for p in data.get("deviceProperties", [])}),
        "world_size": data.get("distributedInfo", {}).get("world_size"),
        "flash_forward_grid": attention[0]["args"]["grid"] if attention else None,
        "kernels": len(kernels),
        "gpu_span_ms": round((end - start) / 1e3, 3),
        "stream_busy_ms": {k: round(v / 1e3, 3) for k, v in sorted(streams.items())},
        "category_ms": {k: round(v / 1e3, 3) for k, v in sorted(categories.items())},
        "busiest_stream_category_ms": {k: round(v / 1e3, 3) for k, v in sorted(on_busiest.items())},
        "compute_busy_ms": round(busy / 1e3, 3),
        "compute_idle_ms": {k: round(v / 1e3, 3) for k, v in sorted(idle.items())},
    }


#: Causes of the gaps with no compute kernel on any stream (:func:`compute_idle`).
HOST_GAP = "host: the next kernel was launched after the GPU ran dry"
DEEPEP_GAP = "waits for a DeepEP dispatch / combine kernel that ends in the gap"
BOUNDARY_GAP = "kernel boundaries (next kernel launched earlier, no DeepEP kernel ends)"


def compute_idle(events: list[dict], kernels: list[dict]) -> tuple[float, dict[str, float]]:
    """GPU time (us) with a compute kernel (anything but DeepEP's) running on any stream, and
    the rest of the span by cause.

    The trace runs its compute on two streams (the expert weight-gradient GEMMs on a second
    one) beside DeepEP's; a gap in the union of the compute kernels is the host's when the
    next kernel's launch call ended after the gap began, DeepEP's when a DeepEP kernel ends
    inside it (the next kernel waited for its data), else a kernel boundary.
    """
    launch_end = {
        e["args"]["correlation"]: e["ts"] + e["dur"]
        for e in events
        if e.get("cat") in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {})
    }
    deepep_ends = sorted(e["ts"] + e["dur"] for e in kernels if "dpsk::ep::" in e["name"])
    compute = sorted((e for e in kernels if "dpsk::ep::" not in e["name"]), key=lambda e: e["ts"])
    start = min(e["ts"] for e in kernels)
    stop = max(e["ts"] + e["dur"] for e in kernels)
    idle: dict[str, float] = defaultdict(float)
    end = start
    for e in compute:
        if e["ts"] > end:
            gap = e["ts"] - end
            if launch_end.get(e["args"].get("correlation"), 0.0) > end + 1.0:
                idle[HOST_GAP] += gap
            elif any(end - 1.0 < t <= e["ts"] + 1.0 for t in deepep_ends):
                idle[DEEPEP_GAP] += gap
            else:
                idle[BOUNDARY_GAP] += gap
        end = max(end, e["ts"] + e["dur"])
    if stop > end:
        idle[DEEPEP_GAP if deepep_ends and deepep_ends[-1] > end else BOUNDARY_GAP] += stop - end
    return (stop - start) - sum(idle.values()), dict(idle)


def model_pair_ms() -> tuple[float, float, float, str]:
    """The model's forward, backward and their sum (ms) for a middle DualPipe rank of the anchor."""
    sys.path.insert(0, str(HERE))
    from train_anchors import deepseek_v3  # the anchor's problem and published layout

    problem, plan, _measured, _note = deepseek_v3()
    est = estimate(problem, plan)
    middle = est.stages[len(est.stages) // 2 - 1]
    if middle.layers != 4:
        raise SystemExit(f"expected a 4-layer middle stage, got {middle.layers}")
    return middle.fwd * 1e3, middle.bwd * 1e3, (middle.fwd + middle.bwd) * 1e3, plan.short()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trace", type=Path, help="deepseek-ai/profile-data train.json to re-extract")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if args.trace is not None:
        summary = extract(args.trace)
        write_atomic(SUMMARY, json.dumps(summary, indent=1) + "\n")
    summary = json.loads(SUMMARY.read_text())
    fwd, bwd, pair, layout = model_pair_ms()
    busiest = max(summary["stream_busy_ms"].values())
    rows = [
        {
            "measure": "GPU span, first kernel start to last kernel end",
            "measured_ms": summary["gpu_span_ms"],
            "model_ms": round(pair, 2),
            "error_pct": round(100 * (pair / summary["gpu_span_ms"] - 1), 1),
        },
        {
            "measure": "GPU time with a compute kernel running on any stream (span minus the compute's idle)",
            "measured_ms": summary["compute_busy_ms"],
            "model_ms": round(pair, 2),
            "error_pct": round(100 * (pair / summary["compute_busy_ms"] - 1), 1),
        },
        {
            "measure": "busiest stream's kernel time (the compute stream; a second stream's GEMMs overlap it)",
            "measured_ms": busiest,
            "model_ms": round(pair, 2),
            "error_pct": round(100 * (pair / busiest - 1), 1),
        },
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out / "deepseek_profile.csv", table.getvalue())
    categories = [
        {
            "kernels": k,
            "ms": v,
            "share_pct": round(100 * v / sum(summary["category_ms"].values()), 1),
        }
        for k, v in sorted(summary["category_ms"].items(), key=lambda kv: -kv[1])
    ]
    on_stream = [
        {"kernels": k, "ms": v, "share_pct": round(100 * v / busiest, 1)}
        for k, v in sorted(summary["busiest_stream_category_ms"].items(), key=lambda kv: -kv[1])
    ]
    idle = [
        {"cause": k, "ms": v, "share_pct": round(100 * v / summary["gpu_span_ms"], 1)}
        for k, v in sorted(summary["compute_idle_ms"].items(), key=lambda kv: -kv[1])
    ]
    text = (
        "# DeepSeek-V3 training profile vs the model (held out)\n\n"
        "Reproduce with:\n\n```\n.venv/bin/python bench/train_deepseek_profile.py\n```\n\n"
        f"Source: {summary['source']}.\n\n"
        f"Model: a middle DualPipe rank of the anchor layout {layout} (two 4-layer stages), "
        f"forward {fwd:.1f} ms + backward {bwd:.1f} ms per microbatch (pipeline send / receive "
        "left out, as in the trace). Error = model / measured - 1.\n\n"
        + markdown_rows(rows, ["measure", "measured_ms", "model_ms", "error_pct"])
        + "\nThe span's time with no compute kernel on any stream, by cause "
        "(`bench/session_runs/s31dsv3/trace_idle.py` lists every gap):\n\n"
        + markdown_rows(idle, ["cause", "ms", "share_pct"])
        + "\nThe trace's GPU kernel time by kind (all streams; DeepEP's kernels run beside the "
        "compute on their own SMs):\n\n"
        + markdown_rows(categories, ["kernels", "ms", "share_pct"])
        + "\nThe same on the busiest (compute) stream alone:\n\n"
        + markdown_rows(on_stream, ["kernels", "ms", "share_pct"])
    )
    write_atomic(args.out / "deepseek_profile.md", text)
    print(text)


if __name__ == "__main__":
    main()
