"""Implied non-KV reserve of TensorRT-LLM's PyTorch flow from aiconfigurator's benchmark rows.

Source: ai-dynamo/aiconfigurator@095f58a51c4ca8e61b66ec108d86f223f8d559ce
``tests/integration/test_trtllm_kv_cache_capacity.py`` ``_BENCHMARK_DATA`` (added in 7d55dd8d2,
PR #652, 2026-04-09): the most concurrent sequences real TensorRT-LLM held with
``--max_seq_len ISL+OSL+1000 --max_num_tokens 2*ISL --free_gpu_memory_fraction F``, bf16 KV
cache. A sequence takes a ``max_seq_len`` slot of KV: the rows bear it out (at one GPU, TP and
fraction the sequences times ``ISL+OSL+1000`` is one token pool for every ISL/OSL pair, and
not when the slot is ``ISL+OSL``).

The count is a floor, so a row bounds the pool: ``n slot <= pool < (n + 1) slot`` tokens. With
our KV bytes per token and weights, the reserve the runtime kept (runtime total - weights -
pool / F, GiB) lies in ``(hi - slot bytes / F, hi]``. Rows of one GPU, TP and ``max_num_tokens``
must share it: the intersection is printed, then minus our activation workspace at that
``max_num_tokens`` (what :data:`RUNTIME_RESERVED_GIB` stands for).

Run: ``PYTHONPATH=. .venv/bin/python bench/session_runs/s29kv/implied_reserve.py``
"""

from __future__ import annotations

from collections import defaultdict

from planner.perfmodel.engines import Engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import from_hf_config, load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig

GIB = 1024**3
SLACK = 1000  # the benchmark's --max_seq_len ISL + OSL + 1000

#: Qwen/Qwen3-32B config.json (Hugging Face); the FP8 checkpoint has the same shapes.
QWEN3_32B = {
    "architectures": ["Qwen3ForCausalLM"],
    "model_type": "qwen3",
    "hidden_size": 5120,
    "intermediate_size": 25600,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "num_hidden_layers": 64,
    "head_dim": 128,
    "vocab_size": 151936,
    "max_position_embeddings": 40960,
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}

# (model, weight precision, gpu, tp, isl, osl, fraction, sequences)
ROWS = [
    ("qwen3-32b", "fp8", "H100", 1, 2048, 2048, 0.8, 27),
    ("qwen3-32b", "fp8", "H100", 2, 2048, 2048, 0.8, 75),
    ("qwen3-32b", "fp8", "H100", 4, 2048, 2048, 0.8, 169),
    ("qwen3-32b", "fp8", "H100", 1, 2048, 4096, 0.8, 19),
    ("qwen3-32b", "fp8", "H100", 2, 2048, 4096, 0.8, 53),
    ("qwen3-32b", "fp8", "H100", 4, 2048, 4096, 0.8, 121),
    ("qwen3-32b", "fp8", "H100", 1, 4096, 2048, 0.8, 19),
    ("qwen3-32b", "fp8", "H100", 2, 4096, 2048, 0.8, 53),
    ("qwen3-32b", "fp8", "H100", 4, 4096, 2048, 0.8, 120),
    ("qwen3-32b", "fp8", "H100", 1, 4096, 4096, 0.8, 14),
    ("qwen3-32b", "fp8", "H100", 2, 4096, 4096, 0.8, 41),
    ("qwen3-32b", "fp8", "H100", 4, 4096, 4096, 0.8, 93),
    ("llama-3.1-8b", "bf16", "H100", 1, 2048, 2048, 0.8, 78),
    ("llama-3.1-8b", "bf16", "H100", 2, 2048, 2048, 0.8, 173),
    ("llama-3.1-8b", "bf16", "H100", 4, 2048, 2048, 0.8, 363),
    ("llama-3.1-8b", "bf16", "H100", 1, 2048, 4096, 0.8, 56),
    ("llama-3.1-8b", "bf16", "H100", 2, 2048, 4096, 0.8, 124),
    ("llama-3.1-8b", "bf16", "H100", 4, 2048, 4096, 0.8, 259),
    ("llama-3.1-8b", "bf16", "H100", 1, 4096, 2048, 0.8, 55),
    ("llama-3.1-8b", "bf16", "H100", 2, 4096, 2048, 0.8, 123),
    ("llama-3.1-8b", "bf16", "H100", 4, 4096, 2048, 0.8, 258),
    ("llama-3.1-8b", "bf16", "H100", 1, 4096, 4096, 0.8, 43),
    ("llama-3.1-8b", "bf16", "H100", 2, 4096, 4096, 0.8, 96),
    ("llama-3.1-8b", "bf16", "H100", 4, 4096, 4096, 0.8, 201),
]


def model_of(name: str):
    """The catalog model, or Qwen3-32B from its config (not in the catalog)."""
    if name == "qwen3-32b":
        return from_hf_config(QWEN3_32B, name="qwen3-32b")
    return load_model(name)


def bounds(row: tuple) -> tuple[float, float, float, float]:
    """(low, high) reserve in GiB the row allows, our workspace and weights in GiB."""
    name, prec, gpu, tp, isl, osl, frac, seqs = row
    eng = EngineModel(
        model_of(name),
        ReplicaConfig(get_gpu(gpu), tp),
        prec,
        "bf16",
        engine=Engine("trtllm", batched_tokens=2 * isl, kv_fraction=frac),
    )
    slot = (isl + osl + SLACK) * eng.kv_bytes_per_token
    base = eng.config.gpu.runtime_bytes - eng.weight_bytes
    high = base - seqs * slot / frac
    low = base - (seqs + 1) * slot / frac
    return low / GIB, high / GIB, eng.workspace_bytes / GIB, eng.weight_bytes / GIB


def main() -> None:
    groups: dict[tuple, list] = defaultdict(list)
    print("model        gpu  tp  isl  osl  F    n   | reserve in (lo, hi] | ws    weights")
    for row in ROWS:
        lo, hi, ws, w = bounds(row)
        name, _, gpu, tp, isl, osl, frac, seqs = row
        print(
            f"{name:12s} {gpu:4s} {tp}  {isl} {osl} {frac} {seqs:4d} | ({lo:5.2f}, {hi:5.2f}]"
            f"      | {ws:4.2f} {w:6.2f}"
        )
        groups[(name, gpu, tp, 2 * isl)].append((lo, hi, ws))
    print("\nper model, GPU, TP, max_num_tokens: reserve interval; minus our workspace")
    for (name, gpu, tp, tok), items in sorted(groups.items()):
        lo = max(i[0] for i in items)
        hi = min(i[1] for i in items)
        ws = items[0][2]
        flag = "" if lo < hi else "  EMPTY (rows disagree)"
        print(
            f"{name:12s} {gpu} tp{tp} tok{tok}: ({lo:5.2f}, {hi:5.2f}]  fixed part "
            f"({lo - ws:5.2f}, {hi - ws:5.2f}]{flag}"
        )


def predicted(row: tuple, fixed_gib: float) -> int:
    """Sequences the runtime holds when it keeps ``fixed_gib`` plus our workspace."""
    name, prec, gpu, tp, isl, osl, frac, _ = row
    eng = EngineModel(
        model_of(name),
        ReplicaConfig(get_gpu(gpu), tp),
        prec,
        "bf16",
        engine=Engine("trtllm", batched_tokens=2 * isl, kv_fraction=frac),
    )
    free = eng.config.gpu.runtime_bytes - eng.weight_bytes - fixed_gib * GIB - eng.workspace_bytes
    return int(free * frac // ((isl + osl + SLACK) * eng.kv_bytes_per_token))


def compare(rules: dict[str, dict[int, float]]) -> None:
    """Each rule's predicted sequences beside the measured count, and its worst error."""
    print("\nmeasured vs predicted sequences (fixed reserve by TP, plus our workspace)")
    worst = dict.fromkeys(rules, 0.0)
    for row in ROWS:
        name, _, gpu, tp, isl, osl, _, seqs = row
        cells = []
        for label, table in rules.items():
            n = predicted(row, table[tp])
            err = (n - seqs) / seqs
            worst[label] = max(worst[label], abs(err))
            cells.append(f"{label} {n:4d} ({err:+6.1%})")
        print(f"{name:12s} {gpu} tp{tp} {isl}/{osl} n={seqs:4d} | " + " | ".join(cells))
    for label, value in worst.items():
        print(f"worst |error| {label}: {value:.1%}")


def minimax_table() -> dict[int, float]:
    """Per TP, the reserve nearest to every model's and token budget's interval in the worst
    case (the midpoint of the farthest interval ends), to 0.1 GiB: the shipped table."""
    groups: dict[tuple, list] = defaultdict(list)
    for row in ROWS:
        lo, hi, ws, _ = bounds(row)
        name, _, _, tp, isl, *_ = row
        groups[(name, tp, 2 * isl)].append((lo - ws, hi - ws))
    table = {}
    for tp in sorted({key[1] for key in groups}):
        cells = [
            (max(i[0] for i in items), min(i[1] for i in items))
            for key, items in groups.items()
            if key[1] == tp
        ]
        table[tp] = round(0.5 * (max(lo for lo, _ in cells) + min(hi for _, hi in cells)), 1)
    return table


if __name__ == "__main__":
    main()
    table = minimax_table()
    print("\nminimax table (GiB by TP):", table)
    compare({"old 4 GiB": {1: 4.0, 2: 4.0, 4: 4.0}, "table": table})
