"""Does trtllm-bench's heuristic bind? Per trtllm-bench row: the heuristic's max_batch_size and
max_num_tokens, the model's operating batch at saturation and its KV-memory batch limit, and
a what-if for the 0.17 C++ runtime's dynamic batch tuner (DynamicBatchTuner::
getRuntimeBatchSize with DynamicBatchConfig::kDefaultBatchSizeTable {144: 128, 336: 256,
672: 512, 832: 768, 1280: 1024, 1664: 1536}, search-index file ids 36930421719 / 250915467;
whether trtllm-bench 0.17 turned it on was not read, so it is not wired).

Usage: python bench/session_runs/s20tune/binding.py > bench/session_runs/s20tune/binding.md
"""

from __future__ import annotations

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import offline_role, row_bench_settings, row_role

TABLE = ((144, 128), (336, 256), (672, 512), (832, 768), (1280, 1024), (1664, 1536))


def tuned_batch(capacity: float) -> float:
    """The tuner's runtime batch for a KV-capacity batch (above the table: the capacity;
    its fallback rounding to a granularity is not applied here)."""
    for limit, size in TABLE:
        if capacity < limit:
            return size
    return capacity


def main() -> None:
    print(
        "| row | max_batch_size | max_num_tokens | KV batch limit | batch at capacity | binds |"
        " tuner batch | error now | error with tuner |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    binds = 0
    for r in (*SERVING_ROWS, *INFERENCE_GPU_ROWS):
        s = row_bench_settings(r)
        role = row_role(r)
        mem = role.memory_batch_limit()
        lam, point, _ = role.capacity()
        pred = lam * role.engine.config.engines * r.output_tokens
        bind = s.max_batch_size < mem
        binds += bind
        tuner = ""
        err_t = ""
        if r.bench_flow == "build":
            t = tuned_batch(mem)
            tuner = f"{t:.0f}"
            if t < mem:
                alt = offline_role(
                    r.model,
                    r.gpu,
                    r.tp,
                    r.input_tokens,
                    r.output_tokens,
                    r.precision,
                    pp=r.pp,
                    kv_precision=r.kv_precision,
                    engine=f"trtllm,tokens={s.max_num_tokens}",
                    max_batch=min(int(t), s.max_batch_size),
                )
                a = alt.capacity()[0] * alt.engine.config.engines * r.output_tokens
                err_t = f"{100 * (a / r.value - 1):+.1f} %"
        print(
            f"| {r.id} | {s.max_batch_size} | {s.max_num_tokens} | {mem:.0f} | "
            f"{point.batch:.0f} | {'yes' if bind else 'no'} | {tuner} | "
            f"{100 * (pred / r.value - 1):+.1f} % | {err_t} |"
        )
    print(f"\nrows where max_batch_size is below the KV batch limit: {binds}")


if __name__ == "__main__":
    main()
