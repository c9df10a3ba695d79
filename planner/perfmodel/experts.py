"""MoE expert offloading terms: one expert's call on a GPU or a CPU, and host-to-device copies.

Written once for every family that keeps experts in host memory (expert
offloading, serving a MoE model on GPUs too small to hold it). The model is
linear in tokens with a fixed per-call cost:

* an expert call with ``n > 0`` tokens takes ``per_call + n * per_token``
  (no call, no time, without tokens) -- :func:`expert_time`;
* on a GPU the call is the three GEMMs of a SwiGLU expert timed by
  :func:`planner.perfmodel.kernels.gemm_time`: ``per_call`` is the launch
  overhead plus the three GEMMs at one token (weight streaming), ``per_token``
  the slope of the three GEMMs between 1 and :data:`LINEAR_TOKENS` tokens, so
  the line meets the kernel model at both ends -- :func:`gpu_expert_coefficients`;
* on a CPU there is no kernel model in perfmodel: the call is a roofline at the
  CPU's peak rates, one read of the weights at the memory bandwidth per call
  and the FLOPs at the peak per token -- :func:`cpu_expert_coefficients`;
* copying ``k`` experts to the GPU takes ``k * (latency + bytes / bandwidth)``
  over the host link -- :func:`copy_time`.

CPU and link numbers are public specifications (cited next to each); the two
per-call overheads and the copy latency are stated assumptions (no public
measurement of them for this setting was found): callers can override them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.perfmodel.hardware import GpuSpec
from planner.perfmodel.kernels import gemm_time

#: Weight matrices of one SwiGLU expert (gate, up, down projections).
SWIGLU_MATRICES = 3
#: Tokens at which the GPU line meets the GEMM model a second time (the first is one token).
LINEAR_TOKENS = 1024
#: Per expert call on the GPU: an expert is 4-5 kernels (three GEMMs, activation, multiply)
#: launched from eager PyTorch at a few microseconds each. Assumption, not a measurement.
GPU_CALL_OVERHEAD_S = 20e-6
#: Per expert call on the CPU: PyTorch dispatch of the same operators. Assumption.
CPU_CALL_OVERHEAD_S = 50e-6
#: Per expert copy: one ``cudaMemcpyAsync`` (driver call + DMA setup). Assumption.
COPY_LATENCY_S = 10e-6


@dataclass(frozen=True)
class CpuSpec:
    """Peak rates of a host CPU socket that can run experts.

    Attributes
    ----------
    name
        Display name.
    flops
        Peak FP32 FLOP/s of the socket.
    memory_bytes_per_s
        DRAM bandwidth of the socket.
    source
        Where the numbers come from.
    """

    name: str
    flops: float
    memory_bytes_per_s: float
    source: str


@dataclass(frozen=True)
class HostLink:
    """A host-to-device copy path.

    Attributes
    ----------
    name
        Display name.
    bytes_per_s
        Bandwidth host to device (one direction).
    source
        Where the number comes from.
    """

    name: str
    bytes_per_s: float
    source: str


#: Intel Xeon Platinum 8380 (Intel ARK): 40 cores at 2.30 GHz base, two AVX-512 FMA units
#: (2 units x 16 FP32 lanes x 2 FLOP x 40 cores x 2.3 GHz = 5.89 TFLOP/s), 8 channels of
#: DDR4-3200 = 204.8 GB/s. Peak rates: PyTorch CPU experts run below them.
XEON_8380 = CpuSpec(
    "Xeon-Platinum-8380",
    flops=2 * 16 * 2 * 40 * 2.3e9,
    memory_bytes_per_s=204.8e9,
    source="Intel ARK Xeon Platinum 8380: 40 cores, 2.3 GHz, 2 AVX-512 FMA units, 204.8 GB/s",
)
#: CPUs by name.
CPUS: dict[str, CpuSpec] = {"xeon-8380": XEON_8380}

#: PCIe Gen4 x16: NVIDIA's A100 datasheet lists 64 GB/s both directions, 32 GB/s one way.
PCIE4_X16 = HostLink("PCIe4-x16", 32e9, "NVIDIA A100 datasheet: PCIe Gen4 64 GB/s bidirectional")
#: PCIe Gen5 x16: NVIDIA's H100 datasheet lists 128 GB/s both directions, 64 GB/s one way.
PCIE5_X16 = HostLink("PCIe5-x16", 64e9, "NVIDIA H100 datasheet: PCIe Gen5 128 GB/s bidirectional")
#: NVLink-C2C (Grace Hopper): NVIDIA's GH200 datasheet lists 900 GB/s both directions.
NVLINK_C2C = HostLink(
    "NVLink-C2C", 450e9, "NVIDIA GH200 datasheet: NVLink-C2C 900 GB/s bidirectional"
)
#: Host links by name.
LINKS: dict[str, HostLink] = {"pcie4": PCIE4_X16, "pcie5": PCIE5_X16, "nvlink-c2c": NVLINK_C2C}


def expert_bytes(hidden: int, intermediate: int, dtype_bytes: float = 2) -> int:
    """Bytes of one SwiGLU expert's weights (``3 * hidden * intermediate`` parameters).

    >>> expert_bytes(2048, 512)  # LLaDA2.0-mini, BF16
    6291456
    """
    return int(SWIGLU_MATRICES * hidden * intermediate * dtype_bytes)


def expert_flops_per_token(hidden: int, intermediate: int) -> float:
    """FLOPs of one token through one SwiGLU expert (a multiply-add is 2 FLOPs)."""
    return 2.0 * SWIGLU_MATRICES * hidden * intermediate


def _gpu_expert_gemms(gpu: GpuSpec, tokens: int, hidden: int, intermediate: int, precision: str):
    up = gemm_time(gpu, tokens, intermediate, hidden, precision)  # gate and up projections
    down = gemm_time(gpu, tokens, hidden, intermediate, precision)
    return 2 * up + down


def gpu_expert_coefficients(
    gpu: GpuSpec,
    hidden: int,
    intermediate: int,
    precision: str = "bf16",
    call_overhead_s: float = GPU_CALL_OVERHEAD_S,
) -> tuple[float, float]:
    """``(per_token_s, per_call_s)`` of one expert on ``gpu`` (see the module docstring)."""
    one = _gpu_expert_gemms(gpu, 1, hidden, intermediate, precision)
    many = _gpu_expert_gemms(gpu, LINEAR_TOKENS, hidden, intermediate, precision)
    return (many - one) / (LINEAR_TOKENS - 1), call_overhead_s + one


def cpu_expert_coefficients(
    cpu: CpuSpec,
    hidden: int,
    intermediate: int,
    dtype_bytes: float = 2,
    call_overhead_s: float = CPU_CALL_OVERHEAD_S,
) -> tuple[float, float]:
    """``(per_token_s, per_call_s)`` of one expert on ``cpu``: roofline at peak rates."""
    per_token = expert_flops_per_token(hidden, intermediate) / cpu.flops
    weights = expert_bytes(hidden, intermediate, dtype_bytes) / cpu.memory_bytes_per_s
    return per_token, call_overhead_s + weights


def expert_time(tokens, per_token_s: float, per_call_s: float) -> np.ndarray:
    """Seconds of expert calls with ``tokens`` tokens each (element-wise; 0 without tokens)."""
    t = np.asarray(tokens, dtype=np.float64)
    return np.where(t > 0, per_call_s + per_token_s * t, 0.0)


def expert_calls_time(calls, tokens, per_token_s: float, per_call_s: float) -> np.ndarray:
    """Seconds of ``calls`` expert calls carrying ``tokens`` tokens in all (element-wise):
    the sum of :func:`expert_time` over those calls, from their totals."""
    calls = np.asarray(calls, dtype=np.float64)
    return calls * per_call_s + np.asarray(tokens, dtype=np.float64) * per_token_s


def copy_seconds_per_expert(nbytes: float, bytes_per_s: float, latency_s: float) -> float:
    """Seconds to copy one expert of ``nbytes`` to the GPU."""
    return latency_s + nbytes / float(bytes_per_s)


def hidden_copy_time(copy_s, behind_s, overlap: bool) -> np.ndarray:
    """Seconds of expert copies ``copy_s`` hidden behind compute (element-wise).

    With ``overlap`` a layer's copies run while the compute ``behind_s`` before it runs
    (prefetch on the copy engine; no slowdown of that compute assumed), so
    ``min(copy, behind)`` of them is hidden and the rest adds; without, nothing is hidden.
    The offload family's evaluator and policies and the serving step's offload term
    (:mod:`planner.perfmodel.offload_serving`) all price copies with this.
    """
    copy = np.asarray(copy_s, dtype=np.float64)
    if not overlap:
        return np.zeros_like(copy)
    return np.minimum(copy, np.asarray(behind_s, dtype=np.float64))


def copy_time(n_experts, nbytes: float, bytes_per_s: float, latency_s: float) -> np.ndarray:
    """Seconds to copy ``n_experts`` experts of ``nbytes`` each to the GPU (element-wise)."""
    return np.asarray(n_experts, dtype=np.float64) * copy_seconds_per_expert(
        nbytes, bytes_per_s, latency_s
    )
