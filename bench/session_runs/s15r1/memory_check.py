"""The model's vLLM DeepSeek-R1 TP8 memory on 8 x H200 against two public vLLM logs.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s15r1/memory_check.py

(A) vLLM 0.7.3 (pip), ``vllm serve DeepSeek-R1 --tensor-parallel-size 8
--gpu-memory-utilization 0.85 --max-model-len 128000 --max-num-batched-tokens 32000``, 8 x H200
(a public hexo post "nvidia cuda", 2025-03-15 log): total_gpu_memory 139.81 GiB; "model weights
take 83.88GiB; non_torch_memory takes 7.16GiB; PyTorch activation peak memory takes 6.37GiB;
the rest of the memory reserved for KV Cache is 21.43GiB"; 18418 blocks of 16 tokens.
(B) vLLM PR #14842 (2025-03-14, main after PR #14770 removed the absorbed weights), V0,
``vllm serve DeepSeek-R1 --tensor-parallel-size 8`` (defaults: 0.9, 163840 tokens), FlashMLA
blocks of 64: 4739 blocks with the 256-byte padding, 5266 without.
(C) The dstack build (0.7.4.dev181, 2025-03-03): absorbed weights and padding, 0.9, 163840.
Neither log is a fit input; the model's non-torch memory is 0 (not modelled).
"""

import importlib.util
from pathlib import Path

from planner.perfmodel.memory import GIB
from planner.perfmodel.stage import EngineModel

# the replica builder of last session's breakdown script (written once)
_SPEC = importlib.util.spec_from_file_location(
    "s14r1_breakdown", Path(__file__).resolve().parents[1] / "s14r1" / "breakdown.py"
)
_BREAKDOWN = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_BREAKDOWN)


def engine_model(engine: str) -> EngineModel:
    return _BREAKDOWN.engine_model(engine, 8, 1)


def show(label: str, em: EngineModel, fraction: float, log: str) -> None:
    runtime = em.config.gpu.runtime_bytes
    kv = fraction * runtime - em.weight_bytes - em.workspace_bytes
    tokens = kv / em.kv_bytes_per_token
    print(
        f"{label}: usable {fraction * runtime / GIB:.2f} GiB, weights {em.weight_bytes / GIB:.2f}, "
        f"workspace {em.workspace_bytes / GIB:.2f}, KV {kv / GIB:.2f} GiB = {tokens:,.0f} tokens "
        f"at {em.kv_bytes_per_token:,.0f} B; log: {log}"
    )


if __name__ == "__main__":
    a = engine_model("vllm:0.7.3,tokens=32000")
    show(
        "(A) 0.7.3, 0.85, 32000",
        a,
        0.85,
        "weights 83.88, activation 6.37, non-torch 7.16, KV 21.43 GiB = 294,688 tokens",
    )
    b = engine_model("vllm:0.7.3,tokens=163840")
    b_plain = engine_model("vllm:0.8.0,tokens=163840")  # no absorbed copies, no padding
    # PR #14842's main: absorbed copies gone (as 0.8.0), padding still on (as 0.7.3)
    b_weights = b_plain.weight_bytes
    runtime = b.config.gpu.runtime_bytes
    kv = 0.9 * runtime - b_weights - b.workspace_bytes
    print(
        f"(B) main 03-14, 0.9, 163840: weights {b_weights / GIB:.2f}, workspace "
        f"{b.workspace_bytes / GIB:.2f}, KV {kv / GIB:.2f} GiB = {kv / b.kv_bytes_per_token:,.0f}"
        f" tokens padded; log: 4739 x 64 = 303,296 tokens padded (22.06 GiB)"
    )
    c = engine_model("vllm:0.7.4,tokens=163840")
    show("(C) dstack 0.7.4.dev, 0.9, 163840", c, 0.9, "none (the dstack rows)")
    print(f"    KV tokens {c.kv_tokens:,.0f}: {c.kv_tokens / 4000:.1f} requests of 4000 tokens")
    print("(C') without the 0.7 terms (vllm 0.6.0 engine):", end=" ")
    d = engine_model("vllm:0.6.0,tokens=163840")
    print(
        f"KV tokens {d.kv_tokens:,.0f}, {d.kv_tokens / 4000:.1f} requests; breakdown "
        f"{ {k: round(v, 2) for k, v in d.memory_breakdown().items()} }"
    )
    print(f"(C) breakdown { {k: round(v, 2) for k, v in c.memory_breakdown().items()} }")
