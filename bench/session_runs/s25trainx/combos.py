"""Feature combinations of `planner plan train`: invariants a user would trust (s25trainx).

Each case is one CLI call (fresh process, --json). Checked on every answer:
exit 0 and one JSON object (or exit 2 with one line, no traceback, when marked bad input);
the breakdown sums to step_time_s; 0 < mfu <= 1 and the hardware FLOPs rate <= the GPU's
peak; an accepted plan's every stage fits its capacity; each --fix key lands in the plan.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s25trainx/combos.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
GT = str(HERE / "h100-96gb-grandteton.toml")
PEAK = {"bf16": 989e12, "fp8": 1979e12}

CASES: list[tuple[str, list[str]]] = [
    (
        "lora r16 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "16xH100",
            "-B",
            "64",
            "-s",
            "4096",
            "--software",
            "lora_rank=16",
        ],
    ),
    (
        "frozen half 8b zero2",
        [
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "8xH100",
            "-B",
            "32",
            "-s",
            "4096",
            "--software",
            "trainable=0.5",
            "--zero",
            "2",
        ],
    ),
    (
        "zero3 + zero++ 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "4096",
            "--zero",
            "3",
            "--software",
            "zero_hpz=true",
        ],
    ),
    (
        "hsdp 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "4096",
            "--hsdp",
            "--fix",
            "shard_group=8,zero=3",
        ],
    ),
    (
        "offload 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "8192",
            "--recompute",
            "offload",
        ],
    ),
    (
        "fp8 fp32 master 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "8192",
            "--precision",
            "fp8",
        ],
    ),
    (
        "fp8 bf16 master 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "8192",
            "--precision",
            "fp8",
            "--software",
            "master_bytes=0,weight_bytes=2,grad_bytes=2,moment_bytes=2",
        ],
    ),
    ("cp 128K 8b", ["--model", "llama-3.1-8b", "--gpus", "64xH100", "-B", "8", "-s", "131072"]),
    (
        "cp 1M 70b",
        ["--model", "llama-3.1-70b", "--gpus", "512xH100", "-B", "8", "-s", "1048576", "-t", "60"],
    ),
    (
        "fix several 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "4096",
            "--fix",
            "tp=8,pp=4,v=2,recompute=selective,sp=on,zero=1",
        ],
    ),
    (
        "even stages 70b pp",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "4096",
            "--even-stages",
            "--pp",
            "6",
        ],
    ),
    (
        "headroom 20 8b",
        [
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "8xH100",
            "-B",
            "32",
            "-s",
            "8192",
            "--memory-headroom",
            "20",
        ],
    ),
    (
        "mixed pools 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "H100:32,A100:32",
            "-B",
            "128",
            "-s",
            "4096",
            "-t",
            "30",
        ],
    ),
    (
        "user gpu toml 8b",
        ["--model", "llama-3.1-8b", "--gpus", f"16x{GT}", "-B", "32", "-s", "8192"],
    ),
    (
        "tokens 15T 405b",
        [
            "--model",
            "llama-3.1-405b",
            "--gpus",
            "16384xH100",
            "-B",
            "2048",
            "-s",
            "8192",
            "--tokens",
            "15T",
            "-t",
            "60",
        ],
    ),
    (
        "against 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "64xH100",
            "-B",
            "128",
            "-s",
            "4096",
            "--against",
            "tp=8,pp=2",
        ],
    ),
    (
        "moe ep deepseek-v3 fp8",
        [
            "--model",
            "deepseek-v3",
            "--gpus",
            "1024xH100",
            "-B",
            "4096",
            "-s",
            "4096",
            "--precision",
            "fp8",
            "-t",
            "60",
        ],
    ),
    (
        "partial recompute 70b",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "32xH100",
            "-B",
            "64",
            "-s",
            "8192",
            "--partial-recompute",
        ],
    ),
    (
        "cost objective spot",
        [
            "--model",
            "llama-3.1-8b",
            "--gpus",
            "H100:16,A100:16",
            "-B",
            "64",
            "-s",
            "4096",
            "--objective",
            "cost",
            "--pricing",
            "spot",
        ],
    ),
    (
        "lora + zero3 + offload",
        [
            "--model",
            "llama-3.1-70b",
            "--gpus",
            "8xH100",
            "-B",
            "8",
            "-s",
            "4096",
            "--software",
            "lora_rank=8",
            "--zero",
            "3",
            "--recompute",
            "offload",
        ],
    ),
]


def check(name: str, args: list[str]) -> list[str]:
    cmd = [sys.executable, "cli.py", "plan", "train", "--json", "--threads", "1", *args]
    if "-t" not in args:
        cmd += ["-t", "30"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    bad: list[str] = []
    if p.returncode != 0 or "Traceback" in p.stderr:
        return [f"exit {p.returncode}: {p.stderr.strip()[-400:]}"]
    d = json.loads(p.stdout)
    status = d["status"]
    if status not in ("OPTIMAL", "FEASIBLE"):
        return [f"status {status}: {d.get('reason', '')[:200]}"] if status != "INFEASIBLE" else []
    total = sum(d["breakdown"].values())
    if abs(total - d["step_time_s"]) > 1e-6 * d["step_time_s"]:
        bad.append(f"breakdown {total:.6f} != step {d['step_time_s']:.6f}")
    prec = d["precision"] if d["precision"] in PEAK else "bf16"
    if not 0 < d["mfu"] <= 1:
        bad.append(f"mfu {d['mfu']}")
    if d["hardware_tflops_per_gpu"] * 1e12 > PEAK["fp8" if prec == "fp8" else "bf16"]:
        bad.append(f"hardware tflops {d['hardware_tflops_per_gpu']:.0f} above peak")
    for st in d["stages"]:
        if st["memory_gib"]["total"] > st["capacity_gib"] + 1e-3:
            bad.append(f"stage {st['stage']} {st['memory_gib']['total']} > {st['capacity_gib']}")
    plan = d["plan"]
    for i, a in enumerate(args):
        if a == "--fix":
            for kv in args[i + 1].split(","):
                k, v = kv.split("=")
                key = {"v": "interleave", "sp": "sequence_parallel"}.get(k, k)
                got = plan.get(key)
                want = {"on": True, "off": False}.get(v, v)
                if str(got) != str(want):
                    bad.append(f"--fix {k}={v} but plan {key}={got}")
        if a in ("--zero", "--pp", "--recompute") and str(plan[a[2:]]) != args[i + 1]:
            bad.append(f"{a} {args[i + 1]} but plan {plan[a[2:]]}")
    if "--even-stages" in args and len(set(plan["stage_layers"])) > 1:
        bad.append(f"--even-stages but stages {plan['stage_layers']}")
    summary = (
        f"{status} {d['plan']['tp']}/{d['plan']['pp']}/{d['plan']['dp']}/cp{d['plan']['cp']}"
        f"/ep{d['plan']['ep']} z{plan['zero']} {plan['recompute']} "
        f"step {d['step_time_s']:.3f}s mfu {d['mfu']:.3f} mem {d['memory']['total']}"
    )
    print(f"  {name}: {summary}", flush=True)
    (HERE / "combos").mkdir(exist_ok=True)
    (HERE / "combos" / (name.replace(" ", "_") + ".json")).write_text(p.stdout)
    return bad


if __name__ == "__main__":
    names = sys.argv[1:]
    for name, args in CASES:
        if names and name not in names:
            continue
        problems = check(name, args)
        print(f"{name}: {'ok' if not problems else '; '.join(problems)}", flush=True)
