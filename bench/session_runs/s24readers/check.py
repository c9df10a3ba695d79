"""Run ``plan train`` and ``plan serve`` (the brief's commands) on every config in configs/.

Writes out/check.jsonl (one line per run: exit code, CPU seconds, the answer's status,
step time / throughput, memory per GPU and its capacity, verify, warnings) and prints a
table. Refused configs (exit 2) are recorded with their one-line message.
Run from the worktree: PYTHONPATH=. python bench/session_runs/s24readers/check.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
CONFIGS = Path(__file__).resolve().parents[3] / "tests" / "data" / "hf_configs_reconstructed"
TRAIN = ["plan", "train", "--gpus", "8xH100", "-B", "64", "-s", "4096", "-t", "10"]
SERVE = ["plan", "serve", "--gpus", "H100:8", "--qps", "2", "--prompt-tokens", "1000"]
SERVE += ["--output-tokens", "200", "--ttft", "2s", "--tpot", "50ms", "-t", "10"]


def _run(args: list[str]) -> tuple[int, float, str, str]:
    """Exit code, child CPU seconds, stdout, stderr of one CLI call."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "cli.py", *args, "--threads", "1", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, cpu, proc.stdout, proc.stderr


def main() -> None:
    """Run both commands on each config and write out/check.jsonl."""
    rows = []
    for path in sorted(CONFIGS.glob("*.json")):
        for kind, base in (("train", TRAIN), ("serve", SERVE)):
            args = [*base[:2], "--model", str(path), *base[2:]]
            code, cpu, out, err = _run(args)
            row = {"config": path.stem, "kind": kind, "exit": code, "cpu_s": round(cpu, 2)}
            if code == 0:
                row["answer"] = json.loads(out)
            else:
                row["stderr"] = err.strip().splitlines()[-1:] if err.strip() else []
            rows.append(row)
            print(path.stem, kind, code, round(cpu, 1), flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    text = "\n".join(json.dumps(r, sort_keys=True) for r in rows) + "\n"
    tmp = HERE / "out" / "check.jsonl.tmp"
    tmp.write_text(text)
    tmp.replace(HERE / "out" / "check.jsonl")


if __name__ == "__main__":
    main()
