"""Break down the model's dstack_405b predictions: KV capacity, memory, step times.

Usage: PYTHONPATH=. python bench/session_runs/s20vllm/breakdown.py
"""

from __future__ import annotations

import numpy as np

from planner.perfmodel.calibration.serving_public import DSTACK_405B_SETUP
from planner.serve.api import make_problem
from planner.serve.capacity import engine_for, engine_key
from planner.serve.instance import ReplicaGroup


def main() -> None:
    for gpu, (prec, kv, engine) in DSTACK_405B_SETUP.items():
        for isl in (128, 2048, 32784):
            p = make_problem(
                "llama-3.1-405b",
                f"{gpu}:8",
                prompt_tokens=float(isl),
                output_tokens=2048.0,
                precision=prec,
                kv_precision=kv,
                engine=engine,
            )
            pool = p.inventory.pools[0].name or p.inventory.pools[0].gpu.name
            g = ReplicaGroup(pool, 8, 1, 1, 1, "both", p.token_budget, 1.0)
            em = engine_for(*engine_key(p, g))
            mb = em.memory_breakdown()
            seqs = em.kv_tokens / (isl + 2048)
            print(
                f"{gpu} {isl}/2048 {engine}: kv_tokens {em.kv_tokens:.0f} = {seqs:.2f} seqs; "
                + ", ".join(f"{k} {v:.1f}" for k, v in mb.items())
            )
            for b in (1, 4, 16, 64, 256):
                ctx = isl + 1024
                t = float(em.base_time(np.array([b], float), b, ctx)[0])
                print(f"   decode b{b:3d} ctx {ctx}: {t * 1e3:7.2f} ms")
            work = isl * (isl + 1) / 2
            t = float(em.base_time(np.array([isl], float), 0, 0)[0]) + float(
                em.prefill_attention_time(work)
            )
            print(f"   prefill {isl}: {t * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
