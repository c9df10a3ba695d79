"""What-if (diagnostic; rows unchanged): the RTX PRO 6000 FP4 rows with a BF16 KV cache
instead of the FP8 one entered (an assumption: NVIDIA's FP4 model cards say "Only the weights
and activations of the linear operators within transformers blocks are quantized", which
leaves the cache to the checkpoint's ``hf_quant_config``, not read). Writes
``rtx_kv_whatif.md``.

    PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/rtx_kv_whatif.py
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from whatif_table import whatif_tables

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.serve.calibration import predict

HERE = Path(__file__).resolve().parent


def main() -> None:
    rows = [r for r in INFERENCE_GPU_ROWS if r.gpu == "RTX-PRO-6000"]
    results = {
        kv: {r.id: predict(replace(r, kv_precision=kv)) / r.value - 1.0 for r in rows}
        for kv in ("fp8", "bf16")
    }
    lines = [
        "# RTX PRO 6000 FP4 rows: FP8 (entered) vs BF16 KV cache (diagnostic only)",
        "",
        "`PYTHONPATH=. .venv/bin/python bench/session_runs/s18infer/rtx_kv_whatif.py`",
        "",
        *whatif_tables(
            results,
            {"fp8": "KV fp8 (entered)", "bf16": "KV bf16"},
            lambda i: "/".join(i.split("/")[1:4]),
        ),
    ]
    (HERE / "rtx_kv_whatif.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
