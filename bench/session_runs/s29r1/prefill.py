"""The model's prefill of the dstack DeepSeek-R1 c4 wave against the measured TTFT (s29r1).

At 4-64 clients the requests of ``online_results.csv`` (3200 / 800 tokens, every request the
same length) move in waves: a wave's prompts are admitted together, so the TTFT of the wave
is one prefill of ``clients x 3200`` tokens (vLLM V0: whole prompts, one iteration; SGLang
DP attention: one 3200-token prompt per attention group, 4096-token chunks). Prints the
model's prefill iteration (layers + prefill attention) part by part.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s29r1/prefill.py
"""

from __future__ import annotations

import numpy as np

from bench.session_runs.s29r1.breakdown import engine_model

# (server, clients, mean TTFT s, median TTFT s) of the csv
MEASURED = (
    ("vllm", 4, 0.976, 0.975),
    ("vllm", 8, 1.766, 1.772),
    ("vllm", 16, 3.369, 3.389),
    ("vllm", 32, 7.651, 7.687),
    ("vllm", 64, 14.164, 14.419),
    ("sglang", 4, 3.904, 3.556),
    ("sglang", 8, 3.674, 3.967),
)
SERVERS = {"sglang": ("sglang:0.4.3,tokens=4096", 1, 8), "vllm": ("vllm:0.7.4,tokens=163840", 8, 1)}
PROMPT = 3200


def main() -> None:
    for name, clients, ttft_mean, ttft_med in MEASURED:
        engine, tp, ep = SERVERS[name]
        em = engine_model(engine, tp, ep)
        # prompt tokens per attention rank and on the experts (lockstep groups)
        per_rank = (
            clients * PROMPT / ep if ep == 1 else min(clients, ep) * PROMPT / min(clients, ep)
        )
        moe_tokens = clients * PROMPT
        n = np.array([float(per_rank)])
        layers = em.layer_times(n, moe_tokens=np.array([float(moe_tokens)]))
        dense, moe = layers
        m = em.model
        base = float(em.base_time(n, 0.0, 0.0, layers=layers)[0])
        prompts_per_rank = per_rank / PROMPT
        attn = float(em.prefill_attention_time(prompts_per_rank * PROMPT * (PROMPT + 1) / 2))
        total = base + attn
        print(
            f"{name} c{clients}: {moe_tokens} prompt tokens ({per_rank:.0f}/rank); model "
            f"dense layers {(m.layers - m.moe_layers) * dense[0]:.3f} s, MoE layers "
            f"{m.moe_layers * moe[0]:.3f} s, prefill attention {attn:.3f} s, iteration "
            f"{total:.3f} s ({moe_tokens / total:.0f} tok/s); measured TTFT mean {ttft_mean} s "
            f"median {ttft_med} s ({moe_tokens / ttft_med:.0f} tok/s)"
        )


if __name__ == "__main__":
    main()
