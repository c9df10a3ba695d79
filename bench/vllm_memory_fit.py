"""Fit vLLM's non-torch memory rule to public startup logs and check it on the held-out ones.

Usage: PYTHONPATH=. .venv/bin/python bench/vllm_memory_fit.py

Reads ``planner/perfmodel/calibration/vllm_profile_logs.csv`` (23 logs, each with its source).
Fit rows: ``split == fit`` (the ``reserved`` measurement of vLLM PR #11809 on, TP known, no
NCCL NVLS). Prints (1) the two fitted constants of :mod:`planner.perfmodel.vllm_memory`, (2)
the rule against every held-out row, NVLS included (its 4.9 GiB is cited, not fitted), (3) the
model's activation workspace against the logged activation peak where the model and the
profiled tokens are known (a comparison only: the workspace is not changed here).
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import GIB
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel.vllm_memory import vllm_non_torch_gib

DATA = Path(__file__).resolve().parents[1] / "planner/perfmodel/calibration/vllm_profile_logs.csv"
#: Log GPUs as the catalogue names them (rows whose GPU the catalogue lacks are skipped in (2)).
GPU_NAMES = {"H100": "H100", "H200": "H200", "A100-40GB": "A100-40GB"}
#: Activation check: log id -> (planner model, engine, weight precision, profiled tokens).
ACTIVATION_ROWS = {
    "pr10511_tp1": ("llama-3.1-8b", "vllm:0.6.5,tokens=8192", "bf16"),
    "r1_h200_073": ("deepseek-v3", "vllm:0.7.3,tokens=32000", "fp8"),
}


def rows() -> list[dict[str, str]]:
    with DATA.open() as f:
        return list(csv.DictReader(f))


def fit(data: list[dict[str, str]]) -> tuple[float, float]:
    """TP1 median and the per-peer slope (least squares through the median) of the fit rows."""
    sel = [r for r in data if r["split"] == "fit"]
    base = statistics.median(float(r["non_torch_gib"]) for r in sel if r["tp"] == "1")
    multi = [(int(r["tp"]) - 1, float(r["non_torch_gib"]) - base) for r in sel if r["tp"] != "1"]
    slope = sum(p * y for p, y in multi) / sum(p * p for p, _ in multi)
    return base, slope


def main() -> None:
    data = rows()
    base, slope = fit(data)
    n1 = sum(1 for r in data if r["split"] == "fit" and r["tp"] == "1")
    print(f"(1) fit: base {base:.3f} GiB (median of {n1} TP1 logs), per peer {slope:.3f} GiB")
    print("(2) held out: id, GPU, TP, logged, modelled non-torch GiB")
    engine = parse_engine("vllm:0.7.3")
    for r in data:
        if r["split"] != "held_out":
            continue
        tp = int(r["tp"])
        name = GPU_NAMES.get(r["gpu"])
        if name is None:  # a GPU the catalogue lacks: the rule without NVLS
            model = base + slope * (tp - 1)
        else:
            model = vllm_non_torch_gib(engine, get_gpu(name), tp)
        logged = float(r["non_torch_gib"])
        print(
            f"    {r['id']:22s} {r['gpu']:10s} tp{tp} {logged:5.2f} {model:5.2f}"
            f" ({(model - logged) / logged:+.0%})"
        )
    print("(3) activation peak: id, logged GiB, model workspace GiB")
    for key, (model_name, spec, precision) in ACTIVATION_ROWS.items():
        r = next(x for x in data if x["id"] == key)
        gpu = get_gpu(GPU_NAMES[r["gpu"]])
        tp = int(r["tp"])
        em = EngineModel(
            load_model(model_name),
            ReplicaConfig(gpu, tp, 1, 1),
            precision,
            "bf16",
            engine=parse_engine(spec),
        )
        print(
            f"    {key:22s} {float(r['activation_gib']):5.2f} {em.workspace_bytes / GIB:5.2f}"
            f"  ({model_name}, {spec}, tp{tp})"
        )


if __name__ == "__main__":
    main()
