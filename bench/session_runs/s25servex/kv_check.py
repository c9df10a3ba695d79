"""The model's KV-cache capacity per replica against published engine logs (s25servex).

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s25servex/kv_check.py

Each row rebuilds one public configuration and prints the model's per-GPU memory terms and
the KV tokens one engine holds (``EngineModel.kv_tokens``), beside the figure the engine
logged. Where the run set a memory share other than the model's default (vLLM
``--gpu-memory-utilization``, TensorRT-LLM ``kv_cache_free_gpu_mem_fraction``, SGLang
``mem_fraction_static``), the row also applies that engine's own rule with the log's share:

* vLLM: ``share * runtime - weights - workspace`` (the model's rule with the share replaced);
* TensorRT-LLM: ``share * (runtime - weights - 4 GiB reserve - workspace)``;
* SGLang (``ModelRunner.profile_max_num_token``, 0.4.x): ``available after weights -
  total * (1 - mem_fraction_static)``, total = the memory free at start; the model instead
  reserves a fixed 4 GiB beside weights and workspace (``Engine.memory_fraction`` None).

Sources (figures quoted, not fitted):

A. vLLM PR #12569 (vllm-project/vllm, 2025-01-30, V1): ``vllm serve
   neuralmagic/Meta-Llama-3.1-70B-Instruct-quantized.w8a8 --max-model-len 2048
   --gpu-memory-utilization 0.98``: "Loading model weights took 67.7229 GB", "# GPU blocks:
   1381" (x 16 = 22,096 tokens). The GPU is not named; an 80 GB one (67.7 GiB of int8
   weights on one GPU), taken as H100 80GB. W8A8 int8 weights are 1 byte as fp8.
B. vLLM 0.7.3 DeepSeek-R1 TP8 on 8 x H200, 0.85, 32000 batched tokens (the s15r1 log,
   ``bench/session_runs/s15r1/memory_check.py``): 18,418 blocks x 16 = 294,688 tokens
   (MLA latent entries padded to 640 elements).
C. SGLang 0.4.3.post4, Qwen/QwQ-32B (bf16), ``--tensor-parallel-size 4`` on AWS g6.12xlarge
   (4 x L4 24 GB), defaults (mem_fraction_static 0.85, chunked_prefill_size 2048):
   "Load weight begin. avail mem=21.63 GB", "Load weight end ... avail mem=6.09 GB, mem
   usage=15.54 GB", "KV Cache is allocated. #tokens: 46611, K size: 1.42 GB, V size: 1.42
   GB", "max_total_num_tokens=46611" (github didier-durand/llms-in-clouds docs/sglang.md,
   stored @b001c869).
D. NVIDIA/TensorRT-LLM issue #224 (2023-10-31): Llama-2-7B fp16, TensorRT engine
   (max_batch_size 25, max_output_len 4096, paged KV, tokens_per_block 16) on an A10 (24
   GB), ``kv_cache_free_gpu_mem_fraction`` 0.95: "Using 10718 tokens in paged KV cache".
E. NVIDIA/TensorRT-LLM issue #1400 (2024-04-04, v0.8): SmoothQuant (int8) LLaMA-7B-shape
   engine on an A100 (73 GB used), max_batch_size 1, max_num_tokens 4096, default fraction
   0.9: "Allocate 69524783104 bytes for k/v cache", "Using 132608 tokens in paged KV cache"
   (524,288 bytes a token: 32 layers x 2 x 4096 x fp16, the Llama-2-7B shape); engine
   weights "GPU 6683 (MiB)" in the same log.
F. vllm-project/vllm issue #21348 (2025-07-22): Qwen3-235B-A22B-FP8 on 4 x H100, (F1) vLLM
   ``vllm serve ... --tensor-parallel-size 4 --kv-transfer-config LMCacheConnectorV1``
   (default 0.9): "Available KV cache memory: 8.11 GiB", "GPU KV cache size: 178,880
   tokens"; (F2) SGLang ``--tp 4 --mem-fraction-static 0.93``: "KV Cache is allocated.
   #tokens: 367404, K size: 8.23 GB, V size: 8.23 GB". Versions not given (July 2025).
"""

from __future__ import annotations

from pathlib import Path

from planner.perfmodel.memory import GIB, RUNTIME_RESERVED_GIB
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.api import make_problem

HERE = Path(__file__).resolve().parent
LLAMA2_7B = str(HERE / "llama-2-7b" / "config.json")
QWQ_32B = str(HERE / "qwq-32b" / "config.json")


def engine_model(
    model: str, gpus: str, tp: int, precision: str, engine: str, kv: str = "bf16"
) -> EngineModel:
    """One replica of ``model`` on ``tp`` GPUs of the inventory's first pool."""
    p = make_problem(
        model,
        gpus,
        qps=None,
        prompt_tokens=512.0,
        output_tokens=128.0,
        precision=precision,
        kv_precision=kv,
        engine=engine,
    )
    gpu = p.inventory.pools[0].gpu
    return EngineModel(p.model, ReplicaConfig(gpu, tp, 1, 1), precision, kv, engine=p.engine)


def row(label: str, em: EngineModel, logged: float, kv_bytes: float | None = None) -> None:
    """Print the model's terms and tokens against the logged tokens (``kv_bytes``: the
    cache the engine's own rule leaves with the run's share, when given)."""
    runtime = em.config.gpu.runtime_bytes
    per = em.kv_bytes_per_token
    model_tokens = em.kv_tokens
    line = (
        f"{label}: runtime {runtime / GIB:.2f} GiB, weights {em.weight_bytes / GIB:.2f}, "
        f"workspace {em.workspace_bytes / GIB:.2f}, {per:,.0f} B/token; model (default "
        f"share) {model_tokens:,.0f} tokens ({model_tokens / logged - 1:+.1%})"
    )
    if kv_bytes is not None:
        tokens = kv_bytes / per
        line += f"; with the run's share {tokens:,.0f} ({tokens / logged - 1:+.1%})"
    print(line + f"; logged {logged:,.0f}")


def main() -> None:
    # A. vLLM V1, 70B W8A8 TP1, 0.98
    a = engine_model("llama-3.1-70b", "H100:1", 1, "fp8", "vllm:0.7.1,tokens=2048")
    kv = 0.98 * a.config.gpu.runtime_bytes - a.weight_bytes - a.workspace_bytes
    row("A vLLM V1 70B w8a8 tp1 H100 0.98", a, 1381 * 16, kv)
    print(f"   weights logged 67.72 GiB, model {a.weight_bytes / GIB:.2f}")
    # B. vLLM 0.7.3 DeepSeek-R1 TP8 H200, 0.85 (MLA, padded entries)
    b = engine_model("deepseek-v3", "H200:8", 8, "fp8", "vllm:0.7.3,tokens=32000")
    kv = 0.85 * b.config.gpu.runtime_bytes - b.weight_bytes - b.workspace_bytes
    row("B vLLM 0.7.3 R1 tp8 H200 0.85", b, 18418 * 16, kv)
    # C. SGLang 0.4.3.post4 QwQ-32B TP4 L4, mem_fraction_static 0.85
    c = engine_model(QWQ_32B, "L4:4", 4, "bf16", "sglang:0.4.3,tokens=2048")
    start = 21.63 * GIB  # "Load weight begin. avail mem=21.63 GB" (SGLang GB = 2**30)
    kv = start - c.weight_bytes - start * (1 - 0.85)
    row("C SGLang 0.4.3 QwQ-32B tp4 L4 0.85", c, 46611, kv)
    print(
        f"   weights logged 15.54 GiB, model {c.weight_bytes / GIB:.2f}; KV logged 2.84 GiB, "
        f"model {c.free_bytes / GIB:.2f}; SGLang's share leaves {0.15 * start / GIB:.2f} GiB "
        f"unused, the model reserves {RUNTIME_RESERVED_GIB:.0f} GiB + workspace "
        f"{c.workspace_bytes / GIB:.2f}"
    )
    # D. TensorRT-LLM, Llama-2-7B fp16 on A10, fraction 0.95
    d = engine_model(LLAMA2_7B, "A10G:1", 1, "bf16", "trtllm")
    free = d.config.gpu.runtime_bytes - d.weight_bytes - RUNTIME_RESERVED_GIB * GIB
    row("D TRT-LLM Llama-2-7B A10 0.95", d, 10718, 0.95 * (free - d.workspace_bytes))
    # E. TensorRT-LLM v0.8, int8 SmoothQuant 7B on A100-80GB, 0.9, the log's engine weights
    e = engine_model(LLAMA2_7B, "A100-80GB:1", 1, "bf16", "trtllm")
    weights = 6683 * 2**20
    free = e.config.gpu.runtime_bytes - weights - RUNTIME_RESERVED_GIB * GIB - e.workspace_bytes
    row("E TRT-LLM 0.8 sq-int8 7B A100 0.9 (log weights)", e, 132608, 0.9 * free)
    print(f"   KV bytes logged {69524783104 / GIB:.2f} GiB, model {0.9 * free / GIB:.2f} GiB")
    # F1. vLLM (V1, July 2025) Qwen3-235B-A22B FP8 tp4 H100, 0.9 (the model's default share)
    f1 = engine_model("qwen3-235b-a22b", "H100:4", 4, "fp8", "vllm")
    row("F1 vLLM Qwen3-235B fp8 tp4 H100 0.9", f1, 178880)
    print(f"   KV logged 8.11 GiB, model {f1.free_bytes / GIB:.2f} GiB")
    # F2. SGLang (July 2025), same model and GPUs, mem_fraction_static 0.93
    f2 = engine_model("qwen3-235b-a22b", "H100:4", 4, "fp8", "sglang")
    start = f2.config.gpu.runtime_bytes  # the memory free at start is not logged
    kv = start - f2.weight_bytes - start * (1 - 0.93)
    row("F2 SGLang Qwen3-235B fp8 tp4 H100 0.93", f2, 367404, kv)
    print(f"   KV logged 16.46 GiB, model {f2.free_bytes / GIB:.2f} GiB, 0.93 rule {kv / GIB:.2f}")


if __name__ == "__main__":
    main()
