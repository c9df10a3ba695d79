"""What vLLM keeps back from its KV cache besides weights and activations: non-torch memory.

vLLM sizes its KV cache at start from one profile: ``total x gpu_memory_utilization - weights
- non-torch memory - PyTorch activation peak`` (V0 ``Worker.determine_num_available_blocks``,
V1 ``Worker.determine_available_memory``; the startup line "model weights take ...GiB;
non_torch_memory takes ...GiB; PyTorch activation peak memory takes ...GiB; the rest of the
memory reserved for KV Cache is ...GiB"). The *non-torch* memory is what the CUDA driver
reports in use beyond PyTorch's reserved pool: the CUDA context, cuBLAS workspaces, NCCL's
communicator buffers and vLLM's custom all-reduce buffers. From vLLM PR #11809 (2025-01-07;
the logs dated 2025-02 on, 0.7.x, show it) it is measured against
``torch.cuda.memory_reserved()``; before it (0.6.x, the ``worker.py:241`` lines of 0.6.5-0.6.6)
against the allocated bytes, so that the allocator's cached free blocks counted too (1.79 GiB
at TP1 in PR #10511's log against 0.13-0.16 GiB in the later ones), and the logs of the two
definitions are not mixed.

The rule (:func:`vllm_non_torch_gib`), from 23 public startup logs in
``planner/perfmodel/calibration/vllm_profile_logs.csv`` (each row names its issue, pull request
or library file id), fitted by ``bench/vllm_memory_fit.py`` on the rows marked ``fit`` (the
``reserved`` definition, TP and GPU known, no NCCL NVLS):

* ``VLLM_NON_TORCH_BASE_GIB`` (0.05): the median at TP1 of the three 0.7-0.8 logs (T4 0.05,
  RTX 2060 0.04, H100 0.16 GiB; CUDA context and cuBLAS workspace);
* ``VLLM_NON_TORCH_PER_PEER_GIB`` (0.29 per further GPU of the TP group): least squares through
  the TP1 median of the 0.7 TP2 / TP8 logs without NVLS (2 x RTX 4090 0.25 GiB, 8 x A100-40GB
  2.10: NCCL's per-peer channel buffers and the custom all-reduce's);
* ``VLLM_NVLS_GIB`` (4.9): NCCL's NVLink-SHARP buffers on an NVSwitch node of Hopper or
  Blackwell GPUs, a cited figure, not fitted: vLLM issue #9699 (2024-10-25, Llama-3.1-405B
  TP8 on 8 x H200) logs ``nvlsTotalSize 2415919104`` per communicator and 17595 KV blocks with
  NVLS against about 227xx without, about 4.9-5.0 GiB per GPU (the ninth session's reading,
  docs/serve.md); the lower end is kept. Applied from TP 4: at TP2 the H100 logs show none
  (0.54-0.55 GiB); TP4 is not observed (an assumption).

Held out (the rows marked ``held_out``, not used above): DeepSeek-R1 TP8 on 8 x H200 with
vLLM 0.7.3, 7.16 GiB logged against 6.98 modelled (-3 %); a 0.5B model on an L40S-class GPU
0.08 against 0.05; one TP1 log with LoRA adapters (Punica buffers) 1.39 against 0.05, the
rule's one large miss (LoRA is not modelled); and the eight vLLM 0.11.0 V1 logs of library file
27349653019 (H100), outside the window: TP1 0.13-0.14 GiB against 0.05, TP2 0.54-0.55 against
0.34. Until the thirty-first session five of them were fit rows (0.13 GiB + 0.28 per peer: the
rule was fitted partly on a later release than it is applied to; s30review2); the fit now takes
the 0.7-0.8 logs only (s31polish). The V1 H100 logs sit near the 0.7 H100 log (0.16): the TP1
base looks set by the GPU more than by the release, but one in-window H100 log cannot show it.

Window: vLLM 0.7.0 to 0.8.x (the ``reserved`` definition; the released 0.7 V0 and 0.8 V1
engines both subtract it). Other versions (0.6.x, whose measurement differed, and a version
not named) keep the model's reserve as it was: the dstack Llama-3.1-405B rows (vLLM 0.6.3 on
8 x H100) bound the 0.6 cache from below (vLLM started with ``--max-model-len 91680``), and the
model's activation workspace already leaves no room for a further 1-7 GiB there (docs/serve.md,
ninth and twenty-ninth sessions). Only NVIDIA GPUs: the ROCm logs were not gathered.
"""

from __future__ import annotations

from planner.perfmodel.engines import Engine, release_tuple
from planner.perfmodel.hardware import GpuSpec

#: vLLM releases (first, last) whose non-torch memory the rule covers (module notes).
VLLM_NON_TORCH_RELEASES = ((0, 7, 0), (0, 8, 999))
#: Median non-torch memory at TP1 (GiB; ``bench/vllm_memory_fit.py``).
VLLM_NON_TORCH_BASE_GIB = 0.05
#: Non-torch memory per further GPU of the TP group without NVLS (GiB; the fit script).
VLLM_NON_TORCH_PER_PEER_GIB = 0.29
#: NCCL NVLink-SHARP buffers per GPU on NVSwitch Hopper / Blackwell nodes (GiB; vLLM #9699).
VLLM_NVLS_GIB = 4.9
#: Smallest TP group that gets the NVLS buffers (none logged at TP2; module notes).
VLLM_NVLS_MIN_GPUS = 4
#: Architectures whose NVSwitch nodes run NCCL's NVLS algorithm (NVLink SHARP, NVSwitch gen 3+).
NVLS_ARCHITECTURES = ("Hopper", "Blackwell")


def nvls_node(gpu: GpuSpec, group_gpus: int) -> bool:
    """NCCL allocates NVLink-SHARP buffers for a group of ``group_gpus`` GPUs of ``gpu`` (an
    NVSwitch node of Hopper or Blackwell GPUs, at least :data:`VLLM_NVLS_MIN_GPUS` of them)."""
    return (
        gpu.architecture in NVLS_ARCHITECTURES
        and not gpu.pcie_only
        and group_gpus >= VLLM_NVLS_MIN_GPUS
    )


def vllm_non_torch_gib(engine: Engine, gpu: GpuSpec, group_gpus: int) -> float | None:
    """GiB per GPU that vLLM's profile counts as non-torch memory for a TP group of
    ``group_gpus`` GPUs; ``None`` outside :data:`VLLM_NON_TORCH_RELEASES` (other engines, vLLM
    0.6.x, or no version named), where the model keeps its fixed reserve.

    Parameters
    ----------
    engine
        The serving engine and version.
    gpu
        The GPU (its architecture and whether the node is PCIe-only decide NVLS).
    group_gpus
        GPUs that share the engine's collectives (``tp x ep`` of a stage).
    """
    if engine.name != "vllm" or not engine.version:
        return None
    first, last = VLLM_NON_TORCH_RELEASES
    version = release_tuple(engine.version)  # "0.7" names the 0.7 series: (0, 7, 0)
    if not first <= version <= last:
        return None
    if gpu.architecture.upper().startswith("CDNA"):  # no ROCm logs gathered
        return None
    peers = max(0, group_gpus - 1)
    gib = VLLM_NON_TORCH_BASE_GIB + VLLM_NON_TORCH_PER_PEER_GIB * peers
    if nvls_node(gpu, group_gpus):
        gib += VLLM_NVLS_GIB
    return gib


__all__ = [
    "NVLS_ARCHITECTURES",
    "VLLM_NON_TORCH_BASE_GIB",
    "VLLM_NON_TORCH_PER_PEER_GIB",
    "VLLM_NON_TORCH_RELEASES",
    "VLLM_NVLS_GIB",
    "VLLM_NVLS_MIN_GPUS",
    "nvls_node",
    "vllm_non_torch_gib",
]
