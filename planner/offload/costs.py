"""Expert cost terms: compute time of a routed expert on the GPU or the CPU, and copy time.

These are the only performance formulas of the offload family, kept in one
module so that they can move into ``planner.perfmodel`` unchanged once it
exists on main (the serving planner needs the same terms).

The model is linear in tokens with a fixed per-call cost:

* one expert call on a device: ``call + tokens * per_token`` when the expert
  received at least one token, else 0 (no call);
* per-token time is the expert's FLOPs at the device's peak rate;
* per-call time is the device's launch / dispatch overhead plus one read of
  the expert's weights at the device's memory bandwidth (small batches are
  memory-bound);
* copying ``n`` experts host-to-device: ``n * (latency + bytes / bandwidth)``.

Device constants are public specifications (cited next to each); the two
per-call overheads and the copy latency are stated assumptions (no public
measurement of them for this exact setting was found), and every number can
be overridden per instance (``planner gen offload --gpu-call-us ...``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Weight matrices of one SwiGLU expert (gate, up, down projections).
SWIGLU_MATRICES = 3


@dataclass(frozen=True)
class Device:
    """Peak rates of a device that can run an expert.

    Attributes
    ----------
    name
        Display name.
    flops
        Peak dense FLOP/s in the expert's compute precision.
    memory_bytes_per_s
        Memory bandwidth (HBM for a GPU, DRAM for a CPU socket).
    call_overhead_s
        Fixed cost of one expert call (kernel launches / framework dispatch).
    source
        Where the numbers come from.
    """

    name: str
    flops: float
    memory_bytes_per_s: float
    call_overhead_s: float
    source: str


@dataclass(frozen=True)
class Link:
    """A host-to-device copy path.

    Attributes
    ----------
    name
        Display name.
    bytes_per_s
        Bandwidth in one direction (host to device).
    latency_s
        Fixed cost per expert copy (one ``cudaMemcpyAsync`` per expert).
    source
        Where the numbers come from.
    """

    name: str
    bytes_per_s: float
    latency_s: float
    source: str


#: Per expert call on the GPU: an expert is 4-5 kernels (3 GEMMs, activation, multiply) in eager
#: PyTorch at a few microseconds of launch each. Assumption, not a measurement.
GPU_CALL_OVERHEAD_S = 20e-6
#: Per expert call on the CPU (PyTorch operator dispatch of the same 4-5 operators). Assumption.
CPU_CALL_OVERHEAD_S = 50e-6
#: Per expert copy (driver call + DMA setup). Assumption.
COPY_LATENCY_S = 10e-6

#: NVIDIA A100 80GB SXM datasheet: 312 TFLOPS dense BF16, 2,039 GB/s HBM2e
#: (also models/hardware/a100-80gb.toml).
A100 = Device(
    "A100-80GB",
    flops=312e12,
    memory_bytes_per_s=2039e9,
    call_overhead_s=GPU_CALL_OVERHEAD_S,
    source="NVIDIA A100 datasheet: 312 TFLOPS BF16 dense, 2039 GB/s",
)
#: NVIDIA H100 SXM datasheet: 989 TFLOPS dense BF16 (1,979 with sparsity), 3.35 TB/s HBM3.
H100 = Device(
    "H100-SXM",
    flops=989e12,
    memory_bytes_per_s=3350e9,
    call_overhead_s=GPU_CALL_OVERHEAD_S,
    source="NVIDIA H100 datasheet: 989 TFLOPS BF16 dense, 3.35 TB/s",
)
#: Intel Xeon Platinum 8380 (Intel ARK): 40 cores at 2.30 GHz base, two AVX-512 FMA units
#: (2 units x 16 FP32 lanes x 2 FLOP x 40 cores x 2.3 GHz = 5.89 TFLOP/s FP32), 8 channels
#: DDR4-3200 = 204.8 GB/s per socket. Peak rates: real PyTorch CPU experts run below them.
XEON_8380 = Device(
    "Xeon-Platinum-8380",
    flops=2 * 16 * 2 * 40 * 2.3e9,
    memory_bytes_per_s=204.8e9,
    call_overhead_s=CPU_CALL_OVERHEAD_S,
    source="Intel ARK Xeon Platinum 8380: 40 cores, 2.3 GHz, 2 AVX-512 FMA, 204.8 GB/s",
)

#: PCIe Gen4 x16: NVIDIA's A100 datasheet lists 64 GB/s (both directions), 32 GB/s one way.
PCIE4_X16 = Link(
    "PCIe4-x16",
    bytes_per_s=32e9,
    latency_s=COPY_LATENCY_S,
    source="NVIDIA A100 datasheet: PCIe Gen4 64 GB/s bidirectional",
)
#: PCIe Gen5 x16: NVIDIA's H100 datasheet lists 128 GB/s (both directions), 64 GB/s one way.
PCIE5_X16 = Link(
    "PCIe5-x16",
    bytes_per_s=64e9,
    latency_s=COPY_LATENCY_S,
    source="NVIDIA H100 datasheet: PCIe Gen5 128 GB/s bidirectional",
)
#: NVLink-C2C (Grace Hopper): 900 GB/s bidirectional per NVIDIA's GH200 datasheet, 450 one way.
NVLINK_C2C = Link(
    "NVLink-C2C",
    bytes_per_s=450e9,
    latency_s=COPY_LATENCY_S,
    source="NVIDIA GH200 datasheet: NVLink-C2C 900 GB/s bidirectional",
)


def expert_bytes(hidden: int, intermediate: int, dtype_bytes: int = 2) -> int:
    """Bytes of one SwiGLU expert's weights (``3 * hidden * intermediate`` parameters).

    >>> expert_bytes(2048, 512)  # LLaDA2.0-mini, BF16
    6291456
    """
    return SWIGLU_MATRICES * hidden * intermediate * dtype_bytes


def expert_flops_per_token(hidden: int, intermediate: int) -> float:
    """FLOPs of one token through one SwiGLU expert (a multiply-add is 2 FLOPs)."""
    return 2.0 * SWIGLU_MATRICES * hidden * intermediate


def expert_coefficients(
    device: Device, hidden: int, intermediate: int, dtype_bytes: int = 2
) -> tuple[float, float]:
    """``(per_token_s, per_call_s)`` of one expert on ``device`` (roofline at peak rates).

    Per token: FLOPs at peak. Per call: the device's call overhead plus one
    read of the weights at its memory bandwidth.
    """
    per_token = expert_flops_per_token(hidden, intermediate) / device.flops
    per_call = device.call_overhead_s + expert_bytes(hidden, intermediate, dtype_bytes) / float(
        device.memory_bytes_per_s
    )
    return per_token, per_call


def expert_time(tokens: np.ndarray | int, per_token_s: float, per_call_s: float) -> np.ndarray:
    """Time of expert calls with ``tokens`` tokens each: ``call + tokens * per_token``, 0 if unused.

    Works element-wise on arrays of token counts.
    """
    t = np.asarray(tokens, dtype=np.float64)
    return np.where(t > 0, per_call_s + per_token_s * t, 0.0)


def copy_time(n_experts: np.ndarray | int, nbytes: int, bytes_per_s: float, latency_s: float):
    """Time to copy ``n_experts`` experts of ``nbytes`` each host-to-device (element-wise)."""
    return np.asarray(n_experts, dtype=np.float64) * (latency_s + nbytes / float(bytes_per_s))


def copy_seconds_per_expert(nbytes: int, bytes_per_s: float, latency_s: float) -> float:
    """Time to copy one expert of ``nbytes`` host-to-device."""
    return latency_s + nbytes / float(bytes_per_s)


#: Compute setups for ``planner gen offload --hardware``: (GPU, CPU).
SETUPS: dict[str, tuple[Device, Device]] = {
    "a100": (A100, XEON_8380),
    "h100": (H100, XEON_8380),
}

#: Copy paths for ``planner gen offload --link``.
LINKS: dict[str, Link] = {"pcie4": PCIE4_X16, "pcie5": PCIE5_X16, "nvlink-c2c": NVLINK_C2C}
