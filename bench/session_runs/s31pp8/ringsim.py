"""s31pp8: does the variance of a micro-batch's work between iterations slow TensorRT-LLM 1.0's
pipeline ring more as it deepens? Diagnostic only, nothing fitted.

TensorRT-LLM 1.0's ``_executor_loop_pp`` runs ``num_micro_batches = pp_size`` slots; rank r's
iteration i schedules slot ``i mod pp`` and a slot's next iteration needs its sampled tokens
back from the last rank (docs/serve.md, s30pp / s31pp8). So the loop is a closed ring of ``pp``
jobs on ``pp`` stages, with no slack: a slot whose iteration carries a prompt is slower on every
stage. The model prices the round as ``pp x`` the *mean* micro-batch stage (``pipeline_round``).
This script replays each slot's requests at the model's operating point (B per slot,
trtllm-bench's ``max_num_tokens``, every finishing request replaced by a new prompt in the
same slot, prompts chunked into the budget left by the decodes), prices every iteration with
the model's own stage times, and runs the max-plus recursion of the ring:

    end[r][n] = max(end[r][n-1], end[r-1][n] + bnd, end[pp-1][n-pp] (r = 0)) + u[n] + g

Ratio printed: ring time / (iterations x mean stage) -- the slowdown the model's mean misses.

    PYTHONPATH=. python bench/session_runs/s31pp8/ringsim.py
"""

from __future__ import annotations

import sys

import numpy as np

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import pipeline_host_s
from planner.serve.calibration import predict, row_bench_settings, row_role


def stage_time(eng, B, p, ctx, isl, pp):
    """Largest-stage seconds of one slot iteration with B decodes and p prompt tokens."""
    N = np.array([B + p])
    # a decode-only iteration replays its padded graph; a mixed one runs unpadded
    rows = eng.layer_tokens(N, B, ctx) if p == 0 else N
    _, smax = eng.gpu_time(rows, B, ctx)
    att = eng.prefill_attention_time(p * (isl + 1) / 2.0) / pp if p > 0 else 0.0
    return float(smax[0]) + float(att)


def slot_work(B, isl, osl, budget, iters, rng):
    """Prompt tokens in each of ``iters`` iterations of one slot at steady state."""
    b = round(float(B))
    remaining = list(rng.integers(1, osl + 1, size=b))
    pending = 0
    out = []
    for _ in range(iters):
        # finishing requests free their slot; a new prompt enters the slot's queue
        done = sum(1 for r in remaining if r <= 0)
        remaining = [r for r in remaining if r > 0]
        pending += done * isl
        remaining += [osl] * done  # the prompt iteration emits the first token
        p = min(pending, max(budget - b, 0))
        pending -= p
        out.append(p)
        remaining = [r - 1 for r in remaining]
    return np.array(out, float)


def slot_work_waves(B, isl, osl, budget, iters):
    """(decodes, prompt tokens) of each iteration of one slot when all its ``B`` requests start
    together (trtllm-bench submits the whole fixed-length dataset at once): prompts queue, are
    chunked into the budget the decodes leave, and each finishing request is replaced by a new
    prompt in the same slot (its KV cache is freed just before the slot is scheduled again)."""
    b = round(float(B))
    queue = [isl] * b  # prompt tokens left of each waiting request
    decoding = []  # output tokens left of each decoding request
    out = []
    for _ in range(iters):
        d = len(decoding)
        room = max(budget - d, 0)
        p = 0
        started = 0
        while queue and room > 0:
            take = min(queue[0], room)
            queue[0] -= take
            room -= take
            p += take
            if queue[0] == 0:
                queue.pop(0)
                started += 1
        out.append((d, p))
        decoding = [r - 1 for r in decoding]
        done = sum(1 for r in decoding if r <= 0)
        decoding = [r for r in decoding if r > 0] + [osl - 1] * started
        queue += [isl] * done
    return out


def ring(u, pp, g, bnd):
    n = len(u)
    end = np.zeros((pp, n))
    for k in range(n):
        for r in range(pp):
            t = end[r][k - 1] if k else 0.0
            if r:
                t = max(t, end[r - 1][k] + bnd)
            elif k >= pp:
                t = max(t, end[pp - 1][k - pp])
            end[r][k] = t + u[k] + g
    return end[pp - 1][-1]


def main(sel, waves=False):
    rng = np.random.default_rng(0)
    print("| row | err | B | budget | prompt share of stage time | ring / mean | mean stage ms |")
    print("|---|---|---|---|---|---|---|")
    for row in INFERENCE_GPU_ROWS:
        if row.source != "trtllm_rtxpro" or "qwen" in row.id or row.pp == 1:
            continue
        if sel and not any(s in row.id for s in sel):
            continue
        role = row_role(row)
        eng = role.engine
        _, point, _ = role.capacity()
        B = float(point.batch)
        pp = row.pp
        isl, osl = row.input_tokens, row.output_tokens
        budget = row_bench_settings(row).max_num_tokens
        ctx = isl + osl / 2.0
        g = float(pipeline_host_s(eng.engine, B, pp))
        iters = 60 * osl // max(int(B), 1) + 400
        iters = min(iters, 6000)
        cache = {}
        u = []
        if waves:
            n = max(4 * (osl + isl // max(budget - int(B), 1) + 2), 400)
            slots = [slot_work_waves(B, isl, osl, budget, n) for _ in range(pp)]
            for k in range(n):
                for m in range(pp):
                    d, p = slots[m][k]
                    key = (d, p)
                    if key not in cache:
                        cache[key] = stage_time(eng, max(d, 1), p, ctx, isl, pp)
                    u.append(cache[key])
            # tokens out per slot-iteration differ between iterations here: compare with
            # the same iterations priced at their mean (what a homogeneous round assumes)
        else:
            slots = [slot_work(B, isl, osl, budget, iters // pp + 1, rng) for _ in range(pp)]
            for k in range(iters // pp + 1):
                for m in range(pp):
                    p = slots[m][k]
                    if p not in cache:
                        cache[p] = stage_time(eng, B, p, ctx, isl, pp)
                    u.append(cache[p])
        u = np.array(u[pp * 20 :])  # drop the start
        total = ring(u, pp, g, 0.0)
        mean = len(u) * (u.mean() + g) / 1.0
        base = stage_time(eng, B, 0.0, ctx, isl, pp)
        share = 1 - base / u.mean()
        print(
            f"| {row.id.split('/', 1)[1]} | {predict(row) / row.value - 1:+.1%} | {B:.0f} | {budget} | "
            f"{share:.1%} | {total / mean:.3f} | {1e3 * u.mean():.2f} |"
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    main([a for a in args if a != "--waves"], waves="--waves" in args)
