"""--export X without --engine: the plan's timing engine, cost and predicted latencies on main
vs this branch (s20user). Usage, from the worktree:

    /work/main/.venv/bin/python bench/session_runs/s20user/export_engine.py OLD_TREE NEW_TREE

Each case runs ``planner plan serve ... --json`` in a fresh process with PYTHONPATH set to the
tree; the table goes to stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

BIG = [
    "--model", "llama-3.1-70b", "--gpus", "H100:16,A100:32", "--qps", "10",
    "--prompt-tokens", "exp:1024", "--output-tokens", "exp:256", "--ttft", "1s", "--tpot", "50ms",
]  # fmt: skip
DISAGG = [
    "--model", "llama-3.1-8b", "--gpus", "H100:8", "--qps", "10", "--prompt-tokens", "exp:4000",
    "--output-tokens", "exp:300", "--ttft", "2s", "--tpot", "6ms", "--disaggregate",
]  # fmt: skip
CASES = [
    ("70B fleet (README serve example)", BIG, []),
    ("70B fleet --export vllm", BIG, ["--export", "vllm"]),
    ("70B fleet --export vllm --engine vllm:0.8.5", BIG, ["--export", "vllm", "--engine", "vllm:0.8.5"]),
    ("70B fleet --export sglang", BIG, ["--export", "sglang"]),
    ("70B fleet --export trtllm", BIG, ["--export", "trtllm"]),
    ("8B TPOT 6 ms disaggregated --export vllm", DISAGG, ["--export", "vllm"]),
]  # fmt: skip


def run(tree: str, args: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": tree}
    cmd = [
        sys.executable,
        "-c",
        "from planner.launcher import main; main()",
        "plan",
        "serve",
        *args,
    ]
    cmd += ["-t", "20", "--threads", "1", "--json"]
    # cwd = the tree: "python -c" puts the working directory first on sys.path
    p = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}
    return json.loads(p.stdout)


def cell(d: dict) -> str:
    if "error" in d:
        return f"exit: {d['error']}"
    eng = d.get("engine") or {}
    label = f"{eng.get('name')} {eng.get('version') or '(current)'}" if eng else "per vendor"
    if d["status"] not in ("OPTIMAL", "FEASIBLE"):
        return f"{label}: {d['status']}"
    groups = " + ".join(f"{g['count']} x {g['gpu']} tp{g['tp']} {g['role']}" for g in d["replicas"])
    return (
        f"{label}: ${d['objective']:.2f}/h, {groups}, TTFT p99 {1e3 * d['ttft_s']:.0f} ms, "
        f"TPOT p99 {1e3 * d['tpot_s']:.1f} ms"
    )


def main() -> None:
    old, new = sys.argv[1], sys.argv[2]
    print("| case | main | this branch |\n|---|---|---|")
    for name, base, extra in CASES:
        print(f"| {name} | {cell(run(old, base + extra))} | {cell(run(new, base + extra))} |")


if __name__ == "__main__":
    main()
