"""Sweep `planner plan serve` over new models, GPUs and workloads (helper s16userve).

Run from the worktree: PYTHONPATH=$PWD nice -n 10 /work/main/.venv/bin/python
bench/session_runs/s16userve/sweep.py [NAME_SUBSTRING ...] > bench/session_runs/s16userve/sweep.out
Each case prints rc, wall / child CPU seconds, status, cost, replicas, TTFT / TPOT, verified,
simulated percentiles and the first stderr line.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INP = HERE / "inputs"
PLANNER = "/work/main/.venv/bin/planner"


#: (name, arguments after `planner plan serve`); {IN} is the inputs/ folder
CASES: list[tuple[str, str]] = [
    (
        "qwen3-32b L40S/L4",
        "--model {IN}/qwen3-32b.json --gpus L40S:8,L4:16 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 80ms",
    ),
    (
        "qwen3-32b H100 fp8 vllm",
        "--model {IN}/qwen3-32b.json --gpus H100:8 --qps 4 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 40ms --precision fp8 --export vllm",
    ),
    (
        "phi-4 L40S tp? (kv heads 10)",
        "--model {IN}/phi-4.json --gpus L40S:8 --qps 3 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --export vllm",
    ),
    (
        "phi-4 A10G",
        "--model {IN}/phi-4.json --gpus A10G:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 100ms --export sglang",
    ),
    (
        "phi-4 tp4 fixed",
        "--model {IN}/phi-4.json --gpus L40S:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --tp 4 --export vllm",
    ),
    (
        "phi-4 tp8 fixed",
        "--model {IN}/phi-4.json --gpus L40S:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --tp 8 --export vllm",
    ),
    (
        "mistral-small L4 int4?",
        "--model {IN}/mistral-small-24b.json --gpus L4:8 --qps 0.5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 5s --tpot 100ms",
    ),
    (
        "mistral-small RTX PRO fp8 trtllm",
        "--model {IN}/mistral-small-24b.json --gpus RTX-PRO-6000:4 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms --precision fp8 --export trtllm",
    ),
    (
        "dsv2-lite L40S",
        "--model {IN}/deepseek-v2-lite.json --gpus L40S:4 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 50ms --export vllm",
    ),
    (
        "dsv2-lite H20 sglang",
        "--model {IN}/deepseek-v2-lite.json --gpus H20:8 --qps 20 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --export sglang",
    ),
    (
        "gemma-3-27b",
        "--model {IN}/gemma-3-27b-it.json --gpus L40S:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256",
    ),
    (
        "qwen3-235b H20",
        "--model qwen3-235b-a22b --gpus H20:16 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 60ms --export vllm",
    ),
    (
        "qwen3-235b MI300X price 0",
        "--model qwen3-235b-a22b --gpus MI300X:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 60ms",
    ),
    (
        "qwen3-235b MI300X priced",
        "--model qwen3-235b-a22b --gpus MI300X:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 60ms --pricing on-demand",
    ),
    (
        "llama4-scout H100 vllm",
        "--model llama-4-scout --gpus H100:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms --export vllm",
    ),
    (
        "llama4-scout 128k prompt",
        "--model llama-4-scout --gpus H100:8 --qps 0.1 --prompt-tokens 131072 --output-tokens 256 --ttft 60s --tpot 100ms",
    ),
    (
        "llama4-maverick H100:16 fp8",
        "--model llama-4-maverick --gpus H100:16 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms --precision fp8 --export trtllm",
    ),
    (
        "gpt-oss-20b L4",
        "--model gpt-oss-20b --gpus L4:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 80ms",
    ),
    (
        "gpt-oss-120b H100 fp4?",
        "--model gpt-oss-120b --gpus H100:8 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --precision fp4",
    ),
    (
        "gpt-oss-120b H100 64k prompt",
        "--model gpt-oss-120b --gpus H100:8 --qps 0.5 --prompt-tokens 65536 --output-tokens 512 --ttft 20s --tpot 40ms",
    ),
    (
        "kimi-k2 H200:16 fp8",
        "--model kimi-k2 --gpus H200:16 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 5s --tpot 100ms --precision fp8 --export sglang",
    ),
    (
        "kimi-k2 H100:8 infeasible",
        "--model kimi-k2 --gpus H100:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256",
    ),
    (
        "8b 1-token outputs",
        "--model llama-3.1-8b --gpus L4:4 --qps 50 --prompt-tokens exp:512 --output-tokens 1 --ttft 500ms",
    ),
    (
        "8b 8K outputs",
        "--model llama-3.1-8b --gpus L40S:8 --qps 1 --prompt-tokens 512 --output-tokens 8192 --tpot 30ms",
    ),
    (
        "8b 0.01 req/s",
        "--model llama-3.1-8b --gpus L4:4,A10G:4 --qps 0.01 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 60ms",
    ),
    (
        "8b 1000 req/s H100:64",
        "--model llama-3.1-8b --gpus H100:64 --qps 1000 --prompt-tokens exp:512 --output-tokens exp:128 --ttft 1s --tpot 50ms",
    ),
    (
        "8b scv4",
        "--model llama-3.1-8b --gpus L40S:8 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms --arrival-scv 4 --simulate --sim-requests 500",
    ),
    (
        "8b prefix 0.9",
        "--model llama-3.1-8b --gpus L40S:8 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 50ms --prefix-hit-rate 0.9 --simulate --sim-requests 500 --export vllm",
    ),
    (
        "8b spec acc 0",
        "--model llama-3.1-8b --gpus H100:4 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --tpot 20ms --speculative eagle --spec-acceptance 0 --simulate --sim-requests 300 --export vllm",
    ),
    (
        "8b spec acc 1",
        "--model llama-3.1-8b --gpus H100:4 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --tpot 5ms --speculative eagle --spec-acceptance 1 --simulate --sim-requests 300 --export sglang",
    ),
    (
        "70b int4 L40S",
        "--model llama-3.1-70b --gpus L40S:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 80ms --precision int4 --export vllm",
    ),
    (
        "70b fp8 kv L40S",
        "--model llama-3.1-70b --gpus L40S:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 80ms --kv-precision fp8 --export trtllm",
    ),
    (
        "70b edge TPOT",
        "--model llama-3.1-70b --gpus H100:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 9ms",
    ),
    (
        "70b disagg 32k",
        "--model llama-3.1-70b --gpus H100:16 --qps 1 --prompt-tokens exp:32768 --output-tokens exp:512 --ttft 10s --tpot 40ms --disaggregate --export vllm --simulate --sim-requests 200",
    ),
    (
        "8b max throughput L4",
        "--model llama-3.1-8b --gpus L4:2 --prompt-tokens exp:2048 --output-tokens exp:256",
    ),
    (
        "8b time limit 2s",
        "--model llama-3.1-70b --gpus H100:16,A100:16,L40S:16,L4:16 --qps 7 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 40ms --disaggregate -t 2",
    ),
    (
        "B: workloads flat keys",
        "--model llama-3.1-8b --gpus H100:8,L40S:8 --workloads {IN}/workloads-flat.toml",
    ),
    (
        "B: workloads 3 shared",
        "--model llama-3.1-8b --gpus H100:8,L40S:8,L4:8 --workloads {IN}/workloads.toml --disaggregate",
    ),
    (
        "B: workloads 3 shared export sglang",
        "--model llama-3.1-8b --gpus H100:8,L40S:8 --workloads {IN}/workloads.toml --export sglang",
    ),
    (
        "B: user GPU toml",
        "--model llama-3.1-8b --gpus {IN}/my-gpu.toml:8 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 40ms --export vllm",
    ),
    (
        "B: user GPU + H100",
        "--model {IN}/qwen3-32b.json --gpus H100:4,{IN}/my-gpu.toml:8 --qps 3 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms",
    ),
    (
        "B: user prices reserved",
        "--model llama-3.1-70b --gpus H100:16,L40S:16,H20:16 --qps 4 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 50ms --pricing reserved --prices {IN}/my-prices.toml",
    ),
    (
        "B: user prices missing A100",
        "--model llama-3.1-70b --gpus A100:16,H100:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --pricing reserved --prices {IN}/my-prices.toml",
    ),
    (
        "B: histogram files",
        "--model llama-3.1-8b --gpus H100:8 --qps 3 --prompt-tokens {IN}/prompts-hist.csv --output-tokens {IN}/outputs-hist.csv --ttft 5s --tpot 40ms --simulate --sim-requests 400",
    ),
    (
        "B: day profile H20 unpriced",
        "--model qwen3-235b-a22b --gpus H20:32 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 3s --tpot 80ms --profile 0.2,0.5,1,0.5",
    ),
    (
        "B: day profile priced spot",
        "--model llama-3.1-8b --gpus L4:8,L40S:8 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 60ms --pricing on-demand --profile 0.01,1,5,20,5 --spot --max-change 2",
    ),
    (
        "B: gpt-oss-120b trtllm window",
        "--model gpt-oss-120b --gpus H200:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 40ms --export trtllm",
    ),
    (
        "B: gpt-oss-20b vllm refused",
        "--model gpt-oss-20b --gpus H100:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --export vllm",
    ),
    (
        "B: scout trtllm 16 GPUs",
        "--model llama-4-scout --gpus H100:16 --qps 20 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --export trtllm",
    ),
    (
        "B: scout tp1 ep16 fixed trtllm",
        "--model llama-4-scout --gpus H100:16 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --tp 1 --ep 16 --export trtllm",
    ),
    (
        "B: disaggregate-only sglang",
        "--model llama-3.1-70b --gpus H100:16 --qps 3 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --disaggregate-only --export sglang --simulate --sim-requests 300",
    ),
    (
        "B: disaggregate trtllm spec mtp dsv3",
        "--model deepseek-v3 --gpus H200:32 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 40ms --precision fp8 --speculative mtp --disaggregate --export trtllm",
    ),
    (
        "B: max-batch 1",
        "--model llama-3.1-8b --gpus H100:8 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:256 --max-batch 1 --ttft 2s",
    ),
    (
        "B: percentile 50",
        "--model llama-3.1-8b --gpus H100:8 --qps 10 --prompt-tokens exp:2048 --output-tokens exp:256 --percentile 50 --ttft 300ms --tpot 15ms",
    ),
    (
        "B: percentile 99.9",
        "--model llama-3.1-8b --gpus H100:8 --qps 10 --prompt-tokens exp:2048 --output-tokens exp:256 --percentile 99.9 --ttft 1s --tpot 30ms",
    ),
    (
        "B: qps 0",
        "--model llama-3.1-8b --gpus H100:8 --qps 0 --prompt-tokens exp:2048 --output-tokens exp:256",
    ),
    (
        "B: gpu-type absent",
        "--model llama-3.1-8b --gpus H100:8 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --gpu-type L4",
    ),
    (
        "B: kv-precision fp8 on A10G",
        "--model llama-3.1-8b --gpus A10G:4 --qps 1 --prompt-tokens exp:2048 --output-tokens exp:256 --kv-precision fp8 --export vllm",
    ),
    (
        "B: int4 export sglang",
        "--model llama-3.1-70b --gpus L40S:8 --qps 0.3 --prompt-tokens exp:2048 --output-tokens exp:256 --precision int4 --export sglang",
    ),
    (
        "B: 1M prompt",
        "--model llama-4-scout --gpus H200:8 --qps 0.01 --prompt-tokens 1000000 --output-tokens 100",
    ),
    (
        "B: mi300x qwen3-32b fp8 vllm",
        "--model {IN}/qwen3-32b.json --gpus MI300X:8 --qps 5 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 1s --tpot 30ms --precision fp8 --pricing on-demand --export vllm",
    ),
    (
        "B: offload mixtral L40S",
        "--model mixtral-8x7b --gpus L40S:1 --prompt-tokens 512 --output-tokens 128 --offload {IN}/mix-plan.json",
    ),
]


def run(name: str, text: str, timeout: float = 240) -> None:
    args = shlex.split(text.format(IN=INP))
    cmd = [PLANNER, "plan", "serve", *args, "--json"]
    if "-t" not in args:
        cmd += ["-t", "20"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "200"},
        )
    except subprocess.TimeoutExpired:
        print(f"## {name}\nTIMEOUT after {timeout} s\n{' '.join(cmd)}\n", flush=True)
        return
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(
        f"## {name}\nrc {p.returncode} wall {wall:.1f} s cpu {cpu:.1f} s\n"
        f"cmd: planner plan serve {' '.join(args)} --json",
        flush=True,
    )
    err = [ln for ln in p.stderr.splitlines() if ln.strip()]
    if err:
        print("stderr:", " | ".join(err[-3:])[:600])
    try:
        r = json.loads(p.stdout.splitlines()[0]) if p.stdout.strip() else None
    except json.JSONDecodeError:
        print("stdout not JSON:", p.stdout[:300])
        return
    if r is None:
        print()
        return
    reps = [
        (
            x.get("gpu"),
            x.get("tp"),
            x.get("pp"),
            x.get("ep"),
            x.get("count"),
            x.get("role"),
            x.get("chunk_tokens"),
        )
        for x in r.get("replicas") or []
    ]
    print(
        f"status {r.get('status')} verified {r.get('verified')} cost {r.get('cost_per_hour')} "
        f"bound {r.get('bound')} gap {r.get('gap')} runtime {r.get('runtime_s')}"
    )
    print(f"replicas {reps}")
    print(
        f"ttft {r.get('ttft_s')} tpot {r.get('tpot_s')} cap {r.get('capacity_qps')} "
        f"tok/s {r.get('throughput_tokens_per_s')}"
    )
    if r.get("reason"):
        print("reason:", str(r.get("reason"))[:500])
    ex = r.get("explanation")
    if ex:
        print("explanation:", json.dumps(ex)[:600])
    if r.get("simulated"):
        print("simulated:", json.dumps(r["simulated"])[:400])
    if r.get("export"):
        print("export:", json.dumps(r["export"])[:1500])
    (HERE / "out").mkdir(exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in name)
    (HERE / "out" / f"{slug}.json").write_text(p.stdout)
    print()


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name, args in CASES:
        if not wanted or any(w in name for w in wanted):
            run(name, args)
