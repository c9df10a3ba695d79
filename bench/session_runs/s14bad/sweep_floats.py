"""Every float option of every command given nan / inf / -inf: exit code and stderr's last line.

Run from the worktree: PYTHONPATH=. python bench/session_runs/s14bad/sweep_floats.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import planner.cli as c

ROOT = Path(__file__).resolve().parents[3]
INST = str(ROOT / "instances")
BASE = {
    "gen smtt": ["gen", "smtt", "--n", "5", "--tf", "0.2", "--rdd", "0.6"],
    "gen rcpsp": ["gen", "rcpsp"],
    "gen offload": ["gen", "offload"],
    "plan train": [
        "plan",
        "train",
        "--model",
        "gpt-1.7b",
        "--gpus",
        "32xA100",
        "--global-batch",
        "512",
        "--seq",
        "2048",
        "-t",
        "5",
    ],
    "plan serve": [
        "plan",
        "serve",
        "--model",
        "llama-3.1-8b",
        "--gpus",
        "H100:2,A100:2",
        "--qps",
        "6",
        "--prompt-tokens",
        "600",
        "--output-tokens",
        "150",
        "-t",
        "5",
    ],
    "solve": ["solve", "smtt", INST + "/smtt/example.json"],
    "bench": ["bench", "smtt", INST + "/smtt/example.json"],
}
EXTRA = {"--spot-max-share": ["--spot"], "--period-hours": ["--profile", "3,4"]}


def main() -> None:
    root = c.command()
    rows = []
    for path, cmd in _leaves(root, []):
        name = " ".join(path)
        for p in cmd.params:
            td = getattr(p, "type_descriptor", None)
            if td is None or "float" not in str(td.annotation) or name not in BASE:
                continue
            flag = p.opts[0]
            for value in ("nan", "inf", "-inf"):
                args = [*BASE[name], *EXTRA.get(flag, []), flag, value]
                if "--profile" in args:
                    args = [a for a in args if a not in ("--qps", "6")]
                try:
                    run = subprocess.run(
                        [sys.executable, "-c", "from planner.launcher import main; main()", *args],
                        capture_output=True,
                        text=True,
                        timeout=120,
                        cwd="/tmp",
                    )
                    rc, err = run.returncode, (run.stderr.strip().splitlines() or [""])[-1]
                except subprocess.TimeoutExpired:
                    rc, err = "timeout", ""
                rows.append((name, flag, value, rc, err[:200]))
                print(f"| {name} | {flag} {value} | {rc} | {err[:200]} |", flush=True)


def _leaves(cmd, path):
    subs = getattr(cmd, "commands", {})
    if not subs:
        yield path, cmd
    for n, s in subs.items():
        yield from _leaves(s, [*path, n])


if __name__ == "__main__":
    main()
