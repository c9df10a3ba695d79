"""The model's DeepSeek-R1 decode step for the dstack vLLM / SGLang rows, and its memory.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s14r1/breakdown.py
"""

import numpy as np

from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.api import make_problem


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


def show(engine: str, tp: int, ep: int, batches: tuple[int, ...]) -> None:
    em = engine_model(engine, tp, ep)
    for b in batches:
        n = np.array([float(b)])
        dense, moe = em.layer_times(n)
        gpu, _ = em.gpu_time(n, b, 3600.0)
        step = em.base_time(n, b, 3600.0)
        print(
            f"{engine} tp{tp} ep{ep} b{b}: dense layer {dense[0] * 1e6:.0f} us, "
            f"MoE layer {moe[0] * 1e6:.0f} us, GPU {gpu[0] * 1e3:.2f} ms, step {step[0] * 1e3:.2f} ms"
        )
    mem = {k: round(v, 2) for k, v in em.memory_breakdown().items()}
    print(f"  memory GiB {mem}, KV tokens {em.kv_tokens:.0f}")


if __name__ == "__main__":
    show("vllm:0.7.4,tokens=163840", 8, 1, (4, 8, 16, 32, 64, 128))
    show("sglang:0.4.3,tokens=4096", 1, 8, (1, 4, 16))
