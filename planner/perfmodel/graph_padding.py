"""CUDA-graph batch padding: the batch a decode-only iteration's captured graph runs.

An engine that replays CUDA graphs captures them for a list of batch sizes; a decode-only
batch of ``B`` sequences replays the graph of the smallest captured size ``>= B``, with
``pad(B) - B`` dummy rows through every GEMM, element-wise kernel and all-reduce of the layers
(attention reads only the real sequences' KV cache). A batch above the largest captured size
runs eagerly, unpadded. Iterations with prompt tokens replay no graph (TensorRT-LLM's
PyTorch backend, vLLM V0 and SGLang run mixed batches eagerly) and are not padded, nor is an
engine run eagerly (``eager``: vLLM ``--enforce-eager``) or vLLM V0's decode of a sequence
longer than ``max_seq_len_to_capture`` (its model runner pads only when it uses the captured
graph; :func:`~planner.perfmodel.engines.replays_graph`,
:meth:`~planner.perfmodel.stage.EngineModel.layer_tokens`). The
model prices it when the engine option ``pad=N`` is set
(:attr:`~planner.perfmodel.engines.Engine.graph_pad`; ``N`` the largest captured size the
engine's limits leave); without it nothing is padded (every default, so a plan or fit row
that does not name the option is unchanged). Capture lists, each read in the engine's code:

TensorRT-LLM, PyTorch backend (:data:`TRTLLM_SIZES`)
    Pads only with ``cuda_graph_config.enable_padding`` (LLM API default ``False``), to the
    smallest of the supported sizes ``>= B`` (``_round_up_batch_size``: ``bisect_left`` over
    ``supported_batch_sizes``, 0 -- no graph -- past the last; ``tensorrt_llm/_torch/
    pyexecutor/cuda_graph_runner.py``, search-index file ids 2436362266 and 1034563403, later
    than 1.0, assumed unchanged). The supported sizes are the listed ones up to ``min(
    max_batch_size, max_num_tokens)`` plus that cap (``_filter_cuda_graph_batch_sizes``).
    trtllm-bench's perf overview @00f37686 runs every PyTorch row with ``llm_options.yml``
    ``cuda_graph_config: enable_padding: true, batch_sizes: [1, 2, 4, 8, 16, 32, 64, 128,
    256, 384, 512, 1024, 2048, 4096, 8192]``, the list here (s21decode / s21pad, docs/serve.md).
vLLM V0 (before 0.8.0, :data:`VLLM_V0_SIZES`)
    ``_BATCH_SIZES_TO_CAPTURE = [1, 2, 4] + [8 * i for i in range(1, 33)]`` (1, 2, 4, 8 ...
    256; ``vllm/worker/model_runner.py``, 0.4-0.7), padded by ``_get_graph_batch_size``.
vLLM V1 (0.8.0 on, :data:`VLLM_V1_SIZES`)
    ``cudagraph_batch_sizes = [1, 2, 4] + [i for i in range(8, 513, 8)]`` (``vllm/v1/worker/
    gpu_model_runner.py``, early V1; later releases derive the list from
    ``max_num_batched_tokens``, same default up to 512).
SGLang (:data:`SGLANG_SIZES`)
    ``capture_bs = [1, 2, 4] + [i * 8 for i in range(1, 21)]`` (1, 2, 4, 8 ... 160) unless
    ``--disable-cuda-graph-padding`` (``sglang/srt/model_executor/cuda_graph_runner.py``,
    0.3-0.4), the graph chosen by ``bisect_left`` in ``replay_prepare``.

Not modelled: vLLM V1's padding of mixed batches (piecewise graphs), vLLM V0's eager fallback
above 256, and the LM head at the padded rows (priced at the real ones). The capacity model
times the mean batch, so it pads the mean (exact at trtllm-bench's saturated cap).
"""

from __future__ import annotations

import bisect

import numpy as np

from planner.perfmodel.engines import VLLM_V1_DEFAULT_RELEASE, Engine, version_tuple

#: trtllm-bench perf overview's ``cuda_graph_config.batch_sizes`` (module notes).
TRTLLM_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 384, 512, 1024, 2048, 4096, 8192)
#: vLLM V0's ``_BATCH_SIZES_TO_CAPTURE``.
VLLM_V0_SIZES = (1, 2, 4, *range(8, 257, 8))
#: vLLM V1's default ``cudagraph_batch_sizes``.
VLLM_V1_SIZES = (1, 2, 4, *range(8, 513, 8))
#: SGLang's ``capture_bs`` with padding on.
SGLANG_SIZES = (1, 2, 4, *range(8, 161, 8))


def listed_sizes(engine: Engine) -> tuple[int, ...]:
    """The batch sizes ``engine``'s code captures graphs for before its cap (module notes)."""
    if engine.name == "trtllm":
        return TRTLLM_SIZES
    if engine.name == "sglang":
        return SGLANG_SIZES
    v1 = not engine.version or version_tuple(engine.version) >= VLLM_V1_DEFAULT_RELEASE
    return VLLM_V1_SIZES if v1 and engine.scheduler_steps == 1 else VLLM_V0_SIZES


def captured_sizes(engine: Engine) -> tuple[int, ...]:
    """The sizes whose graphs a decode-only batch of ``engine`` may replay, ascending: the
    listed ones up to the cap ``engine.graph_pad`` (vLLM's ``max_num_seqs``, SGLang's
    ``cuda_graph_max_bs``), and for TensorRT-LLM the cap itself
    (``_filter_cuda_graph_batch_sizes`` adds ``min(max_batch_size, max_num_tokens)``).
    Empty when the engine does not pad (no ``pad=N``, or eager)."""
    cap = engine.graph_pad
    if cap <= 0 or not engine.cuda_graphs:
        return ()
    sizes = [s for s in listed_sizes(engine) if s <= cap]
    if engine.name == "trtllm" and cap not in sizes:
        sizes.append(cap)
    return tuple(sizes)


def padded_batch(engine: Engine, batch: float | np.ndarray) -> float | np.ndarray:
    """The rows a decode-only iteration of ``batch`` sequences runs its layers on: the smallest
    captured size ``>= batch`` (elementwise); ``batch`` itself when it exceeds the largest
    captured size or the engine does not pad."""
    sizes = captured_sizes(engine)
    if not sizes:
        return batch

    def one(b: float) -> float:
        if b <= 0 or b > sizes[-1]:
            return b
        return float(sizes[bisect.bisect_left(sizes, b - 1e-9)])

    if isinstance(batch, np.ndarray):
        return np.array([one(float(b)) for b in batch.ravel()]).reshape(batch.shape)
    return one(float(batch))
