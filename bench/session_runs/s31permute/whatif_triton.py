"""What-if (not shipped): vLLM / SGLang Triton ``fused_moe`` element-wise bytes as read in
vllm-project/vllm@000d1458 ``vllm/model_executor/layers/fused_moe/fused_moe.py``
(``fused_experts_impl``: the FC1 kernel gathers A rows through ``sorted_token_ids``
(``offs_token // top_k``), no expanded copy; ``moe_kernel_quantize_input`` before each GEMM
for FP8 W8A8; ``silu_and_mul`` 16-bit in and out; ``ops.moe_sum`` reads ``routed x hidden``
and writes ``tokens x hidden``) and sgl-project/sglang@5e52843b
``python/sglang/srt/layers/fused_moe_triton/fused_moe.py`` (same passes, ``torch.sum``).

Patches ``planner.perfmodel.stage.routed_elementwise_bytes`` for vLLM and SGLang engines and
runs ``bench/serve_public.py`` with the given arguments.

Usage::

    PYTHONPATH=. .venv/bin/python bench/session_runs/s31permute/whatif_triton.py \
        --source sglang_dsv3 --out /tmp/x
"""

from __future__ import annotations

import runpy
import sys

import numpy as np

from planner.perfmodel import moe_traffic, stage

_base = moe_traffic.routed_elementwise_bytes


def triton_bytes(engine, precision, tokens, top, hidden, moe_ffn, mats, tp, block_scaled=False):
    if engine.name not in ("vllm", "sglang"):
        return _base(engine, precision, tokens, top, hidden, moe_ffn, mats, tp, block_scaled)
    n = np.asarray(tokens, dtype=float)
    routed = n * top
    q = 1.0 if precision == "fp8" else 0.0
    quant1 = n * hidden * (2 + q) if q else 0.0
    act = routed * moe_ffn / tp * ((mats - 1) * 2 + 2)
    quant2 = routed * moe_ffn / tp * (2 + q) if q else 0.0
    moe_sum = routed * hidden * 2 + n * hidden * 2
    return quant1 + act + quant2 + moe_sum


stage.routed_elementwise_bytes = triton_bytes
sys.argv = ["bench/serve_public.py", *sys.argv[1:]]
runpy.run_path("bench/serve_public.py", run_name="__main__")
