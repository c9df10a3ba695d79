"""s16utrain: plan train on new models / clusters, with independent checks of each answer.

Usage (from the worktree): PYTHONPATH=. nice -n 10 python bench/session_runs/s16utrain/sweep.py [CASE ...]

For every case: solve with a time limit, then check
  * verify(problem, plan) is empty (the family's independent checker);
  * memory per GPU (the summary's peak stage) <= the GPU's capacity less headroom;
  * the plan's layout divides heads, KV heads, experts, batch; sum(stage_layers) = layers;
  * bound <= objective;
  * MFU (Megatron's convention, bf16 peak) <= 60 % (flagged, not wrong by itself);
  * pinning every decision of the found plan (``--fix``) gives the same step time;
  * the wall time is within 1 s + 10 % of the time limit.
Prints one line per case and a JSON line with the details.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import fields
from pathlib import Path

from planner.core.errors import InputError
from planner.train.api import make_problem, solve
from planner.train.evaluate import verify
from planner.train.instance import Constraints, TrainingPlan

HERE = Path(__file__).parent
CFG = HERE / "configs"
GIB = 2**30
# every decision of a plan that a constraint can pin
PIN_KEYS = tuple(
    f.name for f in fields(TrainingPlan) if f.name in {g.name for g in fields(Constraints)}
)


def model(name: str) -> str:
    p = CFG / f"{name}.json"
    return str(p) if p.exists() else name


def _problem(case: dict, kw: dict, **pins):
    return make_problem(
        model(case["model"]), case["gpus"], global_batch=case["B"], seq_len=case["s"], **kw, **pins
    )


def check(case: dict, t: float = 10.0) -> dict:
    kw = dict(case.get("kw", {}))
    row = {"case": case["id"], "t": t}
    try:
        prob = _problem(case, kw)
    except InputError as exc:
        row.update(status="INPUT_ERROR", reason=str(exc))
        return row
    w0, c0 = time.perf_counter(), time.process_time()
    res = solve(prob, case.get("method", "auto"), time_limit=t, threads=1)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    summ = res.stats.get("summary", {})
    row.update(
        status=str(res.status),
        wall=round(wall, 2),
        cpu=round(cpu, 2),
        objective=res.objective,
        bound=res.bound,
        reason=(summ.get("reason") or "")[:300],
    )
    issues = []
    if wall > 1.1 * t + 1:
        issues.append(f"time limit: {wall:.1f} s wall for -t {t}")
    sol = res.solution
    if sol is None:
        row["issues"] = issues
        return row
    row["plan"] = sol.short()
    row["mfu"] = summ.get("mfu")
    row["mem"] = summ.get("memory_gb_per_gpu")
    v = verify(prob, sol)
    if v:
        issues.append(f"verify: {v}")
    m = prob.model
    if sum(sol.stage_layers) != m.layers:
        issues.append("stage layers do not sum to the layers")
    if m.heads % sol.tp or (not m.is_mla and m.kv_heads % sol.tp):
        issues.append("tp does not divide heads / kv heads")
    if prob.workload.global_batch % (sol.dp * sol.microbatch):
        issues.append("batch")
    if m.is_moe and m.num_experts % sol.ep:
        issues.append("ep does not divide experts")
    # memory: every pool's capacity
    # the summary's total includes the headroom ("reserved"): compare with the driver's capacity
    cap = min(p.gpu.usable_bytes for p in prob.cluster.pools) / GIB
    if summ.get("memory_gb_per_gpu") and summ["memory_gb_per_gpu"] > cap * 1.0001:
        issues.append(f"memory {summ['memory_gb_per_gpu']:.2f} > capacity {cap:.2f} GiB")
    if (
        res.bound is not None
        and res.objective is not None
        and res.bound > res.objective * (1 + 1e-9)
    ):
        issues.append(f"bound {res.bound} > objective {res.objective}")
    row["mfu_causal"] = summ.get("mfu_causal")
    if summ.get("mfu_causal") and summ["mfu_causal"] > 0.60:
        issues.append(f"causal MFU {summ['mfu_causal']:.1%} > 60 %")
    if res.objective is not None and not math.isfinite(res.objective):
        issues.append("objective not finite")
    # pin every decision of the found plan and re-solve
    if case.get("pin", True):
        pins = {}
        d = sol.to_dict() if hasattr(sol, "to_dict") else dict(sol.__dict__)
        for key in PIN_KEYS:
            if key in d and d[key] is not None:
                val = d[key]
                if key == "stage_layers":
                    val = tuple(val)
                if key == "shard_group" and val == 0 and sol.zero == 0:
                    continue
                if key == "recompute_layers" and sol.recompute != "full":
                    continue
                pins[key] = val
        pins = {k: v for k, v in pins.items() if k not in kw}
        try:
            prob2 = _problem(case, kw, **pins)
            w1 = time.perf_counter()
            res2 = solve(prob2, "auto", time_limit=t, threads=1)
            row["pin_wall"] = round(time.perf_counter() - w1, 2)
            row["pin_status"] = str(res2.status)
            row["pin_objective"] = res2.objective
            if res2.objective is None:
                issues.append(
                    f"pinned plan: {res2.status} {res2.stats.get('summary', {}).get('reason', '')[:200]}"
                )
            elif abs(res2.objective - res.objective) > 1e-6 * res.objective:
                issues.append(f"pinned plan objective {res2.objective:.6g} != {res.objective:.6g}")
        except InputError as exc:
            issues.append(f"pin input error: {exc}")
    row["issues"] = issues
    return row


CASES = [
    {
        "id": "qwen3-32b/64xH100/B256s4k",
        "model": "qwen3-32b",
        "gpus": "64xH100",
        "B": 256,
        "s": 4096,
    },
    {
        "id": "qwen3-32b/24xH100/B240s4k",
        "model": "qwen3-32b",
        "gpus": "24xH100",
        "B": 240,
        "s": 4096,
    },
    {
        "id": "qwen3-32b/8xH100/B64s128k",
        "model": "qwen3-32b",
        "gpus": "64xH100",
        "B": 64,
        "s": 131072,
    },
    {"id": "qwen3-32b/1xH100", "model": "qwen3-32b", "gpus": "1xH100", "B": 8, "s": 4096},
    {
        "id": "mistral-large-2/48xH100/B96s8k",
        "model": "mistral-large-2",
        "gpus": "48xH100",
        "B": 96,
        "s": 8192,
    },
    {
        "id": "mistral-large-2/96xH200/B480s4k",
        "model": "mistral-large-2",
        "gpus": "96xH200",
        "B": 480,
        "s": 4096,
    },
    {"id": "phi-4/24xL40S/B96s4k", "model": "phi-4", "gpus": "24xL40S", "B": 96, "s": 4096},
    {"id": "phi-4/8xH100/B32s16k", "model": "phi-4", "gpus": "8xH100", "B": 32, "s": 16384},
    {"id": "phi-4/1000xH100/B1000s4k", "model": "phi-4", "gpus": "1000xH100", "B": 1000, "s": 4096},
    {
        "id": "dsv2-lite/8xH100/B64s4k",
        "model": "deepseek-v2-lite",
        "gpus": "8xH100",
        "B": 64,
        "s": 4096,
    },
    {
        "id": "dsv2-lite/48xH20/B96s4k",
        "model": "deepseek-v2-lite",
        "gpus": "48xH20",
        "B": 96,
        "s": 4096,
    },
    {
        "id": "qwen3-235b/96xH100/B96s4k",
        "model": "qwen3-235b-a22b",
        "gpus": "96xH100",
        "B": 96,
        "s": 4096,
    },
    {
        "id": "gpt-oss-120b/64xH100/B128s8k",
        "model": "gpt-oss-120b",
        "gpus": "64xH100",
        "B": 128,
        "s": 8192,
    },
    {"id": "scout/48xH100/B96s8k", "model": "llama-4-scout", "gpus": "48xH100", "B": 96, "s": 8192},
    {
        "id": "maverick/256xH100/B256s8k",
        "model": "llama-4-maverick",
        "gpus": "256xH100",
        "B": 256,
        "s": 8192,
    },
    {
        "id": "kimi-k2/1024xH800/B1024s4k",
        "model": "kimi-k2",
        "gpus": "1024xH800",
        "B": 1024,
        "s": 4096,
    },
    {
        "id": "mistral-large-2/8xH100 too small",
        "model": "mistral-large-2",
        "gpus": "8xH100",
        "B": 8,
        "s": 4096,
    },
    {
        "id": "qwen3-32b/MI355X/B256s8k",
        "model": "qwen3-32b",
        "gpus": "64xMI355X",
        "B": 256,
        "s": 8192,
    },
    {
        "id": "llama-3.1-8b/1M tokens",
        "model": "llama-3.1-8b",
        "gpus": "64xH100",
        "B": 8,
        "s": 1048576,
    },
    {"id": "qwen3-32b/tiny batch B=1", "model": "qwen3-32b", "gpus": "64xH100", "B": 1, "s": 4096},
]


def main(argv: list[str]) -> None:
    t = float(os.environ.get("T", "10"))
    sel = [c for c in CASES if not argv or any(a in c["id"] for a in argv)]
    for case in sel:
        row = check(case, t)
        flag = "ISSUES" if row.get("issues") else "ok"
        print(
            f"{flag:6} {row['case']:40} {row['status']:12} {row.get('plan', '')[:60]:60} "
            f"obj={row.get('objective')} wall={row.get('wall')} {row.get('issues', '')} {row.get('reason', '')[:200]}",
            flush=True,
        )
        print("JSON " + json.dumps(row, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
