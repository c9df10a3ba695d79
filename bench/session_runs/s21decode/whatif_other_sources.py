"""What-if (s21decode): the DeepGEMM GEMM law (``whatif_gemm.py``, Hopper FP8 serving GEMMs) on
the other public serving sources, against the committed predictions.

``--engines trtllm`` (default): only TensorRT-LLM engines get the law (NIM, MLPerf NVIDIA);
``--engines all``: every serving engine on Hopper FP8 (vLLM, SGLang too). Runs
``bench/serve_public.py``'s ``collect`` in this process for the named sources and compares
each row's error with ``bench/results/serve/public_rows.csv`` (the shipped model).

Usage: ``PYTHONPATH=. nice -n 10 python bench/session_runs/s21decode/whatif_other_sources.py
--source nim_llama33 --source mlperf_inf41 ...`` (writes whatif_other_sources_<engines>.md)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "bench"))

import serve_public  # noqa: E402
import whatif_gemm  # noqa: E402

from planner.perfmodel.stage import EngineModel  # noqa: E402


def shipped() -> dict[str, float]:
    out = {}
    with open(ROOT / "bench/results/serve/public_rows.csv") as fh:
        for row in csv.DictReader(fh):
            stats = json.loads(row["stats"])
            out[stats["id"]] = stats["error"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", action="append", required=True)
    ap.add_argument("--engines", default="trtllm", choices=("trtllm", "all"))
    args = ap.parse_args()
    whatif_gemm.patch("full")
    if args.engines == "trtllm":  # the other engines' GEMMs stay as shipped
        patched = {"_gemm": EngineModel._gemm, "_gemm_sum": EngineModel._gemm_sum}

        def pick(name):
            def call(self, *a, **k):
                chosen = patched if self.engine.name == "trtllm" else ORIGINAL
                return chosen[name](self, *a, **k)

            return call

        EngineModel._gemm = pick("_gemm")
        EngineModel._gemm_sum = pick("_gemm_sum")
    before = shipped()
    rows = serve_public.collect(args.source)
    lines = ["| row | shipped error | what-if error |", "|---|---|---|"]
    groups: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        b, a = before.get(r["id"], float("nan")), r["error"]
        lines.append(f"| {r['id']} | {b:+.1%} | {a:+.1%} |")
        tol = 0.25 if r["kind"] == "latency" else 0.15
        groups.setdefault(f"{r['source']} {r['split']} {r['kind']}", []).append((b, a, tol))
    summary = []
    for key, v in groups.items():
        b = np.array([x[0] for x in v])
        a = np.array([x[1] for x in v])
        tol = v[0][2]
        summary.append(
            f"- {key}: within {tol:.0%} {int(np.sum(np.abs(b) <= tol))} -> "
            f"{int(np.sum(np.abs(a) <= tol))} / {len(v)}; signed mean {np.nanmean(b):+.1%} -> "
            f"{np.nanmean(a):+.1%}"
        )
    text = "\n".join([*lines, "", *summary])
    print(text)
    (HERE / f"whatif_other_sources_{args.engines}.md").write_text(
        f"# What-if: DeepGEMM law on Hopper FP8 GEMMs of {args.engines} engines, other sources\n\n"
        f"`PYTHONPATH=. python bench/session_runs/s21decode/whatif_other_sources.py "
        f"--engines {args.engines} {' '.join('--source ' + s for s in args.source)}`\n\n"
        + text
        + "\n"
    )


ORIGINAL = {"_gemm": EngineModel._gemm, "_gemm_sum": EngineModel._gemm_sum}

if __name__ == "__main__":
    main()
