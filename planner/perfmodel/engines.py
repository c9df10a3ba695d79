"""The serving engine's own time per iteration: host work, kernel launches, small-kernel floors.

The GPU kernels of an iteration (:class:`~planner.perfmodel.stage.EngineModel`) are the same
whichever engine runs them; what differs between TensorRT-LLM (and NVIDIA NIM, which runs
it), vLLM and SGLang is the work around them. Written once here:

Host overhead per iteration (:func:`host_overhead_s`). Scheduling, input preparation,
sampling and detokenization run on the CPU between GPU iterations; unless the engine overlaps
them with the GPU they add to every iteration. A fixed part per engine, each *fitted*
(``calibration/constants.json``): ``iteration_overhead_s`` on the TensorRT-LLM overview rows
(``trtllm``, also NIM), ``host_overhead_vllm_s`` and ``host_overhead_sglang_s`` on the
SGLang 0.3.0 / vLLM 0.6.0 rows (source ``sglang_vllm060``). The two Python engines also spend
host time per running sequence in every iteration (appending the sampled token, stop checks,
incremental detokenization, block-table and input building): ``host_per_sequence_vllm_s`` and
``host_per_sequence_sglang_s``, fitted on the same rows (their offline rows run hundreds of
sequences per iteration, their TPOT rows a few); TensorRT-LLM's C++ runtime has no such term.
vLLM's multi-step scheduling (``--num-scheduler-steps k``) is recorded with the engine but
does not change the modelled host time: the vLLM blog ("vLLM v0.6.0: 2.7x Throughput
Improvement and 5x Latency Reduction", 2024-09-05) describes it as preparing inputs once
for ``k`` steps, but dividing the fixed host time by ``k`` made the fit (whose vLLM rows all
ran 10 steps) put 42 ms per round on vLLM (4 ms per step at ``k = 10``), which the single-step
rows of other sources contradict (a 405B batch-4 step of 35 ms in all); what the fit rows
show is a per-step cost, so both host terms are per step. The version is recorded
with the engine, and one pair of constants serves every version of an engine (no fit rows separate
them), with one exception that changes the structure rather than the constant: SGLang from
0.4 on runs its "zero-overhead" overlap scheduler by default, preparing the next batch on the
CPU while the GPU runs the current one ("SGLang v0.4: Zero-Overhead Batch Scheduler, ...",
LMSYS blog 2024-12-04), so an iteration lasts ``max(GPU time, host time)`` instead of their
sum (:attr:`Engine.overlaps_host`).

Pipeline loop of TensorRT-LLM 1.0-1.1's PyTorch backend (:func:`pipeline_host_s`; nineteenth
session, helper s19pcie). With ``pp > 1`` the executor runs ``_executor_loop_pp``
(``PyExecutor.__init__``: ``if self.dist.pp_size > 1: self.event_loop = self._executor_loop_pp``),
not the overlap loop that hides the host work at ``pp = 1`` (consistent with the near-zero
fitted ``iteration_overhead_s`` of the PP1 overview rows), with ``num_micro_batches = pp_size``. Each rank's
loop blocks: the new requests are relayed rank to rank by blocking MPI object receives
(``_broadcast_new_requests``), a rank other than the last waits for its own stage's forward
before moving on (``_forward_step_inter_pp``: ``sampler_event.synchronize()``), and the sampled
tokens are relayed last -> 0 -> 1 -> ... by blocking receives (stage 2 of the loop). Read in
a mid-2025 revision of ``tensorrt_llm/_torch/pyexecutor/py_executor.py`` (the one with
``ExecutorRequestQueue``; search-index file id 1891464528), after PR #3878 (May 2025: one PP
loop, ``pp_size`` micro-batches). So every rank does one micro-batch's whole host iteration
(scheduling, resource bookkeeping, input preparation, token updates, responses) *in series*
with its stage's GPU work, once per micro-batch: a stage lasts ``U + c + g`` per micro-batch
instead of ``max(U + c, g)`` (:func:`~planner.perfmodel.serving_features.pipeline_round`; a
small event simulation of this loop, ``bench/session_runs/s19pcie/ppsim.py``, gives
``pp (U + g)`` per round). PR #10349 ("Fully non-blocking pipeline parallelism executor
loop", merged after its last review of 2026-01-20) removes the blocking; which release first
carries it was not checked, so the window is 1.0-1.1 (:data:`TRTLLM_BLOCKING_PP_RELEASES`;
a version not given means the current release, which does not block). The host time of one
iteration is TensorRT-LLM's own measurement: PR #10273 (December 2025, GB200,
GPT-OSS-120B, ADP2, ``max_batch_size`` 1536 at concurrency 3072) reports an average
per-iteration ``host_step_time`` of 45.11 ms with the C++ scheduler, i.e. 29.4 us per running
sequence (:data:`TRTLLM_HOST_PER_SEQUENCE_S`; assumptions: the fixed part is nil, the batch
is the cap, and that run's Grace host and release stand for the x86 hosts and the 1.0 line).
One part of that host step walks every *active* request rather than the batch (thirtieth
session, s30pp): each loop iteration calls ``_schedule()``, whose ``SimpleScheduler.
schedule_request`` hands ``self.active_requests`` whole to the capacity scheduler and its
fitting requests to the micro-batch scheduler, which only then skips the ones in flight
(``inflight_request_ids``, "of all micro batches"; NVIDIA/TensorRT-LLM@034fffb0
``tensorrt_llm/_torch/pyexecutor/scheduler.py``, ``SimpleScheduler.schedule_request``). At
``pp = 1`` the active requests are the batch; in the pipeline loop they are the ``pp``
micro-batches' ``pp B``, walked once per micro-batch. PR #10273
measures that walk: "Schedule time accounts for approximately 4.4% of host_step_time when
using cpp scheduler" (:data:`TRTLLM_SCHEDULE_SHARE`), 1.29 us per active request
(:data:`TRTLLM_SCHEDULE_PER_ACTIVE_S`), so a stage's host work per micro-batch is
``29.4 B + 1.29 (pp - 1) B`` us (:func:`pipeline_host_s`). Assumptions: the whole schedule
time scales with the active requests (the micro-batch scheduler only skips an in-flight
request, so this is an upper bound of the scheduler's share); ``_handle_responses()``, which
also walks every active request each iteration (``create_response`` per request at
``stream_interval`` 1), has no public measurement and is not priced.

Eager launches (:func:`launch_overhead_s`). Without CUDA graphs (vLLM ``--enforce-eager``)
the CPU launches every kernel of every layer each iteration through PyTorch's dispatcher;
when that is slower than the GPU work the iteration waits for the CPU.
``EAGER_KERNELS_PER_LAYER`` GPU operations per Llama decoder layer at a decode step, counted
in the code of the two vLLM builds of the dstack runs (vLLM b489fc3c, 0.6.3.post2.dev308, on
H100; the ROCm fork at c9fc1608, 0.6.4.dev4, on MI300X): two RMSNorms (the residual add
fused in), four GEMMs (QKV, output, gate/up, down), the rotary embedding, the KV-cache write,
decode attention as two kernels (vllm-flash-attn's split-KV kernel and its combine kernel;
ROCm's ``paged_attention_ll4mi_QKV_kernel`` over 256-token partitions and its reduce kernel),
SiLU-and-multiply, and two all-reduces of two operations each (outside a graph vLLM's custom
all-reduce copies its input into the registered IPC buffer, ``cudaMemcpyAsync``, before the
kernel: ``all_reduce_unreg`` / ``all_reduce(registered=False)``): 15, at ``EAGER_LAUNCH_S``
each (:mod:`planner.perfmodel.host`, shared with the training model's per-expert launches:
an assumption, about 10 us of CPU per PyTorch eager op). Scaled FP8 weights (W8A8) add
``EAGER_FP8_QUANT_KERNELS`` launches per layer on NVIDIA GPUs: vLLM's ``apply_fp8_linear``
(``model_executor/layers/quantization/utils/w8a8_utils.py``, 0.6.x) quantizes each linear
layer's input with ``ops.scaled_fp8_quant`` before the GEMM, one more kernel for each of the
QKV, output, gate/up and down projections (Meta's mixed FP8, only the feed-forward
projections of the inner layers: 2). None on AMD GPUs: the ROCm fork fuses that
quantization into the kernel that produces the input (``scaled_fused_add_rms_norm``,
``scaled_silu_and_mul``, the paged-attention kernel's FP8 output,
``VLLM_USE_ROCM_CUSTOM_PAGED_ATTN_FP8_OUT`` on by default) and ``apply_fp8_linear`` skips
``scaled_fp8_quant`` for an FP8 input (ROCm/vllm c9fc1608 ``llama.py``, ``layernorm.py``,
``activation.py``, ``w8a8_utils.py``), which is also why the CDNA3 fit rows reject the
quantization floor below.

When vLLM's V0 engine runs eager although graphs are on (:func:`replays_graph`). vLLM before
0.8.0 (the V0 engine; V1 became the default with vLLM PR #13726) captures CUDA graphs for
decode-only batches only and replays one only when the batch's longest sequence fits
``max_seq_len_to_capture``: ``ModelInputForGPUBuilder._use_captured_graph`` requires
``decode_only and not enforce_eager and max_decode_seq_len <= max_seq_len_to_capture and
batch_size <= max_batchsize_to_capture`` (``vllm/worker/model_runner.py``, 0.6.x; read at
b489fc3c, the H100 build of the dstack rows), and ``EngineArgs.max_seq_len_to_capture``
defaults to 8192 (``VLLM_GRAPH_MAX_SEQ_LEN``; vLLM's ``--max-seq-len-to-capture`` help:
"When a sequence has context length larger than this, we fall back to eager mode";
dstack's H100 serving runs record 8192). An iteration with prompt tokens (a prefill, or a
chunked-prefill batch mixing them with decodes) or a decode of a longer sequence therefore
launches every kernel from the CPU, as ``--enforce-eager`` does, and pays
:func:`launch_overhead_s` when the launches outlast the GPU. The batch-size limit (the
largest captured batch, 256 with the default ``--max-num-seqs`` 256) is not modelled: a
larger decode batch needs ``--max-num-seqs`` above the default. The planner's step model
passes the longest decode context when it knows it (the simulator does; the analytic
capacity model passes the mean context, :meth:`~planner.perfmodel.stage.EngineModel.base_time`).
Later releases (V1 and its piecewise graphs) and other engines keep their graphs.

Block-FP8 MoE layers of SGLang 0.4 (:func:`moe_layer_latency_s`). SGLang 0.4.0-0.4.3 ran
DeepSeek-V3's block-scaled FP8 weights (128 x 128 blocks) through Triton kernels: the routed
experts through ``fused_moe`` with ``block_shape=[128, 128]`` (one launch for the gate/up
experts, one for the down experts, each quantizing its input per token group of 128 first),
the dense projections through ``w8a8_block_fp8_matmul`` after ``per_token_group_quant_fp8``;
the router's grouped top-k in PyTorch operators; MLA decode in Triton (FlashInfer's MLA only
behind ``--enable-flashinfer-mla``, server arguments of 0.4.3). At decode batch sizes these
kernels last far longer than the bytes they stream: SGLang's own DeepSeek-V3 figures of
0.4.1.post2 (pull request #2643, CUDA graphs on, TP8) take 33, 39 and 42 ms per token at
batch 1, 8 and 32, where the weight and cache reads (with the fixed per-layer terms below)
take 5, 8 and 16 ms: about 28 ms at every batch, a time per layer that does not grow with
the tokens. It is modelled as fixed GPU seconds per MoE layer with scaled FP8 weights,
``moe_fp8_layer_latency_sglang04_s`` (*fitted* on those three rows alone, source
``sglang_dsv3``, in a fit stage of its own), for SGLang 0.4.0-0.4.3 only: the fit source is
0.4.1.post2 and the held-out dstack run 0.4.3.post2; later releases (DeepGEMM, FlashMLA,
fused gate kernels) and the other engines are not known to share it, and get 0. The term
is an engine-and-version attribute, not a physical constant of the GPU.

Triton fused-MoE GEMMs (:func:`moe_gemm_efficiency`). The same releases compute the routed
experts of scaled-FP8 MoE layers in Triton's ``fused_moe`` kernel (vLLM 0.7.x
``Fp8MoEMethod.apply`` calls ``fused_experts(..., use_fp8_w8a8=True,
block_shape=weight_block_size)``; DeepGEMM's grouped GEMM only behind ``VLLM_USE_DEEP_GEMM``,
vLLM PR #13932, 2025-02-26; SGLang 0.4's ``fused_moe_triton`` is adapted from vLLM's), and
at prefill sizes those GEMMs are compute-bound. A Triton block-FP8 GEMM of that time runs far
below the tensor cores' FP8 rate: SGLang's benchmark of the DeepSeek-V3 shapes on an H200
(PR #3893, 2025-02-26, ``w8a8_block_fp8_matmul``, the SGLang and vLLM Triton kernels alike)
takes 463.7 us for m, n, k = 4096, 2304, 7168 and 295.0 us for 4096, 1536, 7168: 292 and
306 TFLOP/s, 0.148 and 0.155 of the 1979 TFLOP/s dense FP8 peak (DeepGEMM 716 and 759 on
the same shapes); vLLM's own Triton block-FP8 GEMM on an H100 before its tuned configs
reaches 305 TFLOP/s at m = 4096 (N = 2112, K = 7168; PR #23939). So the routed experts of
these releases reach at most ``TRITON_BLOCK_FP8_GEMM_EFFICIENCY`` = 0.151 of the FP8 peak (the
mean of the two H200 figures; the model's fitted FP8 rate at large shapes is
``gemm_efficiency_hopper`` = 0.57 for serving GEMMs, :mod:`planner.perfmodel.kernels`): a
ceiling on their FLOP rate,
``2mnk / (0.151 peak)`` (:func:`planner.perfmodel.kernels.gemm_time`), while the fitted
shape-dependent time still binds where it is slower, at decode sizes. Replacing the fitted
efficiency inside the shape factor instead also slowed the decode-size expert GEMMs (a tile of
~88 rows at 0.151), which SGLang's own DeepSeek-V3 rows reject (source ``sglang_dsv3``: its
fit stage's RMS log error went from 4.9 to 27 %). Assumptions: the fused-MoE kernel
(gather, block scales, the same ``tl.dot`` tiles) is no faster than the dense Triton kernel
measured; per-tensor FP8 experts, which run the same kernel without block scales, are given
the same figure. vLLM 0.7's dense block-FP8 layers run CUTLASS (vLLM PR #13996, 2025-02-27,
"our existing CUTLASS Block FP8"), SGLang 0.4's run the dense Triton kernel itself; the model
does not distinguish block from per-tensor scaling, so dense GEMMs keep the fitted rate.
Decode steps do not move (their expert GEMMs stream weights or under-fill their tiles);
prefill does.

Block-FP8 dense GEMMs of vLLM 0.7 (:func:`block_fp8_dense_gemms`). vLLM 0.7.x ran the dense
linear layers of DeepSeek-V3's block-scaled FP8 checkpoint (attention projections, the dense
layers' MLP, the shared experts) through ``apply_w8a8_block_fp8_linear``: on Hopper vLLM's
CUTLASS blockwise kernel ("our existing CUTLASS Block FP8", vLLM PR #13996, 2025-02-27),
Triton's ``w8a8_block_fp8_matmul`` for weights whose sides do not divide by 128 (vLLM PR
#23280). At decode sizes that kernel is bound by its tiles' walk over K, not by the bytes
(:mod:`planner.perfmodel.block_fp8`: 14-100 us per GEMM at DeepSeek-V3's shapes, flat from
batch 1 to 64, measured in SGLang's kernel benchmark); each of those GEMMs costs at least
that floor. Window: vLLM 0.7.x (the version of the held-out dstack DeepSeek-R1 rows, read at
its build's time; later releases kept the kernel until PR #23280, 2025-08, but added DeepGEMM
for these layers, whose defaults were not read, so the window is not widened), FP8 weights,
Hopper GPUs (the kernel is SM90's; other architectures run the Triton kernel, not measured
here). The planner does not read a checkpoint's storage format (``quantization_config``,
:mod:`planner.perfmodel.readers`), so which FP8 models are block-scaled is an assumption:
multi-head-latent-attention models (DeepSeek-V2/V3/R1, Kimi-K2: their FP8 releases are
128 x 128 block-scaled); other FP8 models keep the per-tensor kernels' fitted rate. Other
engines and versions get no floor (SGLang 0.4.0-0.4.3's dense layers run Triton's kernel,
whose fixed cost its fitted MoE-layer time already carries).

Memory of vLLM 0.7's multi-head latent attention (:func:`mla_absorbed_weights`,
:func:`kv_entry_elements`, :func:`fused_moe_workspace_tokens`), read in the released code
(``vllm/envs.py``, ``attention/backends/mla/utils.py``, ``worker/cache_engine.py``,
``fused_moe/fused_moe.py`` of the 0.7.1, 0.7.2, 0.7.3 and 0.8.0 wheels). (1) Materialized
decode weights: with ``VLLM_MLA_PERFORM_MATRIX_ABSORPTION`` (default ``"1"`` in 0.7.1-0.7.3)
``MLACommonImpl.process_weights_after_loading`` keeps, beside the checkpoint's projections
(still used by prefill), the absorbed ``W_Q_UK`` (``q_lora_rank x heads/tp x kv_lora_rank``)
and ``W_UV_O`` (``heads/tp x kv_lora_rank x hidden``), requantized to the weights' FP8 block
format, ``W_QR`` (``q_lora_rank x heads/tp x qk_rope_head_dim``) in the activation dtype,
and, for quantized weights, the dequantized ``kv_b_proj`` (``W_UK`` / ``W_UV`` are views of
it) in the activation dtype (:func:`planner.perfmodel.memory.mla_absorbed_weight_bytes`).
vLLM PR #14770 ("MLA get rid of materialization", merged 2025-03-13: "without it the
weight materialization eats up too much of the GPU memory") removed them; 0.8.0 has neither
the switch nor the copies. (2) KV-cache entry alignment: from 0.7.2 (PR #12676,
``VLLM_CUDA_MEM_ALIGN_KV_CACHE``, default ``"1"``) the V0 cache engine rounds an MLA
cache entry up to 256 bytes of the model dtype on CUDA, 576 -> 640 elements for
DeepSeek-V3 ("we allocate 640 elements per cache entry instead of 576 ... increases the
size of the cache by ~11% (wasted)"), and sizes its blocks with the padded entry
(``CacheEngine.get_cache_block_size``); PR #14842 (2025-03-15, before 0.8.0) removed it.
(3) The profile run's fused-MoE workspace: V0 sizes its KV cache after a forward pass of
``max_num_batched_tokens`` dummy tokens (``Worker.determine_num_available_blocks``), and
Triton ``fused_experts`` allocates three intermediate caches for up to
``VLLM_FUSED_MOE_CHUNK_SIZE`` = 32768 tokens at a time (0.7.1-0.8.0): ``M x top_k x N``,
``M top_k x N / 2`` and ``M x top_k x hidden`` in the activation dtype (``N`` = the local
gate/up width), 3.9 GiB for DeepSeek-V3 at TP8. Windows: vLLM 0.7.x as read (0.7.0 had no
MLA path); other engines and versions get none. Check, not fitted: a vLLM 0.7.3 DeepSeek-R1
TP8 log on 8 x H200 (``--gpu-memory-utilization 0.85 --max-num-batched-tokens 32000``) prints
"model weights take 83.88GiB; non_torch_memory takes 7.16GiB; PyTorch activation peak
memory takes 6.37GiB" and 18418 blocks of 16 tokens (21.43 GiB at the padded 78,080 bytes
a token); vLLM PR #14842 (V0, defaults, after PR #14770) 4739 blocks of 64 with the padding,
5266 without (``bench/session_runs/s15r1/memory_check.py`` compares the model's terms).
The non-torch memory (NCCL and CUDA buffers, 7.16 GiB there) is not modelled for any engine.

Small-kernel floor (:func:`small_kernel_floor_s`). Even inside a CUDA graph a kernel lasts
at least a few microseconds (launch, ramp and tail). The per-layer element-wise kernels
(two norms, rotary embedding, activation, KV-cache write, the split-KV combine of decode
attention) move few bytes at small batch, so their roofline time is far below that floor:
``SMALL_KERNELS_PER_LAYER`` of them at ``KERNEL_FLOOR_S`` each (an assumption: NVIDIA's
"Getting Started with CUDA Graphs" blog, 2019, measures 3.4 us per short kernel launched in a
graph, about 2.9 us of it the kernel). This is the per-layer fixed cost that makes decode at
concurrency 1 slower than its weight reads. vLLM adds one more per scaled FP8 linear layer,
with or without CUDA graphs (:func:`quant_kernels`): ``apply_fp8_linear`` quantizes the
layer's input in its own kernel (``ops.scaled_fp8_quant``, static or dynamic per-token scale)
before ``cutlass_scaled_mm`` (vLLM 0.6.x ``w8a8_utils.py``). vLLM's own GEMM benchmark puts
that kernel at 2-3 us at decode sizes, about the floor above: ``fp8-channel-w-token-a``
against ``fp8-channel-w-token-a-noquant`` at batch 1 and 16 (N=6144, K=4096), 12.4 against
9.3 us and 12.1 against 9.1 us (``bench_fp8_gemm.py``, vLLM PR #17126, 2025-04-24, on CUDA,
the GPU not named); on an H100, gemma-4-31B's N=12288, K=5376 at batch 1, 27.9 against
25.6 us (vLLM PR #49363, 2026-07-21). Those are CUDA figures and the term is NVIDIA-only: on
CDNA3 the fit rows (vLLM 0.6.6, HIP graphs, source ``rocm_vllm066``) reject it (with it the
CDNA3 fit's RMS log error goes from 8.1 to 11.6 %, Llama-3.1-70B batch 1 from +13.5 to
+21 %; they already fit a per-layer latency at 0), as the code says: the ROCm fork of
both MI300X builds (c9fc1608, and 8e87b08c2 of the fit rows) fuses that quantization into the
kernels that produce the inputs (eager launches above). The other engines get none: TensorRT-LLM takes static activation
scales and fuses their quantization into the producing kernels (an assumption, not checked
kernel by kernel), and SGLang's FP8 paths were not checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.core.errors import InputError
from planner.perfmodel import constants
from planner.perfmodel.hardware import vendor_of
from planner.perfmodel.host import EAGER_LAUNCH_S

if TYPE_CHECKING:
    from planner.perfmodel.model_spec import ModelSpec

#: Engines the model knows; ``nim`` is an alias of ``trtllm`` (NIM runs TensorRT-LLM).
ENGINES = ("trtllm", "vllm", "sglang")
ALIASES = {"nim": "trtllm", "tensorrt-llm": "trtllm", "trt-llm": "trtllm"}
#: Names whose release numbers are not the engine's: a NIM for LLMs release is a container
#: version, and the engine inside depends on the model profile (NIM 1.3.0's release notes
#: list vLLM and TensorRT-LLM profiles of one model; 2.0.9's "upgrades the inference backend
#: to vLLM 0.25.1"), so ``nim:1.0`` names no TensorRT-LLM version the registry could use.
CONTAINER_ALIASES = frozenset({"nim"})
#: Fitted host-overhead constant of each engine (``calibration/constants.json``).
HOST_CONSTANT = {
    "trtllm": "iteration_overhead_s",
    "vllm": "host_overhead_vllm_s",
    "sglang": "host_overhead_sglang_s",
}
#: Fitted host seconds per running sequence and iteration of the Python engines.
HOST_PER_SEQUENCE_CONSTANT = {
    "vllm": "host_per_sequence_vllm_s",
    "sglang": "host_per_sequence_sglang_s",
}
#: Kernels per decoder layer launched from the CPU without CUDA graphs (module notes).
EAGER_KERNELS_PER_LAYER = 15
#: Activation-quantization launches per layer of scaled FP8 weights (one per linear layer:
#: QKV, output, gate/up, down; vLLM ``apply_fp8_linear``, module notes).
EAGER_FP8_QUANT_KERNELS = 4
#: Longest sequence (tokens) whose decode batch vLLM's V0 engine replays as a captured CUDA
#: graph: ``max_seq_len_to_capture``, 8192 by default (module notes).
VLLM_GRAPH_MAX_SEQ_LEN = 8192
#: First vLLM release whose default engine is V1 (vLLM PR #13726, "enables V1 by default",
#: 2025-03-14, in 0.8.0): releases before it run the V0 model runner of :func:`replays_graph`.
VLLM_V1_DEFAULT_RELEASE = (0, 8, 0)
#: SGLang releases (first, last) whose MoE layers with block-FP8 weights ran the Triton kernels
#: of :func:`moe_layer_latency_s` (module notes).
SGLANG_TRITON_MOE_RELEASES = ((0, 4, 0), (0, 4, 3))
#: Fitted seconds per MoE layer of those releases (``calibration/constants.json``).
SGLANG_MOE_LAYER_CONSTANT = "moe_fp8_layer_latency_sglang04_s"
#: Releases (first, last) whose scaled-FP8 routed experts ran Triton ``fused_moe`` (module notes).
TRITON_FP8_MOE_RELEASES = {
    "vllm": ((0, 7, 0), (0, 7, 999)),
    "sglang": SGLANG_TRITON_MOE_RELEASES,
}
#: Fraction of the FP8 dense peak a Triton block-FP8 GEMM reached at DeepSeek-V3's prefill
#: shapes in early 2025: SGLang PR #3893 on an H200, 292 and 306 TFLOP/s of 1979 (module notes).
TRITON_BLOCK_FP8_GEMM_EFFICIENCY = (292.0 + 306.0) / 2.0 / 1979.0
#: vLLM releases (first, last) whose dense block-FP8 layers ran the tile kernel of
#: :mod:`planner.perfmodel.block_fp8` on Hopper (module notes).
VLLM_BLOCK_FP8_RELEASES = ((0, 7, 0), (0, 7, 999))
#: vLLM releases (first, last) that keep materialized absorbed MLA decode weights beside the
#: checkpoint's (``VLLM_MLA_PERFORM_MATRIX_ABSORPTION``, default on; module notes).
VLLM_MLA_ABSORBED_RELEASES = ((0, 7, 1), (0, 7, 999))
#: vLLM releases (first, last) whose CUDA KV cache pads an MLA entry to 256 bytes (module notes).
VLLM_MLA_KV_ALIGN_RELEASES = ((0, 7, 2), (0, 7, 999))
#: The padding unit of those releases (``align_to_256bytes``).
KV_ALIGN_BYTES = 256
#: vLLM releases (first, last) whose profile run allocates Triton fused MoE's intermediate
#: caches for up to :data:`VLLM_FUSED_MOE_CHUNK_TOKENS` tokens (module notes).
VLLM_FUSED_MOE_WORKSPACE_RELEASES = ((0, 7, 0), (0, 7, 999))
#: ``VLLM_FUSED_MOE_CHUNK_SIZE`` default of vLLM 0.7.1-0.8.0 (``vllm/envs.py``).
VLLM_FUSED_MOE_CHUNK_TOKENS = 32768
#: Element-wise kernels per decoder layer that run at their floor at small batch.
SMALL_KERNELS_PER_LAYER = 6
#: Shortest duration of a kernel launched in a CUDA graph (NVIDIA CUDA Graphs blog, 2019).
KERNEL_FLOOR_S = 3.4e-6
#: vLLM's default ``--gpu-memory-utilization`` (vLLM engine arguments documentation).
VLLM_GPU_MEMORY_UTILIZATION = 0.9
#: TensorRT-LLM's default ``kv_cache_free_gpu_mem_fraction`` (trtllm-bench, LLM API
#: ``KvCacheConfig``): the KV cache takes 90 % of the memory free after loading the engine.
TRTLLM_KV_FREE_FRACTION = 0.9
#: Largest ``pad=N`` cap per engine: the largest batch size in the engine's capture lists of
#: :mod:`planner.perfmodel.graph_padding` (trtllm-bench's ``batch_sizes`` end at 8192, vLLM V1's
#: default ``cudagraph_batch_sizes`` at 512, SGLang's ``capture_bs`` at 160; a test checks they
#: agree). vLLM and SGLang capture nothing above it, so a larger cap pads exactly as this one
#: does; TensorRT-LLM would add the cap itself as a graph size, a batch no fit row or published
#: setting reaches (the calibration rows' caps are 64-4096).
GRAPH_PAD_MAX = {"trtllm": 8192, "vllm": 512, "sglang": 160}
#: TensorRT-LLM releases (first, last) whose PyTorch-backend pipeline loop blocks each rank on
#: its own stage and on the token relays (module notes): 1.0 to 1.1.x, before PR #10349.
TRTLLM_BLOCKING_PP_RELEASES = ((1, 0), (1, 1, 999))
#: TensorRT-LLM PR #10273's measured per-iteration ``host_step_time`` (ms) and the running
#: sequences per rank it served (``max_batch_size`` 1536, concurrency 3072 over 2 ranks).
TRTLLM_HOST_STEP_MS = 45.11
TRTLLM_HOST_STEP_SEQUENCES = 1536
#: Host seconds per running sequence of one PyTorch-backend executor iteration: 29.4 us.
TRTLLM_HOST_PER_SEQUENCE_S = TRTLLM_HOST_STEP_MS * 1e-3 / TRTLLM_HOST_STEP_SEQUENCES
#: PR #10273 (github.com/NVIDIA/TensorRT-LLM/pull/10273): the scheduler's share of that
#: ``host_step_time`` with the C++ scheduler ("approximately 4.4%"), a walk over every active
#: request (module notes).
TRTLLM_SCHEDULE_SHARE = 0.044
#: Host seconds of the scheduler's walk per active request: 4.4 % of 29.4 us = 1.29 us.
TRTLLM_SCHEDULE_PER_ACTIVE_S = TRTLLM_SCHEDULE_SHARE * TRTLLM_HOST_PER_SEQUENCE_S


@dataclass(frozen=True)
class Engine:
    """A serving engine and the options that change its time per iteration.

    Attributes
    ----------
    name
        ``trtllm`` (also NVIDIA NIM), ``vllm`` or ``sglang``.
    version
        The version the timing stands for (recorded; see the module notes).
    cuda_graphs
        Decode iterations replay CUDA graphs (``False``: vLLM ``--enforce-eager``).
    scheduler_steps
        Decode steps per scheduling round (vLLM ``--num-scheduler-steps``).
    batched_tokens
        Most tokens per iteration (vLLM ``--max-num-batched-tokens``; without chunked prefill
        vLLM sets it to ``max(max_model_len, 2048)``): the prompt budget of an iteration and
        the activation workspace the engine profiles before sizing its KV cache; 0 = the
        model's defaults (:data:`planner.perfmodel.stage.PREFILL_WORKSPACE_TOKENS`).
    kv_transfer
        The server runs with a KV connector (vLLM ``--kv-transfer-config``): a prefill or
        decode server of a disaggregated replica (:meth:`for_role`). Not a launch option of
        its own: the role sets it, and only the windowed layers' KV it keeps depends on it
        (:func:`frees_windowed_kv`).
    tuned_gemms
        The engine's build runs its GEMMs at the GPU's published Max-Achievable FLOPs where it
        has one (option ``tuned``; :func:`~planner.perfmodel.kernels.tuned_serving_efficiency`:
        MI300X, MI325X), not at the fitted serving efficiency: a build whose GEMM library is
        the one AMD measured that figure with, or later (hipBLASLt db8e93b4; e.g. AMD's MLPerf
        Inference v5.1 llama2-70b engines on hipBLASLt aa0bda7b, whose MI325X configs also set
        a shipped tuning table; :mod:`planner.perfmodel.calibration.mlperf`). Other GPUs keep
        the fitted efficiency. Not a launch option: a property of the build.
    fp8_gemm_law
        The engine's FP8 GEMMs on Hopper GPUs follow the shape law fitted to DeepGEMM's
        published H800 table (option ``fp8-law``;
        :func:`~planner.perfmodel.kernels.fp8_law_gemm_time`) instead of the fitted serving
        roofline: slower at 64-128 rows, faster from 256 rows on. So do its scaled GEMMs on a
        GPU with a measured rate in their format (the RTX PRO 6000's FP4 / FP8), the law
        re-anchored at that rate (:func:`~planner.perfmodel.kernels.fp8_law_efficiency`).
        Other GPUs and precisions keep the roofline. Off by default; set for trtllm-bench's PyTorch-backend rows
        (:func:`planner.serve.calibration.row_role`). Not a launch option: a description of
        the build's GEMM kernels.
    graph_pad
        A decode-only batch replays the CUDA graph of the smallest captured size at or above
        it, padded with dummy rows, the captured sizes being the engine's list up to this cap
        (option ``pad=N``; :mod:`planner.perfmodel.graph_padding`: TensorRT-LLM's
        ``cuda_graph_config.enable_padding``, vLLM's and SGLang's capture lists). 0: not
        padded (the default).
    kv_fraction
        TensorRT-LLM's ``--kv_cache_free_gpu_mem_fraction`` (option ``kv=F``, ``0 < F <= 1``):
        the share of the memory left after weights and activations that its KV cache takes
        (:attr:`kv_free_fraction`). 0: the tool's default, :data:`TRTLLM_KV_FREE_FRACTION`.
        TensorRT-LLM only (vLLM's and SGLang's memory shares are of the whole GPU and follow
        their own rules).
    memory_utilization
        vLLM's ``--gpu-memory-utilization`` (option ``mem=F``, ``0 < F <= 1``): the share of the
        GPU's memory (of the total the CUDA runtime reports) that weights, activations and KV
        cache may take (:attr:`memory_fraction`). 0: vLLM's default,
        :data:`VLLM_GPU_MEMORY_UTILIZATION`. vLLM only (TensorRT-LLM's pool is ``kv=F``;
        SGLang's ``mem_fraction_static`` follows its release,
        :mod:`planner.perfmodel.engine_memory`).
    spelled
        The name as the user gave it when that was an alias (``nim``), so that messages
        name what was typed (:attr:`given_name`); not part of the engine's identity.
    """

    name: str = "trtllm"
    version: str = ""
    cuda_graphs: bool = True
    scheduler_steps: int = 1
    batched_tokens: int = 0
    kv_transfer: bool = False
    tuned_gemms: bool = False
    fp8_gemm_law: bool = False
    graph_pad: int = 0
    kv_fraction: float = 0.0
    memory_utilization: float = 0.0
    spelled: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tuned_gemms, bool):
            raise InputError(f"engine: tuned_gemms must be true or false, got {self.tuned_gemms!r}")
        if not isinstance(self.fp8_gemm_law, bool):
            raise InputError(
                f"engine: fp8_gemm_law must be true or false, got {self.fp8_gemm_law!r}"
            )
        pad = self.graph_pad
        if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
            raise InputError(f"engine: graph_pad must be a whole number >= 0, got {pad!r}")
        if self.name not in ENGINES:
            raise InputError(
                f"engine must be one of {', '.join(ENGINES)} (or nim), got {self.name!r}"
            )
        if pad > GRAPH_PAD_MAX[self.name]:  # pad=1000000000 was accepted
            raise InputError(
                f"engine option pad={pad}: {self.name} captures CUDA graphs for batches of at "
                f"most {GRAPH_PAD_MAX[self.name]} in the model (give pad=1 to "
                f"pad={GRAPH_PAD_MAX[self.name]})"
            )
        kv = self.kv_fraction
        if isinstance(kv, bool) or not isinstance(kv, (int, float)) or not 0.0 <= kv <= 1.0:
            raise InputError(
                f"engine: kv_fraction must be a number in (0, 1] (0: the default), got {kv!r}"
            )
        if kv and self.name != "trtllm":  # vLLM / SGLang size the cache from the whole GPU
            raise InputError(
                f"engine option kv={kv:g} is TensorRT-LLM's --kv_cache_free_gpu_mem_fraction; "
                f"{self.name} sizes its KV cache from its own share of the GPU"
            )
        mem = self.memory_utilization
        if isinstance(mem, bool) or not isinstance(mem, (int, float)) or not 0.0 <= mem <= 1.0:
            raise InputError(
                "engine: memory_utilization must be a number in (0, 1] (0: the default), "
                f"got {mem!r}"
            )
        if mem and self.name != "vllm":  # TensorRT-LLM's pool is kv=F, SGLang's by release
            raise InputError(
                f"engine option mem={mem:g} is vLLM's --gpu-memory-utilization; "
                f"{self.name} sizes its memory by its own rules"
            )
        steps = self.scheduler_steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InputError(f"engine scheduler steps must be a positive integer, got {steps!r}")
        tokens = self.batched_tokens
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
            raise InputError(f"engine batched tokens must be a whole number >= 0, got {tokens!r}")
        if steps > 1 and self.name != "vllm":  # only vLLM has --num-scheduler-steps
            raise InputError(
                f"engine option steps={steps} is vLLM's --num-scheduler-steps; "
                f"{self.name} has no multi-step scheduling"
            )
        if self.version[:1] in ("v", "V"):  # release tags read v0.4.1
            object.__setattr__(self, "version", self.version[1:])
        if self.version and not version_tuple(self.version):
            raise InputError(
                f"engine version must be a release number like 0.6.3, got {self.version!r}"
            )

    @property
    def given_name(self) -> str:
        """The engine's name as the user gave it (``nim`` for ``--engine nim``), for messages
        about their flag; :attr:`name` is the engine the model times."""
        return self.spelled or self.name

    @property
    def memory_fraction(self) -> float | None:
        """Share of the GPU's memory the engine may use for weights, activations and KV cache
        (vLLM's ``--gpu-memory-utilization``, default 0.9 in every release, of the total the CUDA
        runtime reports, :attr:`~planner.perfmodel.hardware.GpuSpec.runtime_bytes`; ``None``:
        the model's fixed runtime reserve, :data:`planner.perfmodel.memory.RUNTIME_RESERVED_GIB`;
        option ``mem=F`` sets vLLM's, :attr:`memory_utilization`)."""
        if self.name != "vllm":
            return None
        return self.memory_utilization or VLLM_GPU_MEMORY_UTILIZATION

    @property
    def kv_free_fraction(self) -> float:
        """Share of the memory left after weights, runtime and activations that the engine
        gives its KV cache (TensorRT-LLM's ``kv_cache_free_gpu_mem_fraction``, default 0.9 in
        trtllm-bench and the LLM API; the other engines size the cache from a share of the
        whole GPU instead, :attr:`memory_fraction`)."""
        if self.name != "trtllm":
            return 1.0
        return self.kv_fraction or TRTLLM_KV_FREE_FRACTION

    @property
    def overlaps_host(self) -> bool:
        """The engine hides its host work behind the GPU's (SGLang from 0.4 on; a version not
        given means the current release)."""
        return self.name == "sglang" and (not self.version or version_tuple(self.version) >= (0, 4))

    def for_role(self, role: str) -> Engine:
        """The engine as a server of ``role`` runs it: ``prefill`` and ``decode`` servers ship
        or receive the KV cache over a connector (:attr:`kv_transfer`), ``both`` does not."""
        transfer = role in ("prefill", "decode")
        return self if transfer == self.kv_transfer else replace(self, kv_transfer=transfer)

    def label(self) -> str:
        """``vllm 0.6.3 (eager, 15 steps)``."""
        opts = [o for o in ("" if self.cuda_graphs else "eager",) if o]
        if self.tuned_gemms:
            opts.append("tuned GEMMs")
        if self.fp8_gemm_law:
            opts.append("DeepGEMM-law FP8 GEMMs")
        if self.graph_pad:
            opts.append(f"graphs padded, up to {self.graph_pad}")
        if self.scheduler_steps > 1:
            opts.append(f"{self.scheduler_steps} steps")
        if self.batched_tokens:
            opts.append(f"{self.batched_tokens} tokens/iteration")
        if self.kv_fraction:
            opts.append(f"KV fraction {self.kv_fraction:g}")
        if self.memory_utilization:
            opts.append(f"GPU memory utilization {self.memory_utilization:g}")
        text = self.name + (f" {self.version}" if self.version else "")
        return text + (f" ({', '.join(opts)})" if opts else "")

    def to_dict(self) -> dict[str, object]:
        """JSON form (``tuned_gemms``, ``fp8_gemm_law``, ``graph_pad``, ``kv_fraction`` and
        ``memory_utilization`` only when set, so existing files read the same)."""
        out: dict[str, object] = {
            "name": self.name,
            "version": self.version,
            "cuda_graphs": self.cuda_graphs,
            "scheduler_steps": self.scheduler_steps,
            "batched_tokens": self.batched_tokens,
        }
        if self.tuned_gemms:
            out["tuned_gemms"] = True
        if self.fp8_gemm_law:
            out["fp8_gemm_law"] = True
        if self.graph_pad:
            out["graph_pad"] = self.graph_pad
        if self.kv_fraction:
            out["kv_fraction"] = self.kv_fraction
        if self.memory_utilization:
            out["memory_utilization"] = self.memory_utilization
        return out


#: The engine the model assumes when none is named (the one its base constants were fitted on).
DEFAULT_ENGINE = Engine()

#: Display names of the engines.
ENGINE_NAMES = {"trtllm": "TensorRT-LLM", "vllm": "vLLM", "sglang": "SGLang"}

#: The GPU vendors each engine runs on. TensorRT-LLM is NVIDIA's ("TensorRT LLM supports the
#: full spectrum of NVIDIA GPU architectures", its Supported Hardware page, which lists no
#: other vendor's); vLLM and SGLang also run on AMD Instinct GPUs through ROCm (vLLM's
#: "Installation with ROCm": MI300 gfx942, MI350 gfx950; SGLang's "AMD GPUs" page, MI300X).
ENGINE_VENDORS = {"trtllm": ("NVIDIA",), "vllm": ("NVIDIA", "AMD"), "sglang": ("NVIDIA", "AMD")}

#: The engine a vendor's GPUs are timed with when none is named (:func:`default_engine`):
#: TensorRT-LLM on NVIDIA (:data:`DEFAULT_ENGINE`, the engine of the base constants' fit
#: rows); vLLM on AMD, where TensorRT-LLM does not run (:data:`ENGINE_VENDORS`) and every
#: published AMD serving measurement the model is fitted or checked on ran vLLM's ROCm build:
#: AMD's own MI300X latency tables (source ``rocm_vllm066``, the CDNA3 fit rows, vLLM 0.6.6),
#: AMD's MLPerf Inference v4.1 and v5.1 submissions on MI300X / MI325X (vLLM 0.4.3 and 0.9.0
#: ROCm builds) and dstack's MI300X runs (vLLM 0.6.4 ROCm). No version is named: the current
#: release, as for the NVIDIA default. So an AMD replica is timed with the fitted vLLM host
#: terms (fixed and per sequence, :func:`host_overhead_s`), CUDA (HIP) graphs replayed in every
#: iteration (:func:`replays_graph`: the V0 engine's eager prefill is a pre-0.8 fact), the
#: hybrid KV manager (:func:`frees_windowed_kv`), none of the 0.7.x windows, no separate FP8
#: quantization kernels on AMD (:func:`quant_kernels`), and vLLM's memory rule
#: (:attr:`Engine.memory_fraction`, ``--gpu-memory-utilization`` 0.9).
VENDOR_ENGINES = {"NVIDIA": DEFAULT_ENGINE, "AMD": Engine("vllm")}


def default_engine(architecture: str) -> Engine:
    """The engine a GPU of ``architecture`` is timed with when none is named:
    :data:`VENDOR_ENGINES` of its vendor (:func:`~planner.perfmodel.hardware.vendor_of`)."""
    return VENDOR_ENGINES[vendor_of(architecture)]


def engine_refusal(engine_name: str, gpu: Any) -> str:
    """Why engine ``engine_name`` cannot run on ``gpu`` (a
    :class:`~planner.perfmodel.hardware.GpuSpec`), '' when it may: the GPU's vendor is not
    one of :data:`ENGINE_VENDORS` (TensorRT-LLM on an AMD GPU)."""
    vendors = ENGINE_VENDORS[engine_name]
    if vendor_of(gpu.architecture) in vendors:
        return ""
    return (
        f"{gpu.name} is not an {' or '.join(vendors)} GPU ({ENGINE_NAMES[engine_name]} runs on "
        f"{' and '.join(vendors)} GPUs only)"
    )


def blocking_pipeline(engine: Engine) -> bool:
    """Whether ``engine``'s pipeline-parallel loop serializes each stage's host work with its
    GPU work: TensorRT-LLM at a named release in :data:`TRTLLM_BLOCKING_PP_RELEASES` (module
    notes); not without a version (the current release)."""
    return _release_in(engine, "trtllm", TRTLLM_BLOCKING_PP_RELEASES)


def decodes_in_budget(engine: Engine) -> bool:
    """Whether ``engine``'s token budget per iteration (``tokens=N``, the plan's chunk) counts
    the running sequences' decode tokens, leaving ``N`` minus them for prompt tokens.

    Read in each engine's scheduler (docs/serve.md, twenty-sixth session, s26budget):

    * TensorRT-LLM (``max_num_tokens``, in-flight batching): ``MicroBatchScheduler``
      adds each generation request's ``beam width + draft tokens`` to ``batchNumTokens``
      and chunks the context requests into ``ctxTokensCapacity = maxNumTokensRuntime -
      batchNumTokens`` (``cpp/tensorrt_llm/batch_manager/microBatchScheduler.cpp``
      @0a949d31): counted.
    * vLLM V1 (``max_num_batched_tokens``; the default from :data:`VLLM_V1_DEFAULT_RELEASE`
      on, and a version not given, the current release): ``Scheduler.schedule`` starts
      ``token_budget = self.max_num_scheduled_tokens``, schedules the running requests
      first, each taking its new tokens (one, plus its draft tokens) from the budget, then
      the waiting ones from what is left (``vllm/v1/core/sched/scheduler.py`` @00024d31):
      counted. Multi-step scheduling (``steps=K``, ``K > 1``) is V0's: V1's oracle
      (``EngineArgs._is_v1_supported_oracle``, ``vllm/engine/arg_utils.py``) falls back to
      V0 for ``--num-scheduler-steps`` ("_raise_or_fallback(feature_name=
      "--num-scheduler-steps" ...)"), so such an engine is V0 below.
    * vLLM V0 (before 0.8.0) without chunked prefill, as the rows and the planner's
      disaggregated exports run it: ``_schedule_default`` schedules prompts first and
      decodes only in iterations without one ("Don't schedule decodes if prefills are
      scheduled"), so a prompt iteration's budget holds prompt tokens only
      (``vllm/core/scheduler.py`` @0054e1fa): not counted. V0 with chunked prefill
      (``_schedule_chunked_prefill``: "Decoding should be always scheduled first", from
      the same budget) would count them; the engine spec has no switch for it.
    * SGLang (``chunked_prefill_size``): ``PrefillAdder`` takes ``mixed_with_decode_tokens``
      off its chunk only under ``--enable-mixed-chunk`` (default off: ``running_bs if
      self.is_mixed_chunk else 0``; ``python/sglang/srt/managers/schedule_policy.py``
      @ad0119fd): not counted.

    Parameters
    ----------
    engine
        The serving engine.

    Returns
    -------
    bool
        ``True`` for TensorRT-LLM and vLLM V1 (from 0.8.0 or no version, one scheduler
        step).
    """
    if engine.name == "trtllm":
        return True
    if engine.name != "vllm":
        return False
    if engine.scheduler_steps > 1:  # V0's multi-step scheduling
        return False
    version = release_tuple(engine.version)
    return not version or version >= VLLM_V1_DEFAULT_RELEASE


def prompt_budget(engine: Engine, budget: float, decode_tokens: float) -> float:
    """Prompt tokens an iteration of ``engine`` may carry beside ``decode_tokens`` decode
    tokens (the running sequences' verified positions) under a ``budget`` of tokens per
    iteration: ``budget - decode_tokens`` when the budget counts them
    (:func:`decodes_in_budget`), else ``budget``; 0 when the decodes fill the budget (the
    iteration admits no prompt token).

    Parameters
    ----------
    engine
        The serving engine.
    budget
        Tokens per iteration (``tokens=N``, the plan's chunk).
    decode_tokens
        Decode tokens of the iteration.

    Returns
    -------
    float
        The iteration's prompt tokens at most.
    """
    if not decodes_in_budget(engine):
        return float(budget)
    return max(float(budget) - float(decode_tokens), 0.0)


def pipeline_host_s(engine: Engine, sequences: float | np.ndarray, pp: int) -> float | np.ndarray:
    """Host seconds each stage of a ``pp``-stage replica spends, in series with its GPU work,
    on one micro-batch iteration of ``sequences`` running sequences when the engine's pipeline
    loop blocks (:func:`blocking_pipeline`), else 0 (the engine overlaps it, or ``pp = 1``).

    The executor iteration's host time, :data:`TRTLLM_HOST_PER_SEQUENCE_S` per sequence of the
    micro-batch, plus the scheduler's walk over the other ``pp - 1`` micro-batches' active
    requests (:data:`TRTLLM_SCHEDULE_PER_ACTIVE_S` each; module notes).
    """
    if pp <= 1 or not blocking_pipeline(engine):
        return 0.0
    b = np.asarray(sequences, dtype=float)
    return TRTLLM_HOST_PER_SEQUENCE_S * b + TRTLLM_SCHEDULE_PER_ACTIVE_S * (pp - 1) * b


def version_tuple(version: str) -> tuple[int, ...]:
    """``(0, 6, 3)`` from ``0.6.3.post2``; ``()`` when no leading number (an unknown version)."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
        if m.group() != piece:
            break
    return tuple(parts)


def release_tuple(version: str) -> tuple[int, ...]:
    """The release a version names, as three numbers for comparing with release windows:
    ``(0, 7, 0)`` from ``0.7`` (a series names its first release; ``(0, 7)`` would sort below
    ``(0, 7, 0)`` and fall outside a window that starts there), ``(0, 6, 3)`` from
    ``0.6.3.post2``; ``()`` when no leading number (an unknown version)."""
    parts = version_tuple(version)[:3]
    return (*parts, *(0,) * (3 - len(parts))) if parts else ()


def parse_engine(spec: str | Engine | Mapping[str, Any] | None) -> Engine:
    """An :class:`Engine` from
    ``NAME[:VERSION][,eager][,steps=K][,tokens=N][,tuned][,fp8-law][,pad=N][,kv=F][,mem=F]``
    (e.g. ``vllm:0.6.3,eager,tokens=91680``; ``tuned``: :attr:`Engine.tuned_gemms`;
    ``fp8-law``: :attr:`Engine.fp8_gemm_law`; ``pad=N``: :attr:`Engine.graph_pad`; ``kv=F``:
    :attr:`Engine.kv_fraction`; ``mem=F``: :attr:`Engine.memory_utilization`)
    or from its JSON form (:meth:`Engine.to_dict`).

    ``None`` or ``""`` is :data:`DEFAULT_ENGINE` (TensorRT-LLM, the NVIDIA default; a serving
    problem without an engine times each pool with its vendor's, :func:`default_engine`, and
    :class:`~planner.perfmodel.stage.EngineModel` without one the same). Bad input raises
    :class:`~planner.core.errors.InputError` naming the engine.
    """
    if spec is None or spec == "":
        return DEFAULT_ENGINE
    if isinstance(spec, Engine):
        return spec
    if isinstance(spec, Mapping):
        unknown = sorted(
            set(spec)
            - {
                "name",
                "version",
                "cuda_graphs",
                "scheduler_steps",
                "batched_tokens",
                "tuned_gemms",
                "fp8_gemm_law",
                "graph_pad",
                "kv_fraction",
                "memory_utilization",
            }
        )
        if unknown:
            raise InputError(f"engine: unknown field {unknown[0]!r}")
        graphs = spec.get("cuda_graphs", True)
        if not isinstance(graphs, bool):
            raise InputError(f"engine: cuda_graphs must be true or false, got {graphs!r}")
        name = str(spec.get("name", "trtllm")).lower()
        _check_alias_version(name, str(spec.get("version", "")), "engine")
        return Engine(
            ALIASES.get(name, name),
            str(spec.get("version", "")),
            graphs,
            spec.get("scheduler_steps", 1),
            spec.get("batched_tokens", 0),
            tuned_gemms=spec.get("tuned_gemms", False),
            fp8_gemm_law=spec.get("fp8_gemm_law", False),
            graph_pad=spec.get("graph_pad", 0),
            kv_fraction=spec.get("kv_fraction", 0.0),
            memory_utilization=spec.get("memory_utilization", 0.0),
            spelled=name if name in ALIASES else "",
        )
    if not isinstance(spec, str):
        raise InputError(f"engine must be a string like 'vllm:0.6.3,eager', got {spec!r}")
    head, *opts = [p.strip() for p in spec.split(",")]
    name, colon, version = head.partition(":")
    if colon and not version.strip():  # 'vllm:' was read as vLLM without a version
        raise InputError(f"engine {spec!r}: no version after ':' (give NAME or NAME:VERSION)")
    _check_alias_version(name.strip().lower(), version.strip(), f"engine {spec!r}")
    typed = name.strip().lower()
    name = ALIASES.get(typed, typed)
    graphs, steps, tokens, tuned, law, pad, kv, mem = True, 1, 0, False, False, 0, 0.0, 0.0
    seen: set[str] = set()
    for opt in opts:
        m = re.fullmatch(r"steps=(\d+)", opt)
        t = re.fullmatch(r"tokens=(\d+)", opt)
        p = re.fullmatch(r"pad=(.*)", opt)
        f = re.fullmatch(r"kv=(.*)", opt)
        u = re.fullmatch(r"mem=(.*)", opt)
        key = "graphs" if opt in ("eager", "graphs", "cuda-graphs") else opt.partition("=")[0]
        if key in seen:  # a second value would silently win
            raise InputError(f"engine option {key!r} given twice in {spec!r}")
        seen.add(key)
        if opt == "eager":
            graphs = False
        elif opt in ("graphs", "cuda-graphs"):
            graphs = True
        elif m:
            steps = int(m.group(1))
        elif t:
            tokens = int(t.group(1))
        elif opt == "tuned":
            tuned = True
        elif opt == "fp8-law":
            law = True
        elif p:
            pad = _pad_cap(p.group(1), spec)
        elif f:
            kv = _fraction(f.group(1), spec, "kv", "the KV fraction")
        elif u:
            mem = _fraction(u.group(1), spec, "mem", "the GPU memory utilization")
        else:
            raise InputError(
                "engine option must be 'eager', 'graphs', 'steps=K', 'tokens=N', 'tuned', "
                f"'fp8-law', 'pad=N', 'kv=F' or 'mem=F', got {opt!r} in {spec!r}"
            )
    return Engine(
        name,
        version.strip(),
        graphs,
        steps,
        tokens,
        tuned_gemms=tuned,
        fp8_gemm_law=law,
        graph_pad=pad,
        kv_fraction=kv,
        memory_utilization=mem,
        spelled=typed if typed in ALIASES else "",
    )


def _fraction(text: str, spec: str, key: str, what: str) -> float:
    """The ``kv=F`` or ``mem=F`` option's fraction, ``0 < F <= 1`` (``InputError`` naming the
    option)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value <= 1.0:  # NaN fails too
        raise InputError(
            f"engine option {key}={text}: {what} must be a number in (0, 1], in {spec!r}"
        )
    return value


def _release_text(version: tuple[int, ...]) -> str:
    """``0.23.0``; ``1.1.x`` for a window's open end (``(1, 1, 999)``)."""
    return ".".join("x" if v == 999 else str(v) for v in version)


def version_note(engine: Engine) -> str:
    """A sentence when ``engine.version`` is later than the newest release the model's version
    rules name (:data:`NEWEST_NAMED_RELEASES`): it is timed as the engine's current release,
    as with no version; '' otherwise (no version, or one the rules place)."""
    if not engine.version:
        return ""
    newest = NEWEST_NAMED_RELEASES[engine.name]
    if release_tuple(engine.version) <= newest:
        return ""
    return (
        f"engine {engine.given_name} {engine.version} is later than {engine.name} "
        f"{_release_text(newest)}, the newest release the model's version rules name: it is "
        f"timed as the current release (as --engine {engine.given_name} without a version)"
    )


def _pad_cap(text: str, spec: str) -> int:
    """The ``N`` of option ``pad=N``: a whole number >= 1 (``pad=0``, which pads nothing,
    ``pad=-1`` and ``pad=1e9`` were accepted or refused as an unknown option; the largest
    cap is checked by :class:`Engine`)."""
    if not re.fullmatch(r"\d+", text) or int(text) < 1:
        raise InputError(
            f"engine option pad={text}: N must be a whole number >= 1, the largest captured "
            f"batch (leave pad out for no padding), in {spec!r}"
        )
    return int(text)


def _check_alias_version(name: str, version: str, where: str) -> None:
    """:class:`InputError` when ``version`` is given with a container alias (``nim:1.0``):
    its number is the container's release, not the engine's (:data:`CONTAINER_ALIASES`)."""
    if name in CONTAINER_ALIASES and version:
        raise InputError(
            f"{where}: {name} {version} is a NIM container release, not a TensorRT-LLM version "
            "(a NIM runs TensorRT-LLM, vLLM or SGLang depending on its profile); name the "
            "engine and version the NIM profile runs (e.g. trtllm:1.0, vllm:0.10.1), "
            f"or {name} without a version"
        )


def host_overhead_s(engine: Engine, sequences: float | np.ndarray = 0.0) -> float | np.ndarray:
    """Host seconds added to an iteration that runs ``sequences`` sequences.

    A fixed part (fitted per engine) and, for the Python engines, a part per running sequence
    (fitted): appending each sequence's new token, stop checks, detokenization. Neither is
    divided by vLLM's scheduler steps (module notes).
    """
    fixed = constants.FITTED[HOST_CONSTANT[engine.name]]
    per_seq = HOST_PER_SEQUENCE_CONSTANT.get(engine.name)
    if per_seq is None:
        return fixed
    return fixed + constants.FITTED[per_seq] * np.asarray(sequences, dtype=float)


#: Of ``EAGER_KERNELS_PER_LAYER``, the two tensor-parallel all-reduces (copy + kernel each),
#: which a replica without tensor parallelism does not launch.
EAGER_ALL_REDUCE_KERNELS = 4


def launch_overhead_s(
    engine: Engine,
    layers: int,
    quant_kernels: float = 0.0,
    tp: int = 1,
    *,
    graph: bool | None = None,
) -> float:
    """CPU seconds to launch one iteration's kernels without CUDA graphs (0 with graphs).

    ``quant_kernels``: activation-quantization launches per layer of the weight format
    (:func:`eager_quant_kernels`); ``tp``: tensor-parallel size (no all-reduces at 1);
    ``graph``: whether this iteration replays a graph (:func:`replays_graph`; default: the
    engine's setting).
    """
    if engine.cuda_graphs if graph is None else graph:
        return 0.0
    kernels = EAGER_KERNELS_PER_LAYER - (EAGER_ALL_REDUCE_KERNELS if tp == 1 else 0)
    return layers * (kernels + quant_kernels) * EAGER_LAUNCH_S


def replays_graph(
    engine: Engine, longest: float | np.ndarray, prefill_tokens: float | np.ndarray = 0.0
) -> bool | np.ndarray:
    """Whether an iteration runs as a captured CUDA graph (no per-kernel launches from the CPU).

    ``longest``: tokens of the longest decode sequence of the batch (its context);
    ``prefill_tokens``: prompt tokens computed in the iteration (elementwise over arrays).
    ``False`` throughout for an engine without graphs (``--enforce-eager``). vLLM before
    :data:`VLLM_V1_DEFAULT_RELEASE` (the V0 engine) captures decode-only batches and falls back
    to eager mode for an iteration with prompt tokens or whose longest sequence exceeds
    :data:`VLLM_GRAPH_MAX_SEQ_LEN` (module notes); other engines, later vLLM releases and vLLM
    without a version (the current release) replay graphs whenever they have them.
    """
    if not engine.cuda_graphs:
        return False
    version = release_tuple(engine.version)
    if engine.name != "vllm" or not version or version >= VLLM_V1_DEFAULT_RELEASE:
        return True
    longest = np.asarray(longest, dtype=float)
    # fewer than one prompt token: a decode-only batch (the analytic model's token counts are
    # real numbers)
    decode_only = np.asarray(prefill_tokens, dtype=float) < 1.0
    return (longest <= VLLM_GRAPH_MAX_SEQ_LEN) & decode_only


def eager_quant_kernels(
    precision: str, ffn_only: bool = False, layers: int = 1, architecture: str = ""
) -> float:
    """Activation-quantization launches per layer, on average over ``layers`` layers, for
    weights in ``precision``: one per linear layer for scaled FP8 / FP4 (W8A8), the two
    feed-forward ones of the inner ``layers - 2`` layers for Meta's mixed FP8, none for 16-bit
    or weight-only formats, and none on an AMD ``architecture`` (the ROCm fork fuses them into
    the producing kernels; module notes)."""
    if precision not in ("fp8", "fp4") or vendor_of(architecture) == "AMD":
        return 0.0
    if not ffn_only:
        return float(EAGER_FP8_QUANT_KERNELS)
    return EAGER_FP8_QUANT_KERNELS / 2 * max(0, layers - 2) / max(1, layers)


def moe_layer_latency_s(engine: Engine, precision: str) -> float:
    """Fixed GPU seconds one MoE layer adds to an iteration beyond its rooflines: SGLang
    0.4.0-0.4.3 with scaled FP8 weights (fitted, module notes); 0 for other engines, versions
    (a version not given means the current release) and precisions."""
    if engine.name != "sglang" or precision not in ("fp8", "fp4") or not engine.version:
        return 0.0
    first, last = SGLANG_TRITON_MOE_RELEASES
    if not first <= release_tuple(engine.version) <= last:
        return 0.0
    return constants.FITTED[SGLANG_MOE_LAYER_CONSTANT]


def moe_gemm_efficiency(engine: Engine, precision: str) -> float | None:
    """Large-GEMM fraction of the FP8 peak that the routed experts reach: the Triton
    block-FP8 figure for vLLM 0.7.x and SGLang 0.4.0-0.4.3 with scaled FP8 weights (module
    notes); ``None`` (the fitted GEMM efficiency) for other engines, versions (a version not
    given means the current release) and precisions."""
    releases = TRITON_FP8_MOE_RELEASES.get(engine.name)
    if releases is None or precision != "fp8" or not engine.version:
        return None
    first, last = releases
    if not first <= release_tuple(engine.version) <= last:
        return None
    return TRITON_BLOCK_FP8_GEMM_EFFICIENCY


def block_fp8_dense_gemms(
    engine: Engine, precision: str, block_scaled: bool, architecture: str
) -> bool:
    """Whether ``engine`` runs the dense FP8 GEMMs of a block-scaled checkpoint
    (``block_scaled``) through the tile kernel whose floor
    :func:`~planner.perfmodel.block_fp8.block_fp8_gemm_floor_s` gives: vLLM 0.7.x with FP8
    weights on Hopper (module notes); not when no version is given (the current release)."""
    if engine.name != "vllm" or precision != "fp8" or not block_scaled or not engine.version:
        return False
    if architecture != "Hopper":
        return False
    first, last = VLLM_BLOCK_FP8_RELEASES
    return first <= release_tuple(engine.version) <= last


def _release_in(
    engine: Engine, name: str, releases: tuple[tuple[int, ...], tuple[int, ...]]
) -> bool:
    """``engine`` is ``name`` at a named version inside ``releases`` (first, last); a version
    not given means the current release, outside every window."""
    if engine.name != name or not engine.version:
        return False
    first, last = releases
    return first <= release_tuple(engine.version) <= last


def _vllm_in(engine: Engine, releases: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
    """``engine`` is vLLM at a named version inside ``releases`` (first, last)."""
    return _release_in(engine, "vllm", releases)


def mla_absorbed_weights(engine: Engine, model: ModelSpec) -> bool:
    """Whether ``engine`` keeps materialized absorbed decode weights of ``model``'s
    multi-head latent attention beside the checkpoint's (vLLM 0.7.1-0.7.x; module notes)."""
    return model.is_mla and _vllm_in(engine, VLLM_MLA_ABSORBED_RELEASES)


def kv_entry_elements(engine: Engine, model: ModelSpec, architecture: str) -> float:
    """Elements one MLA KV-cache entry (a token of a layer) occupies in ``engine``'s cache:
    ``kv_lora_rank + qk_rope_head_dim``, padded to 256 bytes of the 16-bit model dtype by
    vLLM 0.7.2-0.7.x on NVIDIA GPUs (module notes); 0 for models without MLA."""
    if not model.is_mla:
        return 0.0
    entry = model.kv_lora_rank + model.qk_rope_head_dim
    if vendor_of(architecture) != "NVIDIA" or not _vllm_in(engine, VLLM_MLA_KV_ALIGN_RELEASES):
        return float(entry)
    unit = KV_ALIGN_BYTES // 2  # the rounding uses the model dtype (bf16), not the cache's
    return float(-(-entry // unit) * unit)


def fused_moe_workspace_tokens(engine: Engine, tokens: int) -> int:
    """Tokens of one fused-MoE chunk whose intermediate caches ``engine``'s profile run of
    ``tokens`` tokens allocates (vLLM 0.7.x; module notes); 0 for other engines."""
    if not _vllm_in(engine, VLLM_FUSED_MOE_WORKSPACE_RELEASES):
        return 0
    return min(tokens, VLLM_FUSED_MOE_CHUNK_TOKENS)


def quant_kernels(
    engine: Engine,
    gemm_format: str,
    ffn_only: bool = False,
    layers: int = 1,
    architecture: str = "",
) -> float:
    """Activation-quantization kernels per layer (on average over ``layers``) that ``engine``
    runs as kernels of their own at the small-kernel floor, CUDA graphs or not: vLLM's on
    NVIDIA GPUs, one per scaled FP8 / FP4 linear layer (:func:`eager_quant_kernels` of the
    weights' GEMM format); none on AMD GPUs (CDNA3, CDNA4) or for the other engines (module
    notes)."""
    if engine.name != "vllm" or vendor_of(architecture) != "NVIDIA":
        return 0.0
    return eager_quant_kernels(gemm_format, ffn_only, layers)


#: First vLLM release whose KV-cache manager frees a sliding-window layer's blocks that left
#: the window when the model also has full-attention layers: the hybrid memory allocator
#: (PR #17996, merged 2025-06-06; ``_get_kv_cache_config_uniform_page_size`` in
#: ``vllm/v1/core/kv_cache_utils.py`` at tag v0.9.2, one block table per layer group). Before
#: it, ``unify_hybrid_kv_cache_specs`` (tag v0.8.5) turned every ``SlidingWindowSpec`` into a
#: ``FullAttentionSpec`` when both kinds were present; a model whose layers are all windowed
#: kept V1's ``SlidingWindowManager``, which drops the blocks before the window
#: (``remove_skipped_blocks``, ``vllm/v1/core/specialized_manager.py`` at v0.8.5).
VLLM_HYBRID_KV_RELEASE = (0, 9, 2)

#: vLLM releases whose hybrid manager is on for chunked attention (Llama 4) by default, as
#: ``[first, last)`` ranges (``None``: open): ``ChunkedLocalAttentionManager`` first appears in
#: ``vllm/v1/core/single_type_kv_cache_manager.py`` at tag v0.10.0 and frees the blocks left of
#: the current chunk (``get_num_skipped_tokens``: ``num_computed_tokens // chunk * chunk``,
#: tag v0.14.0), with ``VllmConfig.__post_init__`` (``vllm/config.py`` at v0.10.0) leaving the
#: manager on unless EAGLE drafts. From v0.10.1 (``vllm/config/__init__.py``) it is switched
#: off ("There is a latency regression when using chunked local attention with the hybrid KV
#: cache manager") unless ``VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE`` is set,
#: ``False`` by default in ``vllm/envs.py`` through v0.13.0 and ``True`` from v0.14.0 on;
#: ``unify_hybrid_kv_cache_specs`` then makes every chunked layer a full one.
VLLM_CHUNKED_KV_RELEASES = (((0, 10, 0), (0, 10, 1)), ((0, 14, 0), None))

#: First vLLM release that keeps the hybrid manager with a KV connector that supports it
#: (``KVConnectorFactory.supports_hma_config`` in ``VllmConfig``, ``vllm/config/vllm.py`` at tag
#: v0.23.0; ``NixlConnector`` subclasses ``SupportsHMA``, ``kv_connector/v1/nixl/connector.py``).
#: From v0.9.2 to v0.22.0 any ``--kv-transfer-config`` switches it off (``vllm/config.py`` at
#: v0.9.2: "Hybrid KV cache manager is not compatible with KV transfer"; ``vllm/config/vllm.py``
#: at v0.12.0-v0.22.0: "Turning off hybrid kv cache manager because `--kv-transfer-config` is
#: set", v0.20.0-v0.22.0 unless ``--no-disable-hybrid-kv-cache-manager`` is passed, which the
#: export does not write), so a P/D server keeps every layer's context on a model mixing
#: windowed and full layers.
VLLM_CONNECTOR_HYBRID_KV_RELEASE = (0, 23, 0)

#: Newest release of each engine that a version rule of this module (or of the serving export,
#: :data:`planner.serve.targets.VERSIONS`) names: vLLM 0.23.0
#: (:data:`VLLM_CONNECTOR_HYBRID_KV_RELEASE`), TensorRT-LLM 1.1.x (the end of
#: :data:`TRTLLM_BLOCKING_PP_RELEASES`), SGLang 0.4.6 (the export's version, whose KV pools
#: :func:`frees_windowed_kv` reads). A later version (``vllm:9.9``, which no one released) falls
#: outside every window and is timed as the current release, as if no version were given:
#: :func:`version_note` says so rather than refusing it, since the model has no table of the
#: releases that exist.
NEWEST_NAMED_RELEASES = {
    "vllm": VLLM_CONNECTOR_HYBRID_KV_RELEASE,
    "trtllm": TRTLLM_BLOCKING_PP_RELEASES[1],
    "sglang": (0, 4, 6),
}


def _in_releases(version: tuple[int, ...], ranges) -> bool:
    return any(lo <= version and (hi is None or version < hi) for lo, hi in ranges)


def frees_windowed_kv(engine: Engine, model: ModelSpec) -> bool:
    """Whether ``engine`` keeps only the window's KV cache on ``model``'s windowed layers
    (otherwise every layer holds the whole context).

    * vLLM, sliding windows: from :data:`VLLM_HYBRID_KV_RELEASE` on (and when no version is
      named: the current release); before it only when every layer is windowed. A P/D
      server (:attr:`Engine.kv_transfer`) before :data:`VLLM_CONNECTOR_HYBRID_KV_RELEASE`
      runs without the hybrid manager, so likewise only when every layer is windowed (from
      it on the planner assumes NixlConnector, which supports the hybrid manager).
    * vLLM, chunked attention (Llama 4): in :data:`VLLM_CHUNKED_KV_RELEASES` (and the
      current release) when the hybrid manager runs (not on a P/D server before
      :data:`VLLM_CONNECTOR_HYBRID_KV_RELEASE`); EAGLE drafting turns it off, not modelled.
    * TensorRT-LLM: sliding windows, with ``kv_cache_config.max_attention_window`` listing
      the layers' windows (variable sliding-window attention, whose list "will be repeated"
      over the layers; the planner's export writes it, :mod:`planner.serve.export`); not
      chunked attention.
    * SGLang: no (0.4.6, the version the export states, sizes one pool of full-context
      tokens for every layer; later releases add a separate sliding-window pool for a list
      of architectures, sized by ``--swa-full-tokens-ratio``, not modelled).
    """
    if not model.sliding_window:
        return False
    if engine.name == "trtllm":
        return not model.attention_chunked
    if engine.name != "vllm":
        return False
    version = release_tuple(engine.version)
    hybrid = not version or version >= VLLM_HYBRID_KV_RELEASE
    if engine.kv_transfer and version and version < VLLM_CONNECTOR_HYBRID_KV_RELEASE:
        hybrid = False
    if model.attention_chunked:
        return hybrid and (not version or _in_releases(version, VLLM_CHUNKED_KV_RELEASES))
    return hybrid or not model.full_attention_layers


def small_kernel_floor_s(layers: int, quant: float = 0.0) -> float:
    """Least seconds one stage's ``layers`` layers spend in their element-wise kernels, with
    ``quant`` activation-quantization kernels per layer (:func:`quant_kernels`)."""
    return layers * (SMALL_KERNELS_PER_LAYER + quant) * KERNEL_FLOOR_S


__all__ = [
    "DEFAULT_ENGINE",
    "EAGER_ALL_REDUCE_KERNELS",
    "EAGER_FP8_QUANT_KERNELS",
    "EAGER_KERNELS_PER_LAYER",
    "EAGER_LAUNCH_S",
    "ENGINES",
    "ENGINE_NAMES",
    "ENGINE_VENDORS",
    "GRAPH_PAD_MAX",
    "KERNEL_FLOOR_S",
    "KV_ALIGN_BYTES",
    "NEWEST_NAMED_RELEASES",
    "SGLANG_MOE_LAYER_CONSTANT",
    "SGLANG_TRITON_MOE_RELEASES",
    "SMALL_KERNELS_PER_LAYER",
    "TRITON_BLOCK_FP8_GEMM_EFFICIENCY",
    "TRITON_FP8_MOE_RELEASES",
    "TRTLLM_BLOCKING_PP_RELEASES",
    "TRTLLM_HOST_PER_SEQUENCE_S",
    "TRTLLM_HOST_STEP_MS",
    "TRTLLM_HOST_STEP_SEQUENCES",
    "TRTLLM_KV_FREE_FRACTION",
    "TRTLLM_SCHEDULE_PER_ACTIVE_S",
    "TRTLLM_SCHEDULE_SHARE",
    "VENDOR_ENGINES",
    "VLLM_BLOCK_FP8_RELEASES",
    "VLLM_CHUNKED_KV_RELEASES",
    "VLLM_CONNECTOR_HYBRID_KV_RELEASE",
    "VLLM_FUSED_MOE_CHUNK_TOKENS",
    "VLLM_FUSED_MOE_WORKSPACE_RELEASES",
    "VLLM_GPU_MEMORY_UTILIZATION",
    "VLLM_GRAPH_MAX_SEQ_LEN",
    "VLLM_HYBRID_KV_RELEASE",
    "VLLM_MLA_ABSORBED_RELEASES",
    "VLLM_MLA_KV_ALIGN_RELEASES",
    "VLLM_V1_DEFAULT_RELEASE",
    "Engine",
    "block_fp8_dense_gemms",
    "blocking_pipeline",
    "decodes_in_budget",
    "default_engine",
    "eager_quant_kernels",
    "engine_refusal",
    "frees_windowed_kv",
    "fused_moe_workspace_tokens",
    "host_overhead_s",
    "kv_entry_elements",
    "launch_overhead_s",
    "mla_absorbed_weights",
    "moe_gemm_efficiency",
    "moe_layer_latency_s",
    "parse_engine",
    "pipeline_host_s",
    "prompt_budget",
    "quant_kernels",
    "release_tuple",
    "replays_graph",
    "small_kernel_floor_s",
    "version_note",
    "version_tuple",
]


#: Engines whose fp8 KV cache is a storage format, quantized when written and converted back
#: inside the attention kernel, so it runs on GPUs without FP8 tensor cores: vLLM (fp8 KV
#: cache from vllm-project/vllm#2279: "not limited on Hopper. Volta/Ampere are both ok and
#: have been tested") and SGLang (0.4.6 ``--kv-cache-dtype``: "fp8_e5m2 and fp8_e4m3 is
#: supported for CUDA 11.8+"; quantized at store, dequantized at read, sgl-project/sglang#10083).
#: TensorRT-LLM 1.0's PyTorch backend runs FP8, its KV cache included, on FP8 GPUs only
#: (docs 1.0.0 features/quantization: "supports FP4 and FP8 quantization on the latest
#: Blackwell and Hopper GPUs").
FP8_KV_STORAGE_ENGINES = frozenset({"vllm", "sglang"})


def stores_kv(engine_name: str, gpu: Any, precision: str) -> bool:
    """Whether engine ``engine_name`` keeps a KV cache in ``precision`` on ``gpu`` (a
    :class:`~planner.perfmodel.hardware.GpuSpec`): a precision the GPU computes in, or an fp8
    cache in an engine that stores it without FP8 arithmetic (:data:`FP8_KV_STORAGE_ENGINES`).
    The model prices only the bytes of the cache either way."""
    if gpu.supports(precision):
        return True
    return precision == "fp8" and engine_name in FP8_KV_STORAGE_ENGINES
