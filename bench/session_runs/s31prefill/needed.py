"""s31prefill: which part of a prefill-heavy row's predicted time would have to be how much
faster to meet the measurement (run on the base commit: the 'before' model).

For a row under-predicted by ``err`` (< 0) the model must lose ``-err`` of its predicted time
per request; a component with share ``s`` alone would have to run ``s / (s + err)`` times
faster (impossible when ``s <= -err``). Shares from s21decode's ``decompose`` (GEMM compute of
prefill and decode together; element-wise; prefill + decode attention / KV; the rest: host,
pipeline round, fixed per-layer latency, LM head).

Usage: PYTHONPATH=. python bench/session_runs/s31prefill/needed.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS

spec = importlib.util.spec_from_file_location(
    "decompose", Path("bench/session_runs/s21decode/decompose.py")
)
dec = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dec)

IDS = (
    "trtllm_l40s/llama-3.1-8b/L40S/tp1/128-128",
    "trtllm_l40s/llama-3.1-8b/L40S/tp1/2048-128",
    "trtllm_l40s/llama-3.1-8b/L40S/tp1/5000-500",
    "trtllm_rtxpro/llama-3.1-70b/RTX-PRO-6000/tp1pp1/128-128",
    "trtllm_rtxpro/llama-3.1-70b/RTX-PRO-6000/tp1pp1/2048-128",
    "trtllm_rtxpro/llama-3.1-70b/RTX-PRO-6000/tp1pp2/2048-128",
    "trtllm_rtxpro/llama-3.1-70b/RTX-PRO-6000/tp1pp4/2048-128",
    "trtllm_rtxpro/qwen3-30b-a3b/RTX-PRO-6000/tp1pp1/128-128",
    "trtllm_rtxpro/qwen3-30b-a3b/RTX-PRO-6000/tp1pp1/2048-128",
    "trtllm_rtxpro/llama-3.1-405b/RTX-PRO-6000/tp1pp8/128-128",
)


def need(share: float, err: float) -> str:
    return "-" if share + err <= 0 else f"x{share / (share + err):.2f}"


print("| row | err | decode share | GEMM compute | elementwise | attention + KV | rest |")
print("|---|---|---|---|---|---|---|")
for row in (r for r in INFERENCE_GPU_ROWS if r.id in IDS):
    d = dec.decompose(row)
    err = d["pred"] / row.value - 1
    q, p = d["dec"], d["pre"]
    gemm = q["gemm_compute"] + p["gemm_compute"] + q["gemm_stream"] + p["gemm_stream"]
    elem = q["elementwise"] + p["elementwise"]
    attn = q["kv_read"] + q["attn_flops"] + p["prefill_attn"] + p["kv_read"] + p["attn_flops"]
    rest = 1.0 - gemm - elem - attn
    cells = [f"{100 * s:.0f} % ({need(s, err)})" for s in (gemm, elem, attn, rest)]
    print(
        f"| {row.id} | {err:+.1%} | {100 * d['decode_share']:.0f} % | " + " | ".join(cells) + " |"
    )
