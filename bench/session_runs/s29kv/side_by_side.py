"""Our TensorRT-LLM memory terms beside the public logs' (s29kv; see logs.md).

Prints, per log setting: the GPU's runtime total the model assumes, our weight bytes, our
activation workspace at the log's max_num_tokens, the fixed reserve, and the logged figures.
"""

from __future__ import annotations

from planner.perfmodel.engines import Engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import RUNTIME_RESERVED_GIB
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

GIB = 1024**3

# (label, model, gpu, tp, ep, precision, kv precision, max_num_tokens, logged figures)
SETTINGS = [
    (
        "GB10 gpt-oss-120b (1.1.0rc3, drop: unified memory)",
        "gpt-oss-120b",
        "B200",
        1,
        1,
        "fp4",
        "bf16",
        8192,
        "weights 63.52, activations 0.85, outside 49.28, total 119.70",
    ),
    (
        "#5872 Qwen3-235B-A22B-FP8 8xH200 tp8 ep8 (1.0.0rc1/3)",
        "qwen3-235b-a22b",
        "H200",
        8,
        1,
        "fp8",
        "fp8",
        8192,
        "pre-model 0.51, model 28.85, total 140.06",
    ),
    (
        "#5950 DeepSeek-V3 W4A8 8xH20 tp8 (1.0.0rc2)",
        "deepseek-v3",
        "H20",
        8,
        1,
        "fp8",
        "fp8",
        32768,
        "pre-model 0.70, model 46.47, total 95.00",
    ),
    (
        "70B FP8 H200 tp1 perf overview 128/2048",
        "llama-3.1-70b",
        "H200",
        1,
        1,
        "fp8",
        "fp8",
        2048,
        "trtllm-bench estimate 214 requests, model 192",
    ),
]


def main() -> None:
    for label, name, gpu, tp, ep, prec, kvp, tokens, logged in SETTINGS:
        try:
            model = load_model(name)
        except Exception as exc:  # a catalog gap is reported, not fatal
            print(f"{label}: model {name!r} not in the catalog ({exc})")
            continue
        eng = Engine("trtllm", batched_tokens=tokens)
        em = EngineModel(model, ReplicaConfig(get_gpu(gpu), tp, 1, ep), prec, kvp, engine=eng)
        print(label)
        print(
            f"  ours: runtime total {em.config.gpu.runtime_bytes / GIB:.2f} GiB, weights "
            f"{em.weight_bytes / GIB:.2f}, workspace {em.workspace_bytes / GIB:.2f} "
            f"(tokens {em.engine.batched_tokens or 'default'}), reserve {RUNTIME_RESERVED_GIB:.2f}"
        )
        print(f"  log : {logged}")


if __name__ == "__main__":
    main()
