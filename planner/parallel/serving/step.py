"""Iteration times and memory of one serving replica (roofline, per GPU).

A replica is ``tp x pp x ep`` GPUs of one type running one copy of the model
(:class:`ReplicaConfig`). Its ``pp * ep`` *engines* are independent request
streams: a pipeline of ``pp`` stages keeps ``pp`` micro-batches in flight
(vLLM's virtual engines), and ``ep > 1`` runs attention data-parallel over
``ep`` groups of ``tp`` GPUs while the routed experts are sharded over all
``tp * ep`` GPUs (DeepSeek / SGLang "DP attention + EP"). An engine's
iteration processes ``b`` decode sequences (one token each) plus ``c``
prefill tokens of chunked prompts; its latency is the sum over pipeline
stages.

Per layer and GPU, each kernel is a roofline ``max(FLOPs / (peak * eff),
bytes / (HBM bandwidth * eff))``:

* linear layers: GEMMs ``[N, k] x [k, n]`` with the weights streamed from HBM
  every iteration (this is what makes decode memory-bound), the compute
  efficiency of C's training cost model (:func:`planner.parallel.costs.gemm_efficiency`,
  shape factor ``x / (x + GEMM_HALF_DIM)`` per dimension); MoE layers touch
  only the experts hit by the batch (``E (1 - (1 - k/E)^N)`` of ``E``);
* decode attention: reads the KV cache of every sequence (``b * context``
  tokens); MLA uses the absorbed form (latent cache, ``kv_lora + rope`` per
  token);
* prefill attention: FlashAttention FLOPs of the causal prompt, at
  ``FLASH_ATTENTION_EFFICIENCY`` of the bf16 peak;
* element-wise kernels (norms, residuals, rotary, activation) through HBM at
  C's ``HBM_EFFICIENCY``;
* two tensor-parallel all-reduces per layer of ``N h`` bf16 values, modelled
  as the one-shot / two-shot custom all-reduce of vLLM and TensorRT-LLM:
  ``ALLREDUCE_LATENCY_S`` plus the ring bandwidth term over NVLink (NIC when
  ``tp`` spans nodes); with ``ep > 1`` two all-to-alls (dispatch, combine)
  per MoE layer (:func:`planner.parallel.comm.all_to_all`);
* the LM head for the sequences that emit a token; one point-to-point send
  per pipeline boundary; ``ITERATION_OVERHEAD_S`` per iteration (scheduler,
  sampling, launch gaps between CUDA graphs).

Memory per GPU: weights at the weight precision
(:func:`planner.parallel.memory.weight_bytes_per_gpu`), C's runtime reserve,
an activation workspace for one prefill chunk, and the KV cache in what is
left (:func:`planner.parallel.memory.kv_cache_bytes_per_token`).

Named constants (serving-specific; the fitted ones are marked *fitted*, see
``bench/parallel_serving.py`` and the README):

``WEIGHT_STREAM_EFFICIENCY`` = 0.75
    *fitted*: fraction of datasheet HBM bandwidth reached when streaming
    weights and KV cache in decode GEMMs / attention. Grid fit (0.65-0.90 x
    0.5-4 ms) together with ``ITERATION_OVERHEAD_S`` on the 40 Llama-3.1-8B /
    70B rows of TensorRT-LLM's trtllm-bench offline throughput table (the 20
    Llama-3.1-405B rows held out); the error valley is flat (0.70-0.80 with
    0.5-4 ms all within 1 % of the best), the value sits in the middle and
    inside public GEMV / paged-attention measurements (0.7-0.9).
``FLASH_ATTENTION_EFFICIENCY`` = 0.6
    Fraction of the bf16 dense peak reached by FlashAttention-2/3 forward on
    long prompts (FA2 on A100: about 0.6-0.7; FA3 on H100: 0.6-0.75). Estimate.
``ALLREDUCE_LATENCY_S`` = 10 us
    Latency of one small-message all-reduce inside an NVLink node (custom
    one-shot all-reduce: about 5-15 us on A100/H100). Estimate.
``ITERATION_OVERHEAD_S`` = 3 ms
    *fitted* (with the above): fixed time per engine iteration outside the
    GPU kernels (scheduling, sampling, launch gaps, host synchronization).
``PREFILL_WORKSPACE_TOKENS`` = 8192
    Tokens of one prefill chunk whose activations are reserved (a choice).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from planner.parallel import comm
from planner.parallel.costs import GEMM_HALF_DIM, HBM_EFFICIENCY, gemm_efficiency
from planner.parallel.hardware import GpuSpec
from planner.parallel.memory import (
    GIB,
    RUNTIME_RESERVED_GIB,
    kv_cache_bytes_per_token,
    weight_bytes_per_gpu,
)
from planner.parallel.model_spec import ModelSpec
from planner.parallel.precision import Precision, get_precision

WEIGHT_STREAM_EFFICIENCY = 0.75
FLASH_ATTENTION_EFFICIENCY = 0.60
ALLREDUCE_LATENCY_S = 10e-6
ITERATION_OVERHEAD_S = 3.0e-3
PREFILL_WORKSPACE_TOKENS = 8192
ACT_BYTES = 2.0  # activations between kernels and in collectives stay 16-bit


@dataclass(frozen=True)
class ReplicaConfig:
    """One replica layout: GPU type and parallel sizes.

    Attributes
    ----------
    gpu
        The GPU type.
    tp, pp, ep
        Tensor, pipeline and expert parallel sizes; the replica uses
        ``tp * pp * ep`` GPUs.
    """

    gpu: GpuSpec
    tp: int = 1
    pp: int = 1
    ep: int = 1

    @property
    def gpus(self) -> int:
        """GPUs of one replica."""
        return self.tp * self.pp * self.ep

    @property
    def engines(self) -> int:
        """Independent request streams: ``pp`` in-flight micro-batches x ``ep`` attention groups."""
        return self.pp * self.ep

    @property
    def price_per_hour(self) -> float:
        """USD per hour of one replica."""
        return self.gpus * self.gpu.price_per_gpu_hour

    def label(self) -> str:
        """``H100-SXM tp8`` / ``H100-SXM tp4 pp2 ep2``."""
        parts = [self.gpu.name, f"tp{self.tp}"]
        if self.pp > 1:
            parts.append(f"pp{self.pp}")
        if self.ep > 1:
            parts.append(f"ep{self.ep}")
        return " ".join(parts)


def _shape(x: np.ndarray | float) -> np.ndarray | float:
    return x / (x + GEMM_HALF_DIM)


class EngineModel:
    """Iteration-time and memory model of one engine of a replica.

    Parameters
    ----------
    model
        The architecture.
    config
        The replica layout.
    precision
        Weight / GEMM precision (``bf16``, ``fp8``, ``fp4``).
    kv_precision
        KV-cache precision (defaults to ``precision``).

    Notes
    -----
    Times are seconds of one engine iteration (summed over pipeline stages);
    token counts are per attention rank (one of the ``ep`` groups).
    """

    def __init__(
        self,
        model: ModelSpec,
        config: ReplicaConfig,
        precision: str | Precision = "bf16",
        kv_precision: str | Precision | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.precision = get_precision(precision)
        self.kv_precision = get_precision(kv_precision or self.precision)
        gpu = config.gpu
        self.peak = gpu.peak_flops(self.precision)
        self.attn_peak = gpu.peak_flops("bf16")
        self.gemm_eff = gemm_efficiency(gpu)
        self.stream_bw = gpu.hbm_bw * WEIGHT_STREAM_EFFICIENCY
        self.elem_bw = gpu.hbm_bw * HBM_EFFICIENCY
        self._layout()

    # ------------------------------------------------------------------ layout
    def _layout(self) -> None:
        m, c = self.model, self.config
        tp, ep = c.tp, c.ep
        h = m.hidden
        self.heads_r = m.heads / tp
        mats = 3 if m.gated_mlp else 2
        self.mats = mats
        # Linear layers of one attention block: list of (n, k) per rank.
        if m.is_mla:
            qk = m.qk_nope_head_dim + m.qk_rope_head_dim
            attn = []
            if m.q_lora_rank:
                attn.append((m.q_lora_rank, h))
            attn.append((m.heads * qk / tp, m.q_lora_rank or h))
            attn.append((m.kv_lora_rank + m.qk_rope_head_dim, h))
            attn.append((m.heads * (m.qk_nope_head_dim + m.v_head_dim) / tp, m.kv_lora_rank))
            attn.append((h, m.attn_out_dim / tp))
            # absorbed decode attention over the latent cache; prefill uses full heads
            self.dec_dims = m.kv_lora_rank + m.qk_rope_head_dim + m.kv_lora_rank
            self.pre_dims = qk + m.v_head_dim
            self.kv_elems_layer = m.kv_lora_rank + m.qk_rope_head_dim
        else:
            kv_r = max(1.0, m.kv_heads / tp) * m.head_dim
            attn = [(m.q_dim / tp + 2 * kv_r, h), (h, m.attn_out_dim / tp)]
            self.dec_dims = self.pre_dims = 2 * m.head_dim
            self.kv_elems_layer = 2 * kv_r
        self.attn_gemms = attn
        self.qkv_width = sum(n for n, _ in attn[:-1])
        self.dense_gemms = [((mats - 1) * m.ffn / tp, h), (h, m.ffn / tp)]
        self.dense_layers = m.layers - m.moe_layers
        self.moe_layers = m.moe_layers
        if m.is_moe:
            self.local_experts = max(1.0, m.num_experts / ep)
            self.expert_gemms = [((mats - 1) * m.moe_ffn / tp, h), (h, m.moe_ffn / tp)]
            self.shared_gemms = (
                [((mats - 1) * m.shared_ffn / tp, h), (h, m.shared_ffn / tp)]
                if m.shared_ffn
                else []
            )
        self.head_gemm = (m.vocab / tp, h)
        fab = comm.Fabric(c.gpu.nvlink_bw, c.gpu.nic_bw)
        self.fabric = fab
        G = c.gpu.gpus_per_node
        self.tp_per_node = max(1, min(tp, G))
        self.ep_per_node = max(1, min(ep, G // self.tp_per_node)) if tp <= G else 1
        self.same_node = c.gpus <= G
        L = m.layers
        self.imbalance = math.ceil(L / c.pp) * c.pp / L

    # ------------------------------------------------------------- kernels
    def _gemm(self, N: np.ndarray, n: float, k: float, batch: np.ndarray | float = 1.0):
        """Roofline time of ``batch`` GEMMs ``[N, k] x [k, n]`` (weights streamed)."""
        if n <= 0 or k <= 0:
            return np.zeros_like(N)
        eb = self.precision.bytes
        eff = self.gemm_eff * _shape(np.maximum(N, 1e-9)) * _shape(n) * _shape(k)
        compute = 2.0 * N * n * k * batch / (self.peak * eff)
        traffic = batch * ((N * k + k * n) * eb + N * n * ACT_BYTES)
        return np.maximum(compute, traffic / self.stream_bw)

    def _allreduce(self, nbytes: np.ndarray) -> np.ndarray:
        tp = self.config.tp
        if tp <= 1:
            return np.zeros_like(nbytes)
        k = self.tp_per_node
        while tp % k:
            k -= 1
        m = tp // k
        t = np.full_like(nbytes, ALLREDUCE_LATENCY_S)
        if k > 1:
            t = t + 2 * (k - 1) / k * nbytes / self.fabric.intra
        if m > 1:
            t = t + 2 * (m - 1) / m * (nbytes / k) / self.fabric.inter + comm.NIC_LATENCY_S
        return t

    def _layer_times(self, N: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dense layer, MoE layer) times for ``N`` tokens per rank, without attention cores."""
        m, c = self.model, self.config
        h = m.hidden
        attn = sum(self._gemm(N, n, k) for n, k in self.attn_gemms)
        ar = 2 * self._allreduce(N * h * ACT_BYTES)
        elem_base = N * ACT_BYTES * (10 * h + 2 * self.qkv_width)
        dense = np.zeros_like(N)
        moe = np.zeros_like(N)
        if self.dense_layers:
            mlp = sum(self._gemm(N, n, k) for n, k in self.dense_gemms)
            act = N * ACT_BYTES * self.mats * m.ffn / c.tp
            dense = attn + mlp + ar + (elem_base + act) / self.elem_bw
        if self.moe_layers:
            E, top = m.num_experts, m.experts_per_token
            total = N * c.ep  # tokens over all attention groups share the experts
            hit = 1.0 - np.power(1.0 - top / E, np.maximum(total, 0.0))
            active = np.maximum(self.local_experts * hit, 1e-9)
            per_expert = total * top / E / np.maximum(hit, 1e-12)
            experts = sum(self._gemm(per_expert, n, k, batch=active) for n, k in self.expert_gemms)
            router = self._gemm(N, E, h)
            shared = sum(self._gemm(N, n, k) for n, k in self.shared_gemms)
            routed = N * top
            act = (routed * m.moe_ffn + N * m.shared_ffn) * ACT_BYTES * self.mats / c.tp
            permute = 4 * routed * h * ACT_BYTES / c.tp
            a2a = np.zeros_like(N)
            if c.ep > 1:
                size = routed * h * ACT_BYTES / c.tp
                a2a = 2 * np.vectorize(
                    lambda s: comm.all_to_all(s, c.ep, self.ep_per_node, self.fabric)
                )(size)
            moe = attn + experts + router + shared + ar + a2a
            moe = moe + (elem_base + act + permute) / self.elem_bw
        return dense, moe

    # --------------------------------------------------------------- public
    def base_time(self, tokens: np.ndarray | float, b: float, ctx: float) -> np.ndarray:
        """Engine iteration seconds for ``tokens`` tokens per rank, ``b`` of them decode.

        Covers everything except the attention of prefill tokens (see
        :meth:`prefill_attention_time`, which is additive).

        Parameters
        ----------
        tokens
            Tokens processed per attention rank (decode ``b`` + prefill chunk), array or scalar.
        b
            Decode sequences per rank (one token each).
        ctx
            Mean KV context of the decode sequences.
        """
        N = np.maximum(np.asarray(tokens, dtype=float), 1e-9)
        m, c = self.model, self.config
        dense, moe = self._layer_times(N)
        # decode attention: stream the KV cache of every sequence
        kv_bytes = b * ctx * self.kv_elems_layer * self.kv_precision.bytes
        flops = 2.0 * b * ctx * self.heads_r * self.dec_dims
        dec_attn = max(
            kv_bytes / self.stream_bw, flops / (self.attn_peak * FLASH_ATTENTION_EFFICIENCY)
        )
        body = self.dense_layers * dense + self.moe_layers * moe + m.layers * dec_attn
        # LM head for the sequences emitting a token (decode + about one finishing prompt)
        logits = b + np.minimum(1.0, np.maximum(N - b, 0.0))
        head = self._gemm(np.maximum(logits, 1e-9), *self.head_gemm)
        if c.tp > 1:  # gather of the vocab-parallel logits (small, latency-bound)
            head = head + ALLREDUCE_LATENCY_S
        p2p = 0.0
        if c.pp > 1:
            send = np.vectorize(
                lambda x: comm.p2p(x, self.fabric, same_node=self.same_node), otypes=[float]
            )(N * m.hidden * ACT_BYTES)
            p2p = (c.pp - 1) * send
        return (body + head) * self.imbalance + p2p + ITERATION_OVERHEAD_S

    def prefill_attention_time(self, work: np.ndarray | float) -> np.ndarray:
        """Seconds of prefill attention for ``work`` = sum over prefill tokens of keys attended.

        A whole prompt of ``p`` tokens has ``work = p (p + 1) / 2`` (causal),
        however it is chunked; time is additive over chunks.
        """
        flops = 2.0 * np.asarray(work, dtype=float) * self.heads_r * self.pre_dims
        per_layer = flops / (self.attn_peak * FLASH_ATTENTION_EFFICIENCY)
        return self.model.layers * per_layer * self.imbalance

    def kv_transfer_time(self, tokens: np.ndarray | float) -> np.ndarray:
        """Seconds to ship the KV cache of ``tokens`` prompt tokens to a decode replica.

        The replica's ``tp * pp`` GPUs each send their share over their own
        NIC (prefill and decode pools on different nodes).
        """
        m = self.model
        total = np.asarray(tokens, dtype=float) * m.kv_cache_bytes_per_token(
            self.kv_precision.bytes
        )
        per_gpu = total / (self.config.tp * self.config.pp)
        return per_gpu / self.fabric.inter + comm.NIC_LATENCY_S

    # --------------------------------------------------------------- memory
    @functools.cached_property
    def weight_bytes(self) -> float:
        """Weights per GPU, bytes."""
        c = self.config
        return weight_bytes_per_gpu(
            self.model, tp=c.tp, pp=c.pp, ep=c.ep, weight_bytes=self.precision.bytes
        )

    @functools.cached_property
    def kv_bytes_per_token(self) -> float:
        """KV-cache bytes per token on one GPU."""
        c = self.config
        return kv_cache_bytes_per_token(
            self.model, tp=c.tp, pp=c.pp, kv_bytes=self.kv_precision.bytes
        )

    @functools.cached_property
    def workspace_bytes(self) -> float:
        """Activation workspace of one prefill chunk plus decode logits, per GPU."""
        m, c = self.model, self.config
        width = 4 * m.hidden + self.qkv_width + self.mats * max(m.ffn, m.moe_ffn) / c.tp
        return PREFILL_WORKSPACE_TOKENS * width * ACT_BYTES + 1024 * m.vocab / c.tp * 4.0

    @functools.cached_property
    def free_bytes(self) -> float:
        """Memory per GPU left for the KV cache (negative when the weights do not fit)."""
        reserved = RUNTIME_RESERVED_GIB * GIB
        return self.config.gpu.memory_bytes - self.weight_bytes - reserved - self.workspace_bytes

    @functools.cached_property
    def kv_tokens(self) -> float:
        """KV-cache tokens one engine may hold (the GPU's cache shared by its ``pp`` engines)."""
        if self.free_bytes <= 0:
            return 0.0
        return self.free_bytes / self.kv_bytes_per_token / self.config.pp

    def memory_breakdown(self) -> dict[str, float]:
        """Per-GPU GiB: weights, reserved, workspace, kv_cache (the rest of HBM)."""
        return {
            "weights": self.weight_bytes / GIB,
            "reserved": RUNTIME_RESERVED_GIB,
            "workspace": self.workspace_bytes / GIB,
            "kv_cache": max(0.0, self.free_bytes) / GIB,
            "total": self.config.gpu.memory_gib,
        }
