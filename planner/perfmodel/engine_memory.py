"""What a serving engine keeps back from its KV cache: SGLang's ``mem_fraction_static``.

SGLang sizes its KV cache from one share of the GPU, ``mem_fraction_static``, that holds the
weights and the KV pool ("static" memory); the rest, ``1 - mem_fraction_static`` of the memory
free at start, is left for activations, CUDA graphs and the runtime. ``ModelRunner``
measures the free memory once the distributed groups are up (``init_torch_distributed``
returns ``get_available_gpu_memory(..., distributed=tp_size > 1)``: ``torch.cuda.mem_get_info``'s
free bytes, the minimum over the TP ranks), loads the weights, and in
``profile_max_num_token`` keeps ``rest_memory = available_gpu_memory - total_gpu_memory *
(1 - self.mem_fraction_static)`` for the KV pool, ``available_gpu_memory`` being the free memory
after loading. So the pool is ``fraction x free-at-start - weights`` (SGLang wheels 0.3.0 to
0.4.6, ``srt/model_executor/model_runner.py``: 0.3.0 lines 337-340, 0.4.3.post2 lines
569-572, 0.4.6 lines 707-710). The model takes the free memory at start as the total the CUDA
runtime reports (:attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`; the CUDA context
and NCCL's buffers, a few hundred MiB, are not subtracted).

The default ``mem_fraction_static`` (``ServerArgs.__post_init__``, ``srt/server_args.py`` of
each release's wheel, read for every release from 0.3.0 to 0.4.6.post5) depends on the
server's ``--tp`` (its GPU count: with ``--enable-dp-attention`` too) and, from 0.4.6, on the
GPU's memory as ``nvidia-smi --query-gpu=memory.total`` prints it in MiB
(``get_nvgpu_memory_capacity``):

========================  =====  =====  =====  =====  ======  =========================
release                   tp 1   tp 2   tp 4   tp 8   tp 16   GPUs over 81,920 MiB
========================  =====  =====  =====  =====  ======  =========================
0.3.0 - 0.3.5             0.88   0.87   0.85   0.83   0.79    the same
0.3.6                     0.88   0.87   0.85   0.82   0.79    the same
0.4.0 - 0.4.5             0.88   0.87   0.85   0.81   0.79    the same
0.4.6 (.post1)            0.88   0.87   0.85   0.81   0.79    ``(mem - 13 GiB) / mem``
========================  =====  =====  =====  =====  ======  =========================

(``tp >= 16``: 0.79, ``>= 8``, ``>= 4``, ``>= 2``, else 0.88; 0.3.0 lines 109-119, 0.3.6
lines 156-166, 0.4.1.post2 lines 172-182, 0.4.3.post2 lines 195-205, 0.4.6 lines 224-238.)
0.4.6.post2 changed the rule for large GPUs (``(mem - 18 GiB) / mem`` capped by a table) and
0.4.7 again (a reserve that grows with the CUDA-graph batch sizes); the planner's versions
stop at three numbers, so ``sglang:0.4.6`` means 0.4.6 and its first post release. A
multimodal model's share is cut by 5 % (10 % in 0.4.6); the planner's models are text-only.
Other versions (before 0.3.0, after 0.4.6, or none named: the current release) keep the
model's fixed runtime reserve (:data:`planner.perfmodel.memory.RUNTIME_RESERVED_GIB`) and its
activation workspace, as do vLLM (whose ``--gpu-memory-utilization`` is
:attr:`~planner.perfmodel.engines.Engine.memory_fraction`) and TensorRT-LLM
(:attr:`~planner.perfmodel.engines.Engine.kv_free_fraction`).
"""

from __future__ import annotations

from planner.perfmodel.engines import Engine, release_tuple

MIB = 1024**2
#: SGLang's default ``mem_fraction_static`` by release window (first, last release, inclusive)
#: and server TP size: ``((min_tp, fraction), ...)`` from the largest TP down (module notes).
SGLANG_MEM_FRACTION_TABLES: tuple[
    tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, float], ...]], ...
] = (
    ((0, 3, 0), (0, 3, 5), ((16, 0.79), (8, 0.83), (4, 0.85), (2, 0.87), (1, 0.88))),
    ((0, 3, 6), (0, 3, 6), ((16, 0.79), (8, 0.82), (4, 0.85), (2, 0.87), (1, 0.88))),
    ((0, 4, 0), (0, 4, 6), ((16, 0.79), (8, 0.81), (4, 0.85), (2, 0.87), (1, 0.88))),
)
#: First SGLang release whose default leaves a fixed ``SGLANG_LARGE_GPU_RESERVE_MIB`` on GPUs
#: of more than ``SGLANG_TABLE_MAX_MIB`` (0.4.6 ``server_args.py`` lines 225 and 238).
SGLANG_LARGE_GPU_RELEASE = (0, 4, 6)
SGLANG_TABLE_MAX_MIB = 81920
SGLANG_LARGE_GPU_RESERVE_MIB = 1024 * 13


def sglang_mem_fraction_static(engine: Engine, tp_size: int, gpu_mib: float) -> float | None:
    """SGLang's default ``mem_fraction_static`` for a server of ``tp_size`` GPUs, each of
    ``gpu_mib`` MiB as ``nvidia-smi`` reports it; ``None`` when ``engine`` is not SGLang at a
    release the module's table covers (0.3.0 to 0.4.6; no version is the current release).

    Parameters
    ----------
    engine
        The serving engine and version.
    tp_size
        The server's ``--tp``: every GPU of the replica (data-parallel attention included).
    gpu_mib
        The GPU's memory in MiB (``memory.total``).
    """
    if engine.name != "sglang" or not engine.version:
        return None
    version = release_tuple(engine.version)
    if version >= SGLANG_LARGE_GPU_RELEASE and gpu_mib > SGLANG_TABLE_MAX_MIB:
        last = SGLANG_MEM_FRACTION_TABLES[-1][1]
        if version > last:
            return None
        return (gpu_mib - SGLANG_LARGE_GPU_RESERVE_MIB) / gpu_mib
    for first, last, table in SGLANG_MEM_FRACTION_TABLES:
        if first <= version <= last:
            return next(f for least, f in table if tp_size >= least)
    return None


def sglang_kv_pool_bytes(fraction: float, runtime_bytes: float, weight_bytes: float) -> float:
    """Bytes SGLang's KV pool takes on one GPU: ``fraction`` of the memory free at start
    (``runtime_bytes``) less the weights (negative when the weights do not fit)."""
    return fraction * runtime_bytes - weight_bytes


__all__ = [
    "SGLANG_LARGE_GPU_RELEASE",
    "SGLANG_LARGE_GPU_RESERVE_MIB",
    "SGLANG_MEM_FRACTION_TABLES",
    "SGLANG_TABLE_MAX_MIB",
    "sglang_kv_pool_bytes",
    "sglang_mem_fraction_static",
]
