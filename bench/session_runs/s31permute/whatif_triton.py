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

import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(__file__))

from whatif_triton_bytes import triton_bytes

from planner.perfmodel import stage

stage.routed_elementwise_bytes = triton_bytes
sys.argv = ["bench/serve_public.py", *sys.argv[1:]]
runpy.run_path("bench/serve_public.py", run_name="__main__")
