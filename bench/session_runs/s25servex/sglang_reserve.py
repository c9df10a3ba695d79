"""SGLang 0.4.6's default ``mem_fraction_static`` against the model's fixed SGLang reserve.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s25servex/sglang_reserve.py

SGLang 0.4.6 (``python/sglang/srt/server_args.py`` of the 0.4.6 wheel, ``__post_init__``):
on a GPU of at most 80 GiB, ``mem_fraction_static`` is 0.88 at tp 1, 0.87 at tp 2-3, 0.85 at
tp 4-7, 0.81 at tp 8-15, 0.79 from tp 16; on a larger GPU ``(gpu_mem - 13 GiB) / gpu_mem``.
``ModelRunner.profile_max_num_token`` leaves ``total * (1 - mem_fraction_static)`` unused
(``total`` the memory free at start). The model (``Engine.memory_fraction`` None for SGLang)
reserves ``RUNTIME_RESERVED_GIB`` (4 GiB) and its workspace instead. Printed: the KV GiB per
GPU and tokens both ways (no workspace, CUDA-graph or context memory on SGLang's side: the
comparison is of the reserve rule only).
"""

from planner.perfmodel.memory import GIB, RUNTIME_RESERVED_GIB
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.api import make_problem


def fraction(tp: int, gib: float) -> float:
    """SGLang 0.4.6's default mem_fraction_static."""
    if gib > 80:
        return (gib - 13) / gib
    return 0.88 if tp < 2 else 0.87 if tp < 4 else 0.85 if tp < 8 else 0.81 if tp < 16 else 0.79


for model, gpus, tp, prec in (
    ("llama-3.1-8b", "H100:1", 1, "bf16"),
    ("llama-3.1-70b", "H100:8", 8, "bf16"),
    ("llama-3.1-70b", "H200:4", 4, "fp8"),
    ("deepseek-v3", "H200:8", 8, "fp8"),
):
    p = make_problem(
        model, gpus, prompt_tokens=512.0, output_tokens=128.0, precision=prec, engine="sglang:0.4.6"
    )
    gpu = p.inventory.pools[0].gpu
    em = EngineModel(p.model, ReplicaConfig(gpu, tp, 1, 1), prec, prec, engine=p.engine)
    total = gpu.runtime_bytes
    f = fraction(tp, total / GIB)
    sglang = total * f - em.weight_bytes
    model_kv = em.free_bytes
    print(
        f"{model} tp{tp} {gpu.name} {prec}: SGLang 0.4.6 fraction {f:.3f} leaves "
        f"{(1 - f) * total / GIB:.1f} GiB unused -> KV {sglang / GIB:.1f} GiB "
        f"({sglang / em.kv_bytes_per_token:,.0f} tokens); model reserve "
        f"{RUNTIME_RESERVED_GIB:.0f} GiB + workspace {em.workspace_bytes / GIB:.2f} -> KV "
        f"{model_kv / GIB:.1f} GiB ({em.kv_tokens:,.0f} tokens, {model_kv / sglang - 1:+.0%})"
    )
