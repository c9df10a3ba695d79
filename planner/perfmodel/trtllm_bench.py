"""trtllm-bench's own batch settings: the ``max_batch_size`` and ``max_num_tokens`` it picks.

``trtllm-bench`` (TensorRT-LLM's benchmark tool) runs a dataset with a maximum batch size and a
token budget per iteration that it computes itself from the dataset's mean input and output
lengths when the user gives neither ("tuning heuristics"; the perf-overview pages run it that
way and do not print the values). This module ports that computation, written once here, so
that a prediction of a trtllm-bench row runs the engine with the limits the tool ran it with.

Source: NVIDIA/TensorRT-LLM ``tensorrt_llm/bench/build/tuning.py``, functions
``calc_engine_setting`` and ``finetune_setting``, as the search index stores them (index file
ids 8975874934 and 2457878800, the two mid-2025 revisions with the hybrid-Mamba branch, and
5900118795, the early revision without the per-quantization byte table); the callers
``tensorrt_llm/bench/build/build.py`` (``get_benchmark_engine_settings``: the heuristic for
FP8, NVFP4, FP8 block scales and unquantized checkpoints) and
``tensorrt_llm/bench/benchmark/utils/general.py`` (``get_settings``, the PyTorch backend's
path), with ``tensorrt_llm/bench/build/dataclasses.py`` (``ModelConfig``: parameter count from
the checkpoint's safetensors header, KV heads and head size from ``config.json``) and
``tensorrt_llm/bench/build/utils.py`` (``get_device_memory``: NVML's total, GiB). The
computation (:func:`bench_settings`):

* bytes per weight element ``b_w`` and per KV element ``b_kv``: 1 for FP8 (and FP8 block
  scales), 0.5 for NVFP4, 2 otherwise;
* KV GiB per token ``2 L max(tp, n_kv) d_head b_kv / 2^30`` (every GPU of a tensor-parallel
  group keeps at least one KV head);
* engine GiB ``N b_w / 2^30``, ``N`` the element count of the checkpoint's safetensors header
  (:func:`checkpoint_elements`), subtracted from the GPUs' NVML total (``tp pp`` GPUs);
* the rest times the KV fraction, over the KV of one request of ``ISL + OSL`` tokens, is the
  request count ``R`` the cache holds;
* ``finetune_setting`` (:func:`finetune`): ``bs = min(R, 4096) / pp``, ``tok = min(bs (1 +
  ISL / OSL), 32768)``; the batch rounded *up* to a multiple of 32 (at least 64) below 256, of
  128 below 1024, of 256 above; the token budget rounded up to a multiple of 256 (at least 2048)
  below 4096, of 512 below 8192, of 1024 above.

Two flows call it (:data:`FLOWS`):

``pytorch``
    TensorRT-LLM 1.0 ``trtllm-bench throughput --backend pytorch`` (perf overview @00f37686:
    the H100 / H200 rows and the RTX PRO 6000 rows). ``get_settings`` passes the command's
    ``--kv_cache_free_gpu_mem_fraction`` (default 0.90) as the KV fraction and, since chunked
    prefill is off unless the LLM-API options turn it on (the page's ``llm_options.yml`` sets
    only ``cuda_graph_config``), raises the token budget to ``max(tok, max ISL + bs)`` so that
    a whole prompt fits beside a full batch (``get_settings`` in the revision the index stores,
    file id 51768079499). The runtime then schedules at most ``bs`` requests per micro-batch
    and ``tok`` tokens per iteration: ``PyTorchModelEngine.get_max_num_sequences`` returns
    ``pp_size * max_batch_size`` as the executor's active-request limit (index file ids
    707893322, 70433821559), so a ``pp``-stage replica holds ``bs`` per micro-batch.
``build``
    TensorRT-LLM 0.17 ``trtllm-bench build --dataset`` then ``throughput --engine_dir`` (the
    v0.17 overview, the L40S rows): ``build_command`` calls the heuristic without a KV fraction,
    so its default 0.95 applies, and bakes ``bs`` and ``tok`` into the engine, whose runtime
    uses them as its limits; no ISL adjustment.

Not ported: the hybrid-Mamba branch (no such model in the catalog), the quantizations outside
the tuned set (trtllm-bench then keeps ``BuildConfig``'s defaults), and the ``RuntimeError``
checks (a row the tool could not run is not in a published table). The 0.17 release's own
revision of ``tuning.py`` was not read (the index holds revisions without commits): the
early revision divides the parameter count by ``1000^3`` instead of ``1024^3``
(:data:`EARLY_ENGINE_UNIT`); ``bench/session_runs/s20tune`` measures whether that changes any
L40S row's settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.perfmodel.hardware import GIB, GpuSpec
from planner.perfmodel.model_spec import ModelSpec

#: Bytes per element of ``tuning.py``'s ``BYTES_PER_ELEM`` (others: 2).
BYTES_PER_ELEMENT = {"fp8": 1.0, "fp4": 0.5}
#: ``finetune_setting``'s caps: total requests and tokens per iteration.
MAX_REQUESTS = 4096
MAX_TOKENS = 32768
#: KV fraction each flow hands the heuristic (module notes): ``throughput``'s default
#: ``--kv_cache_free_gpu_mem_fraction`` for ``pytorch``, ``calc_engine_setting``'s default
#: for ``build``.
FLOWS = {"pytorch": 0.90, "build": 0.95}
#: ``finetune_setting``'s rounding bands, (upper limit, step): the batch below 256, 1024 and
#: above; the token budget below 4096, 8192 and above.
BATCH_STEPS = ((256, 32), (1024, 128), (math.inf, 256))
TOKEN_STEPS = ((4096, 256), (8192, 512), (math.inf, 1024))
#: The unit the early revision of ``calc_engine_setting`` divides the parameter count by.
EARLY_ENGINE_UNIT = 1000**3
#: NVFP4 (ModelOpt): two 4-bit values per stored byte and one FP8 scale per block of 16.
NVFP4_ELEMENTS_PER_WEIGHT = 0.5 + 1.0 / 16


@dataclass(frozen=True)
class BenchSettings:
    """What trtllm-bench runs a dataset with.

    Attributes
    ----------
    max_batch_size
        Requests per (micro-)batch.
    max_num_tokens
        Tokens per iteration (prompt and decode tokens together).
    kv_requests
        The heuristic's estimate of the requests the KV cache holds (before the rounding).
    """

    max_batch_size: int
    max_num_tokens: int
    kv_requests: float


def quantized_linear_params(model: ModelSpec) -> int:
    """Weights of the decoder layers' projection matrices (attention, MLP, experts): the
    tensors a ModelOpt checkpoint quantizes; embeddings, LM head, norms, router and biases
    stay in 16 bits (an assumption for the router: ``hf_quant_config.json`` not read)."""
    m = model
    mats = 3 if m.gated_mlp else 2
    if m.is_mla:
        attention = m.attention_params() - m.kv_lora_rank - (m.q_lora_rank or 0)
    else:
        attention = m.hidden * (m.q_dim + 2 * m.kv_dim) + m.attn_out_dim * m.hidden
    dense = attention + mats * m.hidden * m.ffn
    moe = attention + mats * m.hidden * (m.num_experts * m.moe_ffn + m.shared_ffn)
    return (m.layers - m.moe_layers) * dense + m.moe_layers * moe


def checkpoint_elements(model: ModelSpec, precision: str) -> float:
    """Elements in the checkpoint's safetensors header (``ModelConfig.get_param_count``:
    the sum of ``parameter_count`` over dtypes), which counts stored elements, not weights:
    an NVFP4 checkpoint stores two 4-bit weights per ``uint8`` element plus one FP8 scale per
    16 weights (:data:`NVFP4_ELEMENTS_PER_WEIGHT`), so its count is well under the model's
    parameters; FP8 and 16-bit checkpoints store one element per weight (their per-tensor
    scales are negligible)."""
    total = float(model.params_total)
    if precision != "fp4":
        return total
    linear = float(quantized_linear_params(model))
    return total - linear + linear * NVFP4_ELEMENTS_PER_WEIGHT


def finetune(kv_requests: float, input_len: float, output_len: float, pp: int) -> tuple[int, int]:
    """``finetune_setting`` (optimistic tuning): ``(max_batch_size, max_num_tokens)`` from the
    requests the KV cache holds, the mean lengths and the pipeline stages (module notes)."""
    raw_bs = min(kv_requests, MAX_REQUESTS) / pp
    raw_tok = min(raw_bs * (1.0 + input_len / output_len), MAX_TOKENS)
    return _round_up(raw_bs, BATCH_STEPS, 64), _round_up(raw_tok, TOKEN_STEPS, 2048)


def _round_up(value: float, steps: tuple[tuple[float, int], ...], least: int) -> int:
    """``value`` rounded up to the step of its band (the first whose limit exceeds it), at
    least ``least`` (the floors sit in the first band: later bands are above them)."""
    step = next(size for limit, size in steps if value < limit)
    return max(least, step * math.ceil(value / step))


def bench_settings(
    model: ModelSpec,
    gpu: GpuSpec,
    tp: int,
    pp: int,
    precision: str,
    kv_precision: str,
    input_len: int,
    output_len: int,
    *,
    flow: str = "pytorch",
    kv_fraction: float | None = None,
    engine_unit: float = GIB,
) -> BenchSettings:
    """The ``max_batch_size`` and ``max_num_tokens`` trtllm-bench picks for a dataset of
    ``input_len`` / ``output_len`` tokens (fixed lengths: the mean is the maximum).

    Parameters
    ----------
    model, gpu, tp, pp
        The model and the ``tp x pp`` GPUs it runs on (the GPU's driver-reported memory,
        :attr:`~planner.perfmodel.hardware.GpuSpec.usable_bytes`, is NVML's total).
    precision, kv_precision
        Checkpoint and KV-cache precision (``fp8``, ``fp4``, else 16-bit).
    input_len, output_len
        The dataset's mean input and output lengths.
    flow
        ``pytorch`` or ``build`` (:data:`FLOWS`, module notes).
    kv_fraction
        The KV fraction handed to the heuristic; ``None`` takes the flow's default.
    engine_unit
        What the parameter count's bytes are divided by (``2^30``; :data:`EARLY_ENGINE_UNIT`
        for the early revision).

    Returns
    -------
    BenchSettings

    Raises
    ------
    ValueError
        For an unknown flow, non-positive lengths, or weights larger than the GPUs' memory.
    """
    if flow not in FLOWS:
        raise ValueError(f"trtllm-bench flow must be one of {', '.join(FLOWS)}, got {flow!r}")
    if input_len <= 0 or output_len <= 0:
        raise ValueError("trtllm-bench settings need positive input and output lengths")
    fraction = FLOWS[flow] if kv_fraction is None else kv_fraction
    b_w = BYTES_PER_ELEMENT.get(precision, 2.0)
    b_kv = BYTES_PER_ELEMENT.get(kv_precision or precision, 2.0)
    kv_heads = max(tp, model.kv_heads)
    gib_per_token = 2 * model.layers * kv_heads * model.head_dim * b_kv / GIB
    engine_gib = checkpoint_elements(model, precision) * b_w / engine_unit
    available = gpu.usable_bytes / GIB * tp * pp - engine_gib
    if available <= 0:
        raise ValueError(
            f"trtllm-bench settings: {model.name} ({engine_gib:.1f} GiB) does not fit "
            f"{tp * pp} x {gpu.name}"
        )
    requests = available * fraction / (gib_per_token * (input_len + output_len))
    bs, tok = finetune(requests, input_len, output_len, pp)
    if flow == "pytorch":  # no chunked prefill: a whole prompt fits beside a full batch
        tok = max(tok, input_len + bs)
    return BenchSettings(bs, tok, requests)
