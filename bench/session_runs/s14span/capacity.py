"""Serving capacity of windowed / chunked models on a fixed replica, before and after s14span.

Run from a checkout: ``PYTHONPATH=<checkout> python capacity.py OUT.json``; each case is one
``planner plan serve`` command (printed), its result's capacity, TTFT, TPOT, decode batch and
KV fill per group recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

BASE = ["--tp", "8", "--pp", "1", "--ep", "1", "--ttft", "10s", "--tpot", "100ms"]
BASE += ["--time-limit", "60", "--json"]
# name: (model, GPUs, prompt tokens, output tokens, engine, disaggregated only)
CASES = {
    "oss120b-8k-vllm": ("gpt-oss-120b", 8, 8000, 1000, "vllm", False),
    "oss120b-8k-vllm0.10.1-pd": ("gpt-oss-120b", 16, 8000, 1000, "vllm:0.10.1", True),
    "oss120b-8k-vllm-pd": ("gpt-oss-120b", 16, 8000, 1000, "vllm", True),
    "scout-16k-vllm": ("llama-4-scout", 8, 16000, 1000, "vllm", False),
    "scout-16k-vllm0.10.1": ("llama-4-scout", 8, 16000, 1000, "vllm:0.10.1", False),
    "scout-16k-vllm0.10.1-pd": ("llama-4-scout", 16, 16000, 1000, "vllm:0.10.1", True),
    "scout-2k-vllm": ("llama-4-scout", 8, 2000, 500, "vllm", False),
}


def case_args(model: str, gpus: int, prompt: int, output: int, engine: str, pd: bool) -> list:
    args = ["--model", model, "--gpus", f"{gpus}xH100", "--prompt-tokens", str(prompt)]
    args += ["--output-tokens", str(output), "--engine", engine]
    return args + (["--disaggregate-only"] if pd else [])


def main(out: str) -> None:
    planner = os.path.join(os.path.dirname(sys.executable), "planner")
    rows = {}
    for name, case in CASES.items():
        cmd = [planner, "plan", "serve", *case_args(*case), *BASE]
        print(" ".join(cmd[1:]), flush=True)
        res = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        rows[name] = {
            "command": "planner " + " ".join(cmd[1:]),
            "capacity_qps": res.get("capacity_qps"),
            "groups": [
                {
                    k: g.get(k)
                    for k in ("label", "per_replica_qps", "ttft_s", "tpot_s", "batch", "kv_fill")
                }
                for g in res.get("groups", [])
            ],
        }
        print(name, rows[name]["capacity_qps"], flush=True)
    with open(out, "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
