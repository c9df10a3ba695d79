"""The model's Llama 3.1 405B decode step for the dstack vLLM rows: GPU parts, launches, host.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15d405/breakdown.py
"""

import numpy as np

from planner.perfmodel.engines import eager_quant_kernels, host_overhead_s, launch_overhead_s
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.api import make_problem

SETUPS = {
    "H100": ("fp8-mixed", "bf16", "vllm:0.6.3,tokens=91680"),
    "MI300X": ("fp8", "bf16", "vllm:0.6.4,eager,tokens=91680"),
}


def engine_model(gpu_name: str, eager: bool | None = None) -> EngineModel:
    prec, kv, engine = SETUPS[gpu_name]
    if eager and "eager" not in engine:
        engine = engine.replace("vllm:0.6.3", "vllm:0.6.3,eager")
    p = make_problem(
        "llama-3.1-405b",
        f"{gpu_name}:8",
        qps=None,
        prompt_tokens=2048.0,
        output_tokens=2048.0,
        precision=prec,
        kv_precision=kv,
        engine=engine,
    )
    gpu = p.inventory.pools[0].gpu
    return EngineModel(p.model, ReplicaConfig(gpu, 8, 1, 1), prec, kv, engine=p.engine)


def show(gpu_name: str, eager: bool | None = None) -> None:
    em = engine_model(gpu_name, eager)
    m = em.model
    quant = eager_quant_kernels(
        em.precision.tflops_key, em.precision.ffn_only, m.layers, em.config.gpu.architecture
    )
    launch = launch_overhead_s(em.engine, m.layers, quant, 8)
    print(f"== {gpu_name} {em.engine.label()}  kv tokens {em.kv_tokens:.0f}")
    for b, ctx in (
        (4, 1100),
        (4, 3000),
        (32, 3000),
        (128, 3000),
        (2, 33800),
        (4, 33800),
        (32, 33800),
    ):
        n = np.array([float(b)])
        dense, _moe = em.layer_times(n)
        gpu, _ = em.gpu_time(n, b, float(ctx))
        nocomm = em.without_communication()
        gpu_nc, _ = nocomm.gpu_time(n, b, float(ctx))
        step = em.base_time(n, b, float(ctx))
        host = host_overhead_s(em.engine, b)
        print(
            f"b{b:>3} ctx {ctx:>5}: layer {dense[0] * 1e6:7.1f} us, GPU {gpu[0] * 1e3:6.2f} ms "
            f"(comm {1e3 * (gpu[0] - gpu_nc[0]):5.2f}), launch {launch * 1e3:5.2f} ms, "
            f"host {float(host) * 1e3:5.2f} ms, step {step[0] * 1e3:6.2f} ms"
        )


if __name__ == "__main__":
    show("H100")
    show("H100", eager=True)
    show("MI300X")


def memory(gpu_name: str) -> None:
    em = engine_model(gpu_name)
    mem = {k: round(v, 3) for k, v in em.memory_breakdown().items()}
    print(f"{gpu_name} memory GiB {mem}, KV tokens {em.kv_tokens:.0f}")


if __name__ == "__main__":
    memory("H100")
    memory("MI300X")
