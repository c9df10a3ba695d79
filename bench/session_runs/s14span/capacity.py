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
CASES = {
    "oss120b-8k-vllm": [
        "--model",
        "gpt-oss-120b",
        "--gpus",
        "8xH100",
        "--prompt-tokens",
        "8000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm",
    ],
    "oss120b-8k-vllm0.10.1-pd": [
        "--model",
        "gpt-oss-120b",
        "--gpus",
        "16xH100",
        "--prompt-tokens",
        "8000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm:0.10.1",
        "--disaggregate-only",
    ],
    "oss120b-8k-vllm-pd": [
        "--model",
        "gpt-oss-120b",
        "--gpus",
        "16xH100",
        "--prompt-tokens",
        "8000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm",
        "--disaggregate-only",
    ],
    "scout-16k-vllm": [
        "--model",
        "llama-4-scout",
        "--gpus",
        "8xH100",
        "--prompt-tokens",
        "16000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm",
    ],
    "scout-16k-vllm0.10.1": [
        "--model",
        "llama-4-scout",
        "--gpus",
        "8xH100",
        "--prompt-tokens",
        "16000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm:0.10.1",
    ],
    "scout-16k-vllm0.10.1-pd": [
        "--model",
        "llama-4-scout",
        "--gpus",
        "16xH100",
        "--prompt-tokens",
        "16000",
        "--output-tokens",
        "1000",
        "--engine",
        "vllm:0.10.1",
        "--disaggregate-only",
    ],
    "scout-2k-vllm": [
        "--model",
        "llama-4-scout",
        "--gpus",
        "8xH100",
        "--prompt-tokens",
        "2000",
        "--output-tokens",
        "500",
        "--engine",
        "vllm",
    ],
}


def main(out: str) -> None:
    planner = os.path.join(os.path.dirname(sys.executable), "planner")
    rows = {}
    for name, args in CASES.items():
        cmd = [planner, "plan", "serve", *args, *BASE]
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
