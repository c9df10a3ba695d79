"""The largest ``--max-model-len`` vLLM 0.6 starts with on 8 x H100, Llama 3.1 405B FP8 (Meta's
mixed checkpoint), chunked prefill off, under the model's memory terms.

vLLM 0.6.3.post1 ``Worker.determine_num_available_blocks`` profiles a forward pass of
``max_num_batched_tokens`` tokens, which without chunked prefill is ``max(max_model_len, 2048)``
(``SchedulerConfig``), and ``raise_if_cache_size_invalid`` refuses to start when the KV cache
holds fewer than ``max_model_len`` tokens ("The model's max seq len (...) is larger than the
maximum number of tokens that can be stored in KV cache"). So the largest length that starts
solves ``kv_tokens(L) = L``. dstack ran ``--max-model-len 91680`` on this machine; with chunked
prefill on (512-token profile) the cache would not depend on ``L`` and the runs' length would
have no reason to be this one.

Usage: PYTHONPATH=. python bench/session_runs/s20vllm/max_model_len.py
"""

from __future__ import annotations

from planner.serve.api import make_problem
from planner.serve.capacity import engine_for, engine_key
from planner.serve.instance import ReplicaGroup


def kv_tokens(gpu: str, prec: str, tokens: int, eager: bool = False) -> float:
    engine = f"vllm:0.6.3{',eager' if eager else ''},tokens={tokens}"
    p = make_problem(
        "llama-3.1-405b",
        f"{gpu}:8",
        prompt_tokens=1024.0,
        output_tokens=1024.0,
        precision=prec,
        kv_precision="bf16",
        engine=engine,
    )
    pool = p.inventory.pools[0].name or p.inventory.pools[0].gpu.name
    return engine_for(*engine_key(p, ReplicaGroup(pool, 8, 1, 1, 1, "both", tokens, 1.0))).kv_tokens


def main() -> None:
    lo, hi = 2048, 400_000
    while hi - lo > 16:
        mid = (lo + hi) // 2
        if kv_tokens("H100", "fp8-mixed", mid) >= mid:
            lo = mid
        else:
            hi = mid
    print(
        f"H100 fp8-mixed, chunked prefill off: largest max_model_len that starts ~ {lo}"
        f" (dstack ran 91680); kv_tokens(91680) = {kv_tokens('H100', 'fp8-mixed', 91680):.0f}"
    )
    print(
        f"H100 fp8-mixed, chunked prefill on (512-token profile): kv_tokens = "
        f"{kv_tokens('H100', 'fp8-mixed', 512):.0f}"
    )


if __name__ == "__main__":
    main()
