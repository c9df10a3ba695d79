"""``breakdown`` sums and MFU of ``plan train --json`` on seven plans (s22walk walkthrough).

Run from a folder holding ``my_cluster.toml`` / ``my_gpu.toml`` (this one), with ``planner``
on PATH: ``python chk.py``.
"""

import json
import subprocess

CMDS = [
    "--model llama-3.1-8b --gpus 16xH100 -B 64 -s 4096",
    "--model mixtral-8x7b --gpus 64xH100 -B 256 -s 4096",
    "--model llama-3.1-8b --gpus my_cluster.toml -B 64 -s 4096",
    "--model llama-3.1-70b --gpus H100:32,A100:32 -B 256 -s 4096",
    "--model deepseek-v3 --gpus 256xH800 -B 1024 -s 4096 --precision fp8 --software deepseek-v3",
    "--model llama-3.1-8b --gpus 16xH100 -B 64 -s 4096 --export deepspeed --fix tp=2,pp=2",
    "--model gpt-1.7b --gpus 16xA100 -B 64 -s 1024 --fix recompute=full",
]

for c in CMDS:
    cmd = f"planner plan train {c} -t 40 --json"
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if p.returncode:
        print(c, p.returncode, p.stderr[:300])
        continue
    d = json.loads(p.stdout)
    rows = [("best", d)] + [(a["label"], a) for a in d["alternatives"]]
    print("==", c, d["status"], d["plan"] and d.get("schedule"))
    for name, r in rows:
        s, st = sum(r["breakdown"].values()), r["step_time_s"]
        print(
            f"  {name[:40]:40s} step {st:.5f} sum {s:.5f} diff {s - st:+.2e} "
            f"mfu {r.get('mfu'):.4f} hw {r.get('hardware_tflops_per_gpu'):.1f}"
        )
    peak = d["model_tflops_per_gpu"] / d["mfu"]
    print(
        "  implied peak per GPU",
        round(peak, 1),
        "mfu_causal/mfu",
        round(d["mfu_causal"] / d["mfu"], 4),
        "model/hw",
        round(d["model_tflops_per_gpu"] / d["hardware_tflops_per_gpu"], 4),
        d["plan"]["recompute"],
    )
