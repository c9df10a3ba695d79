"""What the vendor default engine changes on AMD pools: plan serve before (main, TensorRT-LLM
timing on every GPU) and after (this branch, vLLM on AMD) on the same problems.

Run from the branch's worktree:
    /work/main/.venv/bin/python bench/session_runs/s18amd/amd_default_engine.py MAIN_CHECKOUT
Writes amd_default_engine.md beside this file (model outputs, not timings).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BRANCH = HERE.parents[2]
PLANNER = [str(Path(sys.executable).parent / "planner")]
CASES = [
    (
        "llama-3.1-8b",
        "MI300X:8",
        ["--qps", "20", "--prompt-tokens", "1000", "--output-tokens", "200", "--tpot", "50ms"],
    ),
    (
        "llama-3.1-70b",
        "MI300X:8",
        [
            "--qps",
            "5",
            "--prompt-tokens",
            "1000",
            "--output-tokens",
            "200",
            "--tpot",
            "50ms",
            "--precision",
            "fp8",
        ],
    ),
    ("llama-3.1-70b", "MI300X:8", ["--prompt-tokens", "2000", "--output-tokens", "500"]),
    ("llama-3.1-8b", "MI355X:8", ["--prompt-tokens", "1000", "--output-tokens", "200"]),
]


def run(root: Path, model: str, gpus: str, extra: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    args = ["plan", "serve", "--model", model, "--gpus", gpus, *extra]
    args += ["--json", "-t", "20"]
    out = subprocess.run(
        [*PLANNER, *args], env=env, capture_output=True, text=True, check=True, cwd=root
    )
    return json.loads(out.stdout)


def main(main_root: str) -> None:
    lines = [
        "# AMD pools without --engine: main (TensorRT-LLM timing) vs s18amd (vLLM)",
        "",
        "Command: `/work/main/.venv/bin/python bench/session_runs/s18amd/amd_default_engine.py "
        "/work/main` (each case `planner plan serve ... --json -t 20`).",
        "",
        "MI300X's catalogue price is $0 (unpriced), so rate rows compare GPUs used, not $/h; "
        "rows without --qps maximize throughput on all 8 GPUs.",
        "",
        "| model | GPUs | flags | engine main -> s18amd | GPUs used | capacity req/s | "
        "tokens/s | TPOT p99 s | replicas |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model, gpus, extra in CASES:
        old, new = run(Path(main_root), model, gpus, extra), run(BRANCH, model, gpus, extra)

        def pair(key: str, old: dict = old, new: dict = new) -> str:
            a, b = old.get(key), new.get(key)
            show = lambda v: "-" if v is None else f"{v:.3g}"  # noqa: E731
            return f"{show(a)} -> {show(b)}"

        reps = lambda d: ", ".join(  # noqa: E731
            f"{r['count']}x tp{r['tp']}" + (f" pp{r['pp']}" if r["pp"] > 1 else "")
            for r in d["replicas"]
        )
        lines.append(
            f"| {model} | {gpus} | {' '.join(extra)} | {old['engine']['name']} -> "
            f"{new['engine']['name']} | {sum(old['gpus'].values())} -> {sum(new['gpus'].values())} | {pair('capacity_qps')} | "
            f"{pair('throughput_tokens_per_s')} | {pair('tpot_s')} | {reps(old)} -> {reps(new)} |"
        )
    (HERE / "amd_default_engine.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
