"""What TensorRT-LLM's PyTorch flow keeps back from its KV cache besides weights and activations.

TensorRT-LLM's PyTorch executor (the default flow from 1.0; ``tensorrt_llm/_torch/pyexecutor/
_util.py``, ``KvCacheCreator``) sizes its KV cache by profiling a forward of ``max_num_tokens``
with a small temporary cache, then takes ``(total - peak + tmp_kv) x fraction``: ``total`` is
``torch.cuda.mem_get_info``'s total (:attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`),
``peak`` the torch peak (weights and the activations of that forward) plus the memory used
outside torch (CUDA context, cuBLAS workspaces, NCCL and the custom all-reduce buffers, CUDA
graphs), ``tmp_kv`` the temporary cache given back, ``fraction`` the
``free_gpu_memory_fraction`` (:attr:`~planner.perfmodel.engines.Engine.kv_free_fraction`). Every
term is logged ("Memory used outside torch (e.g., NCCL and CUDA graphs) in memory usage
profiling", "Peak memory during memory usage profiling (torch + non-torch)", ...). The model
prices the activations with :attr:`~planner.perfmodel.stage.EngineModel.workspace_bytes` at the
engine's ``max_num_tokens``; this module gives the rest, by the size of the GPU group the
stage's collectives span (:func:`trtllm_runtime_reserve_gib`).

Figures. No public log with the outside-torch line on a discrete GPU was found (twenty-ninth
session, s29kv: ``bench/session_runs/s29kv/logs.md``), but a public table of what the runtime
held fixes the reserve: ai-dynamo/aiconfigurator@095f58a51c4ca8e61b66ec108d86f223f8d559ce
``tests/integration/test_trtllm_kv_cache_capacity.py`` ``_BENCHMARK_DATA`` lists the most
concurrent sequences real TensorRT-LLM ran with ``--max_seq_len ISL+OSL+1000 --max_num_tokens
2*ISL --free_gpu_memory_fraction 0.8`` (bf16 KV cache) for Llama-3.1-8B (bf16) and Qwen3-32B-FP8
on H100 at TP 1, 2 and 4, ISL/OSL 2048/4096 each. A sequence takes a ``max_seq_len`` slot;
the count is a floor, so each row bounds the reserve the runtime kept
(``runtime total - weights - pool / fraction``) to an interval, and the rows of one model, TP
and ``max_num_tokens`` share it. Less the model's workspace, the intervals (GiB;
``implied_reserve.py`` of that session) are:

=====  =================  =================
TP     Llama-3.1-8B bf16  Qwen3-32B FP8
=====  =================  =================
1      (1.95, 2.34]       (3.27, 3.93]
2      (3.62, 3.68]       (3.71, 4.26]
4      (4.49, 4.59]       (4.77, 4.91]
=====  =================  =================

(the narrower of the intervals at ``max_num_tokens`` 4096 and 8192, which overlap at every TP
and model: the workspace's growth with the token budget matches the rows').

The reserve grows with the GPU group (about 0.8-1.4 GiB per doubling: NCCL's and the custom
all-reduce's buffers, NVLS on NVSwitch systems; aiconfigurator's own ``nccl_mem`` figures,
342 MiB at TP 2 and 392 MiB at TP 4 and 8 in ``systems/h100_sxm.yaml``, are smaller than the
rows imply), and at TP 1 it depends on the model by about 1.3 GiB, which shrinks as 1/TP (an
activation-like term the workspace misses for the larger FP8 model; not split further). The
table :data:`TRTLLM_PYTORCH_RESERVE_GIB` takes per TP the value whose largest distance to the
intervals of that TP (both models, both token budgets) is least -- the midpoint of the highest
lower end and the lowest upper end -- to 0.1 GiB (``implied_reserve.py`` ``minimax_table``;
TP 1: 2.8, 0.46 GiB above Llama's interval and 0.47 below Qwen's; TP 2: 3.7; TP 4: 4.7, within
0.11 of both), and keeps the TP 4 value for larger groups (aiconfigurator's TP 8
``nccl_mem`` equals its TP 4 one). Against the 24 rows it predicts every count within one
sequence or 1.5 %; the model's fixed 4 GiB (:data:`planner.perfmodel.memory.RUNTIME_RESERVED_GIB`)
is 1.66 GiB off Llama's TP 1 interval and 0.77 GiB off Qwen's TP 4 one.

Scope: TensorRT-LLM from 1.0 (the PyTorch flow by default) and without a version (the current
release). Earlier releases (the TensorRT engine flow, whose runtime reserves the engine's
activation memory at build time) and the other engines keep the model's fixed reserve. The
rows are H100 only; the GB300 rows of the same table are left out (the CUDA runtime's total
on GB300 is not known to the model, :attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`).
"""

from __future__ import annotations

from planner.perfmodel.engines import Engine, version_tuple

#: First TensorRT-LLM release whose default flow is the PyTorch executor.
TRTLLM_PYTORCH_DEFAULT_RELEASE = (1, 0)
#: GiB the PyTorch flow keeps outside the weights, the activation workspace and the KV cache,
#: by the GPUs of the stage's communicator (module notes: derived from aiconfigurator's
#: benchmark rows; the largest key serves larger groups).
TRTLLM_PYTORCH_RESERVE_GIB = {1: 2.8, 2: 3.7, 4: 4.7}


def runs_pytorch_flow(engine: Engine) -> bool:
    """TensorRT-LLM at a release whose default flow is the PyTorch executor (1.0 on; no
    version: the current release)."""
    if engine.name != "trtllm":
        return False
    version = version_tuple(engine.version)
    return not version or version >= TRTLLM_PYTORCH_DEFAULT_RELEASE


def trtllm_runtime_reserve_gib(engine: Engine, group_gpus: int) -> float | None:
    """GiB TensorRT-LLM's PyTorch flow keeps beside weights, activations and KV cache on one
    GPU; ``None`` when ``engine`` is not that flow (the caller keeps its own reserve).

    Parameters
    ----------
    engine
        The serving engine and version.
    group_gpus
        GPUs one stage's collectives span (``tp x ep`` of the replica): 1 has no NCCL
        communicator.
    """
    if not runs_pytorch_flow(engine):
        return None
    if isinstance(group_gpus, bool) or not isinstance(group_gpus, int) or group_gpus < 1:
        raise ValueError(f"group_gpus must be a positive integer, got {group_gpus!r}")
    size = max(k for k in TRTLLM_PYTORCH_RESERVE_GIB if k <= group_gpus)
    return TRTLLM_PYTORCH_RESERVE_GIB[size]


__all__ = [
    "TRTLLM_PYTORCH_DEFAULT_RELEASE",
    "TRTLLM_PYTORCH_RESERVE_GIB",
    "runs_pytorch_flow",
    "trtllm_runtime_reserve_gib",
]
