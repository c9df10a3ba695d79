"""What-if (s21decode): CUDA-graph batch padding of trtllm-bench's PyTorch flow.

The perf overview @00f37686 ran every PyTorch-backend row (``trtllm_overview``,
``trtllm_rtxpro``) with ``llm_options.yml``: ``cuda_graph_config: enable_padding: true,
batch_sizes: [1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192]``. A
decode-only iteration of ``B`` sequences then replays the graph of the smallest captured size
``>= B`` (TensorRT-LLM ``CUDAGraphRunner.pad_batch`` / ``_round_up_batch_size``; the
captured sizes are the listed ones up to ``min(max_batch_size, max_num_tokens)`` plus that
cap itself, ``_filter_cuda_graph_batch_sizes``; a batch at or above the largest runs
eagerly, unpadded; read in the search index's revisions of ``tensorrt_llm/_torch/pyexecutor/
cuda_graph_runner.py`` and ``model_engine.py``, ids 2436362266 and 1034563403, later than
1.0 -- assumed unchanged; the cap from :func:`planner.serve.calibration.row_bench_settings`):
its GEMMs, element-wise kernels and all-reduces run ``pad(B)`` token rows, its
attention reads only the ``B`` real sequences' KV cache. What-if: the decode-only iteration
``t0`` of the capacity model is timed at ``pad(B)`` tokens with ``B`` decodes
(``EngineModel.base_time(pad(B), B, ...)``); the prefill extra per prompt token (``kappa``,
from the unpadded eager mixed iterations) is unchanged. The L40S rows (v0.17 C++ engines,
``trtllm-bench build``) are left as they are. Nothing shipped.

Usage: ``PYTHONPATH=. python bench/session_runs/s21decode/whatif_padding.py`` (writes
whatif_padding.md)
"""

from __future__ import annotations

import bisect

import numpy as np
from common import publish, summary

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.calibration.published import SERVING_ROWS
from planner.serve.calibration import predict, row_bench_settings
from planner.serve.capacity import RoleModel

SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192)
PADDED = {"pytorch"}


def supported(cap: int) -> list[int]:
    """The captured sizes of a runtime whose largest pure-decode batch is ``cap`` (TensorRT-LLM
    ``_filter_cuda_graph_batch_sizes``: the listed sizes up to ``cap``, and ``cap`` itself when
    a listed size exceeds it and padding is on)."""
    sizes = [s for s in SIZES if s <= cap]
    if any(s > cap for s in SIZES) and cap not in sizes:
        sizes.append(cap)
    return sizes


def pad(b: float, cap: int | None = None) -> float:
    """The graph batch a decode-only batch of ``b`` replays (``b``: none, run eagerly)."""
    sizes = list(SIZES) if cap is None else supported(cap)
    if not sizes or b >= sizes[-1]:
        return b
    return float(sizes[bisect.bisect_left(sizes, b - 1e-9)])


def patch() -> None:
    orig = RoleModel._own_prefill

    def _own_prefill(self, B):
        f = orig(self, B)
        cap = CURRENT.get("cap")
        if getattr(self, "_pad", False) and B > 0 and pad(B, cap) > B:
            eng = self.engine
            padded = np.array([pad(B, cap)])
            t0 = float(eng.base_time(padded, B, self.ctx, keys=self.keys)[0])
            f = dict(f, t0=t0)
        return f

    RoleModel._own_prefill = _own_prefill
    orig_init = RoleModel.__init__

    def __init__(self, *a, **k):
        orig_init(self, *a, **k)
        self._pad = CURRENT.get("pad", False)
        self._shared = {"prefill": {}}  # no sharing across the before / after runs

    RoleModel.__init__ = __init__


CURRENT: dict = {}


def main() -> None:
    rows = [*SERVING_ROWS, *INFERENCE_GPU_ROWS]
    patch()
    before = {r.id: predict(r) / r.value - 1 for r in rows}
    after = {}
    for r in rows:
        CURRENT["pad"] = r.bench_flow in PADDED
        limits = row_bench_settings(r)
        CURRENT["cap"] = min(limits.max_batch_size, limits.max_num_tokens)
        after[r.id] = predict(r) / r.value - 1
        CURRENT["pad"] = False
    lines = ["| row | before | after |", "|---|---|---|"]
    lines += [f"| {r.id} | {before[r.id]:+.1%} | {after[r.id]:+.1%} |" for r in rows]
    text = "\n".join([*lines, "", *summary(rows, before, after)])
    publish("whatif_padding", "What-if: CUDA-graph batch padding (PyTorch flow rows)", text)


if __name__ == "__main__":
    main()
