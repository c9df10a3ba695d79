"""The serving engine's own time per iteration: host work, kernel launches, small-kernel floors.

The GPU kernels of an iteration (:class:`~planner.perfmodel.stage.EngineModel`) are the same
whichever engine runs them; what differs between TensorRT-LLM (and NVIDIA NIM, which runs
it), vLLM and SGLang is the work around them. Written once here:

Host overhead per iteration (:func:`host_overhead_s`). Scheduling, input preparation,
sampling and detokenization run on the CPU between GPU iterations; unless the engine overlaps
them with the GPU they add to every iteration. One constant per engine, each *fitted*
(``calibration/constants.json``): ``iteration_overhead_s`` on the TensorRT-LLM overview rows
(``trtllm``, also NIM), ``host_overhead_vllm_s`` and ``host_overhead_sglang_s`` on the
SGLang 0.3.0 / vLLM 0.6.0 rows (source ``sglang_vllm060``). vLLM's multi-step scheduling
(``--num-scheduler-steps k``) prepares inputs once for ``k`` decode steps, which divides the
per-step host time by ``k`` ("vLLM v0.6.0: 2.7x Throughput Improvement and 5x Latency
Reduction", vLLM blog 2024-09-05, section "multi-step scheduling"). The version is recorded
with the engine, and one constant serves every version of an engine (no fit rows separate
them), with one exception that changes the structure rather than the constant: SGLang from
0.4 on runs its "zero-overhead" overlap scheduler by default, preparing the next batch on the
CPU while the GPU runs the current one ("SGLang v0.4: Zero-Overhead Batch Scheduler, ...",
LMSYS blog 2024-12-04), so an iteration lasts ``max(GPU time, host time)`` instead of their
sum (:attr:`Engine.overlaps_host`).

Eager launches (:func:`launch_overhead_s`). Without CUDA graphs (vLLM ``--enforce-eager``)
the CPU launches every kernel of every layer each iteration through PyTorch's dispatcher;
when that is slower than the GPU work the iteration waits for the CPU.
``EAGER_KERNELS_PER_LAYER`` kernels per decoder layer (counted for a Llama layer in vLLM:
2 RMSNorm, QKV GEMM, rotary embedding, KV-cache write, attention, output GEMM, 2 all-reduces,
gate/up GEMM, SiLU-and-multiply, down GEMM, plus 2 residual adds fused or not: 14) at
``EAGER_LAUNCH_S`` each (an assumption: a PyTorch eager op costs about 10 us of CPU, the
launch itself about 4-5 us; PyTorch blog "Accelerating PyTorch with CUDA Graphs", 2021).

Small-kernel floor (:func:`small_kernel_floor_s`). Even inside a CUDA graph a kernel lasts
at least a few microseconds (launch, ramp and tail). The per-layer element-wise kernels
(norms, rotary embedding, activation, KV-cache write, the quantization of activations for
FP8 GEMMs) move few bytes at small batch, so their roofline time is far below that floor:
``SMALL_KERNELS_PER_LAYER`` of them at ``KERNEL_FLOOR_S`` each (an assumption: NVIDIA's
"Getting Started with CUDA Graphs" blog, 2019, measures 3.4 us per short kernel launched in a
graph, about 2.9 us of it the kernel). This is the per-layer fixed cost that makes decode at
concurrency 1 slower than its weight reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.core.errors import InputError
from planner.perfmodel import constants

#: Engines the model knows; ``nim`` is an alias of ``trtllm`` (NIM runs TensorRT-LLM).
ENGINES = ("trtllm", "vllm", "sglang")
ALIASES = {"nim": "trtllm", "tensorrt-llm": "trtllm", "trt-llm": "trtllm"}
#: Fitted host-overhead constant of each engine (``calibration/constants.json``).
HOST_CONSTANT = {
    "trtllm": "iteration_overhead_s",
    "vllm": "host_overhead_vllm_s",
    "sglang": "host_overhead_sglang_s",
}
#: Kernels per decoder layer launched from the CPU without CUDA graphs (module notes).
EAGER_KERNELS_PER_LAYER = 14
#: CPU seconds per eager PyTorch kernel launch (an assumption, module notes).
EAGER_LAUNCH_S = 10e-6
#: Element-wise kernels per decoder layer that run at their floor at small batch.
SMALL_KERNELS_PER_LAYER = 6
#: Shortest duration of a kernel launched in a CUDA graph (NVIDIA CUDA Graphs blog, 2019).
KERNEL_FLOOR_S = 3.4e-6


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
    """

    name: str = "trtllm"
    version: str = ""
    cuda_graphs: bool = True
    scheduler_steps: int = 1

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise InputError(
                f"engine must be one of {', '.join(ENGINES)} (or nim), got {self.name!r}"
            )
        steps = self.scheduler_steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InputError(f"engine scheduler steps must be a positive integer, got {steps!r}")

    @property
    def overlaps_host(self) -> bool:
        """The engine hides its host work behind the GPU's (SGLang from 0.4 on; a version not
        given means the current release)."""
        return self.name == "sglang" and (not self.version or version_tuple(self.version) >= (0, 4))

    def label(self) -> str:
        """``vllm 0.6.3 (eager, 15 steps)``."""
        opts = [o for o in ("" if self.cuda_graphs else "eager",) if o]
        if self.scheduler_steps > 1:
            opts.append(f"{self.scheduler_steps} steps")
        text = self.name + (f" {self.version}" if self.version else "")
        return text + (f" ({', '.join(opts)})" if opts else "")

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "version": self.version,
            "cuda_graphs": self.cuda_graphs,
            "scheduler_steps": self.scheduler_steps,
        }


#: The engine the model assumes when none is named (the one its base constants were fitted on).
DEFAULT_ENGINE = Engine()


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


def parse_engine(spec: str | Engine | Mapping[str, Any] | None) -> Engine:
    """An :class:`Engine` from ``NAME[:VERSION][,eager][,steps=K]`` (e.g. ``vllm:0.6.3,eager``)
    or from its JSON form (:meth:`Engine.to_dict`).

    ``None`` or ``""`` is the default engine (TensorRT-LLM). Bad input raises
    :class:`~planner.core.errors.InputError` naming the engine.
    """
    if spec is None or spec == "":
        return DEFAULT_ENGINE
    if isinstance(spec, Engine):
        return spec
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - {"name", "version", "cuda_graphs", "scheduler_steps"})
        if unknown:
            raise InputError(f"engine: unknown field {unknown[0]!r}")
        graphs = spec.get("cuda_graphs", True)
        if not isinstance(graphs, bool):
            raise InputError(f"engine: cuda_graphs must be true or false, got {graphs!r}")
        name = str(spec.get("name", "trtllm")).lower()
        return Engine(
            ALIASES.get(name, name),
            str(spec.get("version", "")),
            graphs,
            spec.get("scheduler_steps", 1),
        )
    if not isinstance(spec, str):
        raise InputError(f"engine must be a string like 'vllm:0.6.3,eager', got {spec!r}")
    head, *opts = [p.strip() for p in spec.split(",")]
    name, _, version = head.partition(":")
    name = ALIASES.get(name.strip().lower(), name.strip().lower())
    graphs, steps = True, 1
    for opt in opts:
        m = re.fullmatch(r"steps=(\d+)", opt)
        if opt == "eager":
            graphs = False
        elif opt in ("graphs", "cuda-graphs"):
            graphs = True
        elif m:
            steps = int(m.group(1))
        else:
            raise InputError(
                f"engine option must be 'eager', 'graphs' or 'steps=K', got {opt!r} in {spec!r}"
            )
    return Engine(name, version.strip(), graphs, steps)


def host_overhead_s(engine: Engine) -> float:
    """Host seconds added to each iteration (fitted per engine; divided by the scheduler steps)."""
    return constants.FITTED[HOST_CONSTANT[engine.name]] / engine.scheduler_steps


def launch_overhead_s(engine: Engine, layers: int) -> float:
    """CPU seconds to launch one iteration's kernels without CUDA graphs (0 with graphs)."""
    if engine.cuda_graphs:
        return 0.0
    return layers * EAGER_KERNELS_PER_LAYER * EAGER_LAUNCH_S


def small_kernel_floor_s(layers: int) -> float:
    """Least seconds one stage's ``layers`` layers spend in their element-wise kernels."""
    return layers * SMALL_KERNELS_PER_LAYER * KERNEL_FLOOR_S


__all__ = [
    "DEFAULT_ENGINE",
    "EAGER_KERNELS_PER_LAYER",
    "EAGER_LAUNCH_S",
    "ENGINES",
    "KERNEL_FLOOR_S",
    "SMALL_KERNELS_PER_LAYER",
    "Engine",
    "host_overhead_s",
    "launch_overhead_s",
    "parse_engine",
    "small_kernel_floor_s",
    "version_tuple",
]
