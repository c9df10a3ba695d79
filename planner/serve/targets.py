"""What each export target's stated version can launch (``--export vllm|sglang|trtllm``).

One predicate per target, :func:`layout_refusal` (and :func:`variant_refusal` per role and
speculative method; :func:`group_refusal` of a plan's group is both), read by the search (a
layout the target cannot launch is excluded, with the reason, when the problem's
``constraints.target`` names the target: :func:`planner.serve.candidates.layouts`), by
:func:`planner.serve.evaluate.verify` and by the export
(:func:`planner.serve.export.export_plan` refuses the same layouts), so a plan found for a
target exports and a plan the export refuses is never offered.

The rules, by target (sources in each function):

* vLLM 0.8.5: every layout, but per server (:func:`variant_refusal`, role and speculative
  method) only what its V1 or V0 engine runs as planned (:func:`vllm_engine`): ``ep > 1``
  (data-parallel engines) on V1 only, EAGLE with chunked prefill on V1 only, and an AMD GPU
  runs V0; prefill / decode servers pair one to one (``pd_pairs``, a plan-level rule the
  constraint sets).
* SGLang 0.4.6: no pipeline parallelism; expert parallelism only where the model code runs
  both expert-parallel MoE and data-parallel attention, the plan's ``tp x ep`` layout
  (DeepSeek-V2 / V3 architectures).
* TensorRT-LLM 1.0.0: NVIDIA GPUs only; expert parallelism with data-parallel attention over
  all ranks (``tp`` 1); FP8 weights or KV cache only on GPUs with FP8.
"""

from __future__ import annotations

from typing import Any

from planner.core.errors import InputError
from planner.perfmodel.engines import ENGINE_NAMES, engine_refusal, stores_kv
from planner.perfmodel.hardware import GpuSpec, vendor_of
from planner.perfmodel.model_spec import ModelSpec

#: The version of each target the export writes commands for (its flag lists:
#: :data:`planner.serve.export.TOOLS`).
VERSIONS = {"vllm": "0.8.5", "sglang": "0.4.6", "trtllm": "1.0.0"}
NAMES = ENGINE_NAMES

#: ``model_type``s whose SGLang 0.4.6 model code runs expert-parallel MoE (``EPMoE`` under
#: ``--enable-ep-moe``: ``deepseek_v2.py``, ``mixtral.py``, ``grok.py``) *and* data-parallel
#: attention (``--enable-dp-attention``, help text "Currently only DeepSeek-V2 is supported";
#: ``deepseek_v2.py`` also serves DeepSeek-V3 and Kimi-K2's ``DeepseekV3ForCausalLM``). Qwen-MoE
#: and Llama 4 run ``FusedMoE`` only (experts tensor-parallel), Mixtral has no DP attention.
SGLANG_EP_MODEL_TYPES = frozenset({"deepseek_v2", "deepseek_v3", "kimi_k2"})


def check_target(target: str) -> str:
    """``target`` when it is a known export target, else :class:`InputError`."""
    if target not in VERSIONS:
        raise InputError(f"--export must be one of {', '.join(VERSIONS)}, got {target!r}")
    return target


def target_engine(target: str) -> str:
    """The engine a plan for ``target`` is timed with when none is named: the target at the
    version the export writes commands for (``vllm:0.8.5``; :func:`planner.perfmodel.engines.
    parse_engine` reads it)."""
    return f"{check_target(target)}:{VERSIONS[target]}"


def label(target: str) -> str:
    """``TensorRT-LLM 1.0.0``."""
    return f"{NAMES[target]} {VERSIONS[target]}"


def refusal_prefix(target: str) -> str:
    """How every :func:`layout_refusal` reason of ``target`` starts (to tell them apart from
    the layout's other exclusion reasons)."""
    return f"{label(target)} cannot launch it: "


def layout_refusal(
    target: str,
    model: ModelSpec,
    gpu: GpuSpec,
    tp: int,
    pp: int,
    ep: int,
    precision: str,
    kv_precision: str,
) -> str:
    """Why ``target``'s stated version cannot launch a replica of ``model`` on ``gpu`` with
    this layout and these precisions as the plan prices it ('' when it can)."""
    why = _RULES[check_target(target)](model, gpu, tp, pp, ep, precision, kv_precision)
    return refusal_prefix(target) + why if why else ""


def gpu_refusal(target: str, gpu: GpuSpec, precision: str, kv_precision: str) -> str:
    """Why ``target`` runs no replica on ``gpu`` at these weight / KV-cache precisions,
    whatever the layout ('' when it may): the engine's vendors
    (:func:`~planner.perfmodel.engines.engine_refusal`: TensorRT-LLM runs on NVIDIA GPUs
    only, the rule the timing engine obeys too), and TensorRT-LLM 1.0's PyTorch backend runs
    FP8, KV cache included, on FP8 GPUs only (:func:`stores_kv`); vLLM and SGLang run what
    the planner's own precision rules allow."""
    why = engine_refusal(check_target(target), gpu)
    if why or target != "trtllm":
        return why
    if precision == "fp8" and not gpu.supports("fp8"):
        return f"{gpu.name} has no FP8 (the PyTorch backend runs FP8 on FP8 GPUs only)"
    if not stores_kv("trtllm", gpu, kv_precision):
        return f"{gpu.name} keeps no {kv_precision} KV cache (FP8 on FP8 GPUs only)"
    return ""


def _vllm(
    model: ModelSpec, gpu: GpuSpec, tp: int, pp: int, ep: int, precision: str, kv: str
) -> str:
    """vLLM 0.8.5 runs every layout the planner builds: ``--tensor-parallel-size``,
    ``--pipeline-parallel-size``, and for ``ep > 1`` data-parallel attention over ``ep``
    groups with the experts spread over all ranks (``--data-parallel-size ep
    --enable-expert-parallel``); an fp8 KV cache on any GPU (:func:`stores_kv`)."""
    return ""


def _sglang(
    model: ModelSpec, gpu: GpuSpec, tp: int, pp: int, ep: int, precision: str, kv: str
) -> str:
    """SGLang 0.4.6 (``python/sglang/srt/server_args.py`` of the 0.4.6 wheel): no
    pipeline-parallel flag; ``--ep-size`` alone is parsed and read by nothing (the MoE stays
    ``FusedMoE``, experts tensor-parallel), expert parallelism is ``--enable-ep-moe`` (which
    sets ``ep_size = tp_size``), and the plan's attention, ``tp``-way in ``ep`` data-parallel
    groups, is ``--enable-dp-attention --dp-size ep``: both only for
    :data:`SGLANG_EP_MODEL_TYPES`."""
    if pp > 1:
        return f"pp{pp}: SGLang {VERSIONS['sglang']} has no pipeline parallelism"
    if ep > 1 and model.model_type not in SGLANG_EP_MODEL_TYPES:
        kind = model.model_type or "a model of unknown architecture"
        return (
            f"ep{ep}: SGLang {VERSIONS['sglang']} runs expert-parallel MoE with data-parallel "
            f"attention (--enable-ep-moe --enable-dp-attention) for DeepSeek-V2/V3 "
            f"architectures only, not {kind}"
        )
    return ""


def _trtllm(
    model: ModelSpec, gpu: GpuSpec, tp: int, pp: int, ep: int, precision: str, kv: str
) -> str:
    """TensorRT-LLM 1.0.0 runs attention either data-parallel over all ``tp_size`` ranks
    (``enable_attention_dp``) or tensor-parallel over all of them (its parallelism guide,
    docs/source/features/parallel-strategy.md: "TP-8" / "DP-8"): the plan's ``tp``-way
    attention inside ``ep`` groups is one of them only at ``tp`` 1 (a ``tp x ep`` replica
    with ``tp > 1`` ran attention ``tp * ep``-way, with other KV sizes and step times than
    planned). Its PyTorch backend (the one the export starts) runs FP8 weights and KV cache
    on FP8 GPUs only (:func:`stores_kv`)."""
    if ep > 1 and tp > 1 and model.is_moe:
        return (
            f"tp{tp} ep{ep}: attention runs data-parallel over all ranks (tp 1, "
            "enable_attention_dp) or tensor-parallel over all of them, not tp-way inside "
            "data-parallel groups"
        )
    return gpu_refusal("trtllm", gpu, precision, kv)


_RULES = {"vllm": _vllm, "sglang": _sglang, "trtllm": _trtllm}


def group_refusal(problem: Any, group: Any, target: str) -> str:
    """Why ``target`` cannot launch a plan's group ('' when it can): :func:`layout_refusal` of
    its layout, then :func:`variant_refusal` of its role and speculative decoding
    (``problem`` a :class:`~planner.serve.instance.ServingProblem`, ``group`` one of its
    plan's :class:`~planner.serve.instance.ReplicaGroup`)."""
    g, gpu, kv = group, problem.pool(group.gpu).gpu, problem.kv_precision_name
    why = layout_refusal(target, problem.model, gpu, g.tp, g.pp, g.ep, problem.precision, kv)
    method = problem.speculative.method if g.speculative and problem.speculative else None
    return why or variant_refusal(target, gpu, g.pp, g.ep, kv, g.role, method)


def vllm_engine(
    gpu: GpuSpec, pp: int, kv_precision: str, role: str, speculative: str | None
) -> tuple[str, str]:
    """Which vLLM 0.8.5 engine runs a server of this layout as planned: ``("v1", "")``,
    ``("v0", why)`` or ``("", why)`` when neither does.

    Its V1 oracle (``EngineArgs._is_v1_supported_oracle``, ``vllm/engine/arg_utils.py``) falls
    back to V0 for a draft model or MTP, for ``pp > 1`` without the Ray executor and for an
    fp8 KV cache unless FlashAttention 3 runs it (compute capability 9, Hopper), and for
    EAGLE unless ``VLLM_USE_V1=1``, and off CUDA (an AMD GPU: "Non-CUDA is supported on V1,
    but off by default for now") unless ``VLLM_USE_V1=1``; ``PyNcclConnector`` is a V0
    connector (V1's scheduler asserts a ``KVConnectorBase_V1``), so a prefill / decode server
    runs V0 (``VLLM_USE_V1=0``, which the export sets). V0 refuses EAGLE with chunked
    prefill (``SpeculativeConfig``: "Chunked prefill and EAGLE are not compatible when using
    V0"), which a colocated server runs: EAGLE there needs V1 (``VLLM_USE_V1=1``, which the
    export sets)."""
    v0 = ""
    if role != "both":
        v0 = "a prefill / decode server (PyNcclConnector is a V0 connector)"
    elif pp > 1:
        v0 = "pipeline parallelism without the Ray executor"
    elif vendor_of(gpu.architecture) == "AMD":
        # "Non-CUDA is supported on V1, but off by default for now" (the oracle's
        # _warn_or_fallback on a ROCm platform): V0 unless VLLM_USE_V1=1
        v0 = f"{gpu.name} (ROCm: the oracle picks V1 on CUDA only)"
    elif kv_precision == "fp8" and gpu.architecture != "Hopper":
        v0 = f"an fp8 KV cache on {gpu.name} (V1 runs it with FlashAttention 3, Hopper)"
    if speculative == "eagle" and role == "both":
        if v0:
            return "", (
                f'EAGLE with chunked prefill runs on the V1 engine only (V0: "Chunked prefill '
                f'and EAGLE are not compatible"), and {v0} runs on V0'
            )
        return "v1", ""
    if speculative in ("draft", "mtp"):
        return "v0", v0 or "speculative decoding with a draft model or MTP"
    return ("v0", v0) if v0 else ("v1", "")


def variant_refusal(
    target: str,
    gpu: GpuSpec,
    pp: int,
    ep: int,
    kv_precision: str,
    role: str,
    speculative: str | None,
) -> str:
    """Why ``target`` cannot launch a server of this layout in ``role`` with this speculative
    method (``None``: none) as planned ('' when it can); :func:`layout_refusal` holds for the
    layout whatever the role. vLLM 0.8.5: a server no engine runs as planned
    (:func:`vllm_engine`), and an ``ep > 1`` one on V0, since vLLM spawns data-parallel engines
    (``--data-parallel-size``, the plan's ``ep``) in V1 only (``v1/engine/core_client.py``;
    V0 would wait for ranks nobody starts)."""
    if check_target(target) != "vllm":
        return ""
    engine, why = vllm_engine(gpu, pp, kv_precision, role, speculative)
    if not engine:
        return refusal_prefix(target) + why
    if ep > 1 and engine == "v0":
        return (
            f"{refusal_prefix(target)}ep{ep}: data-parallel engines run on the V1 engine only, "
            f"and {why} runs on V0"
        )
    return ""


__all__ = [
    "NAMES",
    "SGLANG_EP_MODEL_TYPES",
    "VERSIONS",
    "check_target",
    "gpu_refusal",
    "group_refusal",
    "label",
    "layout_refusal",
    "refusal_prefix",
    "target_engine",
    "variant_refusal",
    "vllm_engine",
]
