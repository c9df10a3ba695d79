"""Before / after the core_v0.15.3 Megatron profile (branch s14mcore): the issue-18 cases.

Runs ``planner plan train --json`` in a fresh process per case, once with ``PYTHONPATH`` on
main (before) and once on this worktree (after), and records status, plan, step time, the
export's notes and the solve's wall / CPU seconds (``runtime_s`` of the JSON; CPU of the child
process) with the load average. Writes ``megatron_before_after.md`` beside this script.

    /work/main/.venv/bin/python bench/session_runs/s14mcore/megatron_before_after.py \
        [--before /work/main] [--after .] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLANNER = [sys.executable, "-c", "from planner.cli import main; main()"]
CASES = {
    "Llama 3 405B, 16,384 H100, --export megatron": [
        *("--model", "llama-3.1-405b", "--gpus", "16384xH100", "-B", "2048", "-s", "8192"),
        *("--software", "tp_overlap=true", "--export", "megatron"),
    ],
    "same, --framework any": [
        *("--model", "llama-3.1-405b", "--gpus", "16384xH100", "-B", "2048", "-s", "8192"),
        *("--software", "tp_overlap=true", "--framework", "any"),
    ],
    "GPT-1T, 3,072 A100, --framework megatron": [
        *("--model", "gpt-1008b", "--gpus", "3072xA100", "-B", "3072", "-s", "2048"),
        *("--framework", "megatron"),
    ],
    "GPT-1T, 3,072 A100, --framework any": [
        *("--model", "gpt-1008b", "--gpus", "3072xA100", "-B", "3072", "-s", "2048"),
    ],
}


def run(root: str, args: list[str], limit: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(root).resolve())}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [*PLANNER, "plan", "train", *args, "--json", "-t", str(limit)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(root).resolve(),  # python -c puts the working directory first on sys.path
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    d = json.loads(proc.stdout)
    plan = d.get("plan") or {}
    exp = d.get("export") or {}
    return {
        "status": d["status"],
        "plan": d.get("plan_short") or _short(plan),
        "stages": plan.get("stage_layers"),
        "step_s": d.get("step_time_s"),
        "runtime_s": d.get("runtime_s"),
        "process_cpu_s": cpu,
        "load": load,
        "notes": exp.get("notes"),
        "layout": (exp.get("settings") or {}).get("--pipeline-model-parallel-layout"),
        "reason": d.get("reason"),
    }


def _short(plan: dict) -> str:
    if not plan:
        return ""
    keys = ("tp", "pp", "dp", "cp", "ep", "interleave", "microbatch", "recompute", "zero")
    return " ".join(f"{k}={plan.get(k)}" for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="/work/main")
    ap.add_argument("--after", default=str(HERE.parents[2]))
    ap.add_argument("--time-limit", type=float, default=120)
    a = ap.parse_args()
    rows = []
    for name, args in CASES.items():
        for label, root in (("before", a.before), ("after", a.after)):
            got = run(root, args, a.time_limit)
            rows.append((name, label, got))
            print(name, label, json.dumps(got), flush=True)
    lines = [
        "| case | code | status | plan | stages | step s | solve wall s | process CPU s | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label, g in rows:
        step = f"{g['step_s']:.3f}" if g["step_s"] else "-"
        lines.append(
            f"| {name} | {label} | {g['status']} | {g['plan']} | {g['stages']} | {step} | "
            f"{g['runtime_s']} | {g['process_cpu_s']:.1f} | {g['load']:.1f} |"
        )
    lines.append("")
    for name, label, g in rows:
        if g["notes"] or g["layout"] or g["reason"]:
            lines.append(
                f"- {name} ({label}): layout {g['layout']!r}; notes {g['notes']}; "
                f"reason {g['reason']!r}"
            )
    (HERE / "megatron_before_after.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
