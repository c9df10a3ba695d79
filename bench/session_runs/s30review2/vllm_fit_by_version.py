"""vLLM non-torch fit (bench/vllm_memory_fit.py's rule) on all fit rows and on the 0.7-0.8 fit
rows alone (the V1 table, library file 27349653019, is vLLM 0.11.0). s30review2.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s30review2/vllm_fit_by_version.py
"""

import csv
import statistics

from planner.perfmodel.engines import version_tuple

with open("planner/perfmodel/calibration/vllm_profile_logs.csv") as f:
    rows = list(csv.DictReader(f))
vk = next(k for k in rows[0] if k.startswith("version"))


def fit(sel):
    base = statistics.median(float(r["non_torch_gib"]) for r in sel if r["tp"] == "1")
    m = [(int(r["tp"]) - 1, float(r["non_torch_gib"]) - base) for r in sel if r["tp"] != "1"]
    return round(base, 3), round(sum(p * y for p, y in m) / sum(p * p for p, _ in m), 3), len(sel)


fitrows = [r for r in rows if r["split"] == "fit"]
print("all 10 fit rows: base, per-peer, n =", fit(fitrows))
win = [r for r in fitrows if version_tuple(r[vk])[:2] in ((0, 7), (0, 8))]
print("fit rows of 0.7-0.8 only:", fit(win), [r["id"] for r in win])
b, s, _ = fit(win)
print("R1 TP8 H200 held out 7.16 GiB: window-only", round(b + 7 * s + 4.9, 2), "shipped", 6.99)
