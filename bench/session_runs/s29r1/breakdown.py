"""The model's DeepSeek-R1 decode step of the dstack rows, part by part (s29r1).

For each server (SGLang 0.4.3 tp1 x ep8 with DP attention; vLLM 0.7.4 tp8) and the running
decode batch the measured rows imply (output tokens/s x mean TPOT, Little's law, from
dstackai/benchmarks @7f37e669 ``online_results.csv``), print the model's decode iteration
split into: attention projections, decode attention (KV read / FLOPs), routed experts,
shared experts + router, collectives, fixed terms (SGLang 0.4's MoE-layer constant, the
per-layer latency, small kernels), LM head, host; next to the measured median ITL
(the decode step without prefill stalls) and median TPOT.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29r1/breakdown.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel import comm, constants
from planner.perfmodel.engines import host_overhead_s
from planner.perfmodel.kernels import flash_attention_time
from planner.perfmodel.stage import FLASH_ATTENTION_EFFICIENCY, EngineModel, ReplicaConfig
from planner.serve.api import make_problem

# (clients, output tok/s, mean TPOT ms, median TPOT ms, median ITL ms, mean TTFT s) of the
# csv rows ``h200,sglang,random`` and ``h200,vllm,random`` at 3200 / 800
MEASURED = {
    "sglang": (
        (4, 82.626, 43.583, 43.148, 42.851, 3.904),
        (8, 164.145, 43.819, 43.485, 43.429, 3.674),
        (16, 256.254, 52.508, 50.905, 50.513, 7.122),
        (32, 405.543, 63.636, 61.186, 59.345, 10.992),
        (64, 590.779, 80.243, 76.498, 70.333, 20.637),
        (128, 802.543, 110.754, 108.353, 85.887, 36.230),
    ),
    "vllm": (
        (4, 148.581, 25.730, 25.735, 25.693, 0.976),
        (8, 237.589, 31.281, 31.327, 31.277, 1.766),
        (16, 294.066, 49.601, 49.752, 49.737, 3.369),
        (32, 512.855, 51.670, 51.995, 51.959, 7.651),
        (64, 758.378, 65.618, 64.415, 63.245, 14.164),
        (128, 744.783, 71.859, 66.854, 65.215, 66.812),
    ),
}
SERVERS = {"sglang": ("sglang:0.4.3,tokens=4096", 1, 8), "vllm": ("vllm:0.7.4,tokens=163840", 8, 1)}
CTX = 3200 + 400  # mean context of a decoding request


def engine_model(engine: str, tp: int, ep: int) -> EngineModel:
    p = make_problem(
        "deepseek-v3",
        f"H200:{tp * ep}",
        qps=None,
        prompt_tokens=3200.0,
        output_tokens=800.0,
        precision="fp8",
        kv_precision="bf16",
        engine=engine,
    )
    gpu = p.inventory.pools[0].gpu
    return EngineModel(p.model, ReplicaConfig(gpu, tp, 1, ep), "fp8", "bf16", engine=p.engine)


def parts(em: EngineModel, b: float) -> dict[str, float]:
    """Milliseconds of one decode iteration with ``b`` sequences per attention rank."""
    m, c, sh = em.model, em.config, em.shapes
    N = np.array([max(b, 1e-9)])
    L, Lm = m.layers, m.moe_layers
    attn = em._dense_sum(N, sh.attention, precision=em.attn_precision)[0]
    ar = 2 * comm.one_shot_all_reduce(N * m.hidden * 2, c.tp, em.tp_per_node, em.fabric)[0]
    total = N * c.ep
    E, top = m.num_experts, m.experts_per_token
    hit = 1.0 - np.power(1.0 - top / E, total)
    active = np.maximum(em.local_experts * hit, 1e-9)
    per_expert = total * top / E / hit
    experts = em._gemm_sum(
        per_expert, sh.expert, batch=active, compute_efficiency=em.expert_efficiency
    )[0]
    shared = em._dense_sum(N, sh.shared)[0] + em._gemm(N, *sh.router)[0]
    a2a = 0.0
    if c.ep > 1:
        a2a = 2 * comm.all_to_all(N * top * m.hidden * 2 / c.tp, c.ep, em.ep_per_node, em.fabric)[0]
    mlp = em._dense_sum(N, sh.mlp)[0] if L - Lm else 0.0
    span = m.attention_keys(CTX)
    kv_bytes = b * span * em.kv_elems_layer * em.kv_precision.bytes
    kv_read = kv_bytes / em.stream_bw
    # absorbed MLA decode FLOPs over all the rank's heads (the model takes the larger)
    flops = 2.0 * b * span * em.heads_r * em.dec_dims
    attn_math = flash_attention_time(c.gpu, flops, "bf16", FLASH_ATTENTION_EFFICIENCY)
    dec = float(em.gpu_time(N, b, CTX)[0][0])
    step = float(em.base_time(N, b, CTX)[0])
    out = {
        "attn_proj": L * attn,
        "kv_read": L * kv_read,
        "attn_math": L * attn_math,
        "attn_gflop": L * flops / 1e12,  # printed x1e3: GFLOP a step
        "experts": Lm * experts,
        "shared+router": Lm * shared,
        "dense_mlp": (L - Lm) * mlp,
        "tp_allreduce": L * ar,
        "ep_a2a": Lm * a2a,
        "moe_fixed": Lm * em.moe_fixed,
        "layer_latency": L * constants.FITTED["layer_latency_s"],
        "absorbed_extra": L * em._absorbed_decode_extra(b) if em.absorbed is not None else 0.0,
        "gpu_total": dec,
        "host": float(host_overhead_s(em.engine, b)),
        "step": step,
    }
    return {k: 1e3 * v for k, v in out.items()}


def main() -> None:
    for name, rows in MEASURED.items():
        engine, tp, ep = SERVERS[name]
        em = engine_model(engine, tp, ep)
        print(f"== {name} {engine} tp{tp} ep{ep}  (ms per decode iteration)")
        for n, tps, tpot_mean, tpot_med, itl_med, ttft in rows:
            running = tps * tpot_mean / 1e3  # Little's law: sequences in decode
            b = running / ep
            p = parts(em, b)
            body = ", ".join(f"{k} {v:.1f}" for k, v in p.items())
            print(
                f"c{n}: running {running:.1f} ({b:.1f}/rank) measured ITL med {itl_med:.1f}"
                f" TPOT med {tpot_med:.1f} TTFT mean {ttft:.1f} s | model {body}"
            )


if __name__ == "__main__":
    main()
