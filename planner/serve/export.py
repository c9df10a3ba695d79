"""Launch commands of a serving plan for vLLM, SGLang and TensorRT-LLM (``--export``).

One command per replica of the plan (``count`` servers per group, ports from 8000), with the
plan's parallel sizes, chunk size, batch cap, weight / KV-cache precision, paged-KV block
size, prefix caching, speculative decoding and prefill / decode role. Flag names follow each
tool's documentation for the version stated in :data:`TOOLS`; every flag an export emits is
one of that tool's :attr:`ToolSpec.flags` (the tests check it), and TensorRT-LLM's options
that have no flag go to its ``--extra_llm_api_options`` YAML, whose keys are in
:attr:`ToolSpec.yaml_keys`.

Mappings that are choices, not facts of the tools: an expert-parallel replica (``tp x ep``
GPUs) runs data-parallel attention over ``ep`` groups with experts spread over all ranks
(vLLM ``--data-parallel-size ep --enable-expert-parallel``; SGLang ``--tp-size tp*ep
--dp-size ep --enable-dp-attention --enable-ep-moe``, DeepSeek-V2/V3 only; TensorRT-LLM
``--tp_size ep --ep_size ep`` with ``enable_attention_dp``, ``tp`` 1 only); prefill / decode
replicas use each tool's KV-transfer setting (vLLM's ``PyNcclConnector``, SGLang's
``--disaggregation-mode``, TensorRT-LLM's cache transceiver; the router / proxy in front is
not generated). Which layouts a tool launches is :func:`~planner.serve.targets.layout_refusal`,
the predicate the search reads too (:func:`launchable`).

What would not start is refused or said in the export's ``notes``, never written silently:

* vLLM 0.8.5's ``PyNcclConnector`` links one prefill server (``kv_rank`` 0) with one decode
  server (``kv_rank`` 1, ``kv_parallel_size`` 2; ``KVTransferConfig.kv_rank``: "Currently
  only 1P1D is supported"; example ``examples/online_serving/disaggregated_prefill.sh`` at
  tag v0.8.5), rank to rank: a plan whose prefill and decode servers pair up 1:1 with the
  same tp / pp / ep is exported as such pairs, each on its own ``kv_port``; another plan
  raises :class:`InputError` naming the counts.
* EAGLE needs its head model: the user's ``draft_model``, else a published head of the
  catalog model in the format the tool runs (:data:`EAGLE_HEADS`), else
  :data:`HEAD_PLACEHOLDER` and a note. MTP uses the target's own layers (a model without
  them is refused by :class:`ServingProblem`).
* SGLang 0.4.6 has no separate-draft-model algorithm: ``draft`` is refused for it, before
  the search (:func:`check_exportable`), as a weight precision without a launch setting
  (:data:`WEIGHT_FORMATS`) and a KV block size the tool does not page in.
* A quantized plan names the pre-quantized checkpoint it needs in a note (an AWQ int4
  checkpoint; any quantized one for TensorRT-LLM, which has no quantization flag).
* An EAGLE-3 head (:func:`head_format`) runs as ``eagle3`` (vLLM ``method``, SGLang
  ``--speculative-algorithm EAGLE3``): loaded as ``eagle`` it is built as an EAGLE-1 model
  (vLLM 0.8.5 ``EAGLEConfig`` names the architecture ``Eagle{arch}`` for ``eagle``,
  ``Eagle3{arch}`` for ``eagle3``) and SGLang's ``EAGLE`` skips the head's 3-layer feature
  fusion (sgl-project/sglang#21272: acceptance length 1.0). vLLM 0.8.5 runs EAGLE-3 on
  Llama targets only (``SpeculativeConfig``: "Eagle3 is only supported for Llama models").
* A model whose architecture the stated version's model registry lacks is refused before
  the search (:func:`check_exportable`, :data:`FIRST_RELEASES`, with the first release that
  runs it); one whose checkpoint carries its own code (Kimi-K2; a config whose ``auto_map``
  names an ``AutoConfig`` transformers does not register) gets the tool's trust-remote-code
  flag.
* :func:`launchable` restricts the search to plans the tool starts (constraint ``target``):
  the layouts :func:`~planner.serve.targets.layout_refusal` accepts, vLLM's prefill /
  decode servers in PyNccl pairs (``pd_pairs``); :func:`restriction_effect` says what that
  cost when it cost anything.
* TensorRT-LLM keeps only the window's KV cache on sliding-window layers when
  ``kv_cache_config.max_attention_window`` lists the layers' windows (repeated over the
  layers when shorter): the export writes the model's pattern, as the plan's KV sizing
  assumes (:func:`~planner.perfmodel.engines.frees_windowed_kv`).
* A model (or draft model) without a known checkpoint is named as given, with a note.

The traffic split of the plan (:mod:`planner.serve.assemble`: every server at the same
utilization, so a fast replica type takes more requests than a slow one) is the export's
``router``: each server's ``weight``, the share of its workload's requests (decode servers:
of its workload's prefilled requests) the load balancer in front should send it. No flag of
the three tools' server commands takes a weight, so it is data plus a note, printed with the
commands, whenever the weights of a stage are not all equal (:func:`router_weights`).
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.perfmodel.engines import Engine, frees_windowed_kv, version_tuple
from planner.perfmodel.readers import architecture_note
from planner.perfmodel.trtllm_memory import runs_pytorch_flow
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem
from planner.serve.targets import (
    VERSIONS,
    check_target,
    group_refusal,
    label,
    refusal_prefix,
    vllm_engine,
)


@dataclass(frozen=True)
class ToolSpec:
    """A serving engine's command line at one version.

    Attributes
    ----------
    name, version
        Tool and the version whose documentation the flags follow.
    doc
        Where the flags are documented.
    program
        The command that starts a server.
    flags
        Every flag an export may emit.
    yaml_keys
        Top-level keys of the extra-options YAML (TensorRT-LLM only).
    """

    name: str
    version: str
    doc: str
    program: tuple[str, ...]
    flags: frozenset[str]
    yaml_keys: frozenset[str] = frozenset()


TOOLS: dict[str, ToolSpec] = {
    "vllm": ToolSpec(
        "vllm",
        VERSIONS["vllm"],
        "https://docs.vllm.ai/en/v0.8.5/serving/engine_args.html",
        ("vllm", "serve"),
        frozenset(
            {
                "--host",
                "--port",
                "--tensor-parallel-size",
                "--pipeline-parallel-size",
                "--data-parallel-size",
                "--enable-expert-parallel",
                "--max-num-seqs",
                "--max-num-batched-tokens",
                "--enable-chunked-prefill",
                "--no-enable-chunked-prefill",
                "--max-model-len",
                "--block-size",
                "--enable-prefix-caching",
                "--kv-cache-dtype",
                "--quantization",
                "--speculative-config",
                "--kv-transfer-config",
                "--trust-remote-code",
            }
        ),
    ),
    "sglang": ToolSpec(
        "sglang",
        VERSIONS["sglang"],
        "https://docs.sglang.ai/backend/server_arguments.html",
        ("python", "-m", "sglang.launch_server"),
        frozenset(
            {
                "--model-path",
                "--host",
                "--port",
                "--tp-size",
                "--dp-size",
                "--enable-dp-attention",
                "--enable-ep-moe",
                "--max-running-requests",
                "--chunked-prefill-size",
                "--page-size",
                "--disable-radix-cache",
                "--kv-cache-dtype",
                "--quantization",
                "--speculative-algorithm",
                "--speculative-draft-model-path",
                "--speculative-num-steps",
                "--speculative-num-draft-tokens",
                "--speculative-eagle-topk",
                "--disaggregation-mode",
                "--trust-remote-code",
            }
        ),
    ),
    "trtllm": ToolSpec(
        "trtllm",
        VERSIONS["trtllm"],
        "https://nvidia.github.io/TensorRT-LLM/1.0.0/commands/trtllm-serve/trtllm-serve.html",
        ("trtllm-serve",),
        # --backend pytorch: a click choice in every release with the flag. Before 1.0 the
        # only one, default None = the TensorRT engine flow (0.18.2 docs
        # commands/trtllm-serve.html "Default is cpp path"; a 0.20-line serve.py,
        # k-l-lambda/TensorRT-LLM @42c12405 tensorrt_llm/commands/serve.py,
        # click.Choice(["pytorch"]), default=None); later, default "pytorch" beside "tensorrt"
        # / "_autodeploy" (NVIDIA/TensorRT-LLM @00209af1, same file). The 1.0.0 source was not
        # reachable (the repository's snapshot is over the fetch limit). Written although 1.0
        # defaults to it, so that the flow is explicit; a plan sized for a 0.x release's
        # engine flow gets a note (_flow_note).
        frozenset(
            {
                "--host",
                "--port",
                "--backend",
                "--tp_size",
                "--pp_size",
                "--ep_size",
                "--max_batch_size",
                "--max_num_tokens",
                "--kv_cache_free_gpu_memory_fraction",
                "--extra_llm_api_options",
                "--trust_remote_code",
            }
        ),
        frozenset(
            {
                "enable_chunked_prefill",
                "kv_cache_config",
                "speculative_config",
                "cache_transceiver_config",
                "enable_attention_dp",
            }
        ),
    ),
}

#: vLLM 0.8.5 ``--block-size`` on CUDA: ``BlockSize = Literal[1, 8, 16, 32, 64, 128]``, "On
#: CUDA devices, only block sizes up to 32 are supported" (``vllm/config.py``,
#: ``CacheConfig.block_size``), and its FlashAttention backends, V0 and V1, raise "Block size
#: must be a multiple of 16" (``attention/backends/flash_attn.py``).
VLLM_BLOCK_SIZES = (16, 32)

#: vLLM 0.8.5's ``max_num_seqs`` when ``--max-num-seqs`` is not given: the V1 engine takes 1024
#: on a GPU whose total memory is at least 70 GiB, else 256 (``EngineArgs._set_default_args_v1``,
#: ``current_platform.get_device_total_memory()``), V0 256 (``_set_default_args_v0``; both in
#: ``vllm/engine/arg_utils.py`` of the 0.8.5 wheel).
VLLM_DEFAULT_SEQS = {"v1": 1024, "v1_small": 256, "v0": 256}
VLLM_LARGE_GPU_GIB = 70.0

#: vLLM 0.8.5's token budget of a server without chunked prefill and without
#: ``--max-num-batched-tokens``: ``max(max_model_len, 2048)`` (``SchedulerConfig.__post_init__``,
#: ``_DEFAULT_MAX_NUM_BATCHED_TOKENS``, ``vllm/config.py``).
VLLM_V0_BUDGET = 2048

#: Hugging Face ids of the catalog models with a released checkpoint (the repositories
#: their ``_planner.source`` names; instruction-tuned where the catalog has the base). A
#: model with none (the GPT shapes of papers, a user's config) is named as given, with a
#: note; a user's ``.../config.json`` is named by its directory.
HF_IDS = {
    "llama-3.1-8b": "meta-llama/Llama-3.1-8B-Instruct",
    "llama-3.1-70b": "meta-llama/Llama-3.1-70B-Instruct",
    "llama-3.1-405b": "meta-llama/Llama-3.1-405B-Instruct",
    "llama-4-scout": "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "llama-4-maverick": "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
    "mixtral-8x7b": "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "qwen2.5-72b": "Qwen/Qwen2.5-72B-Instruct",
    "qwen3-30b-a3b": "Qwen/Qwen3-30B-A3B",
    "qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B",
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
    "kimi-k2": "moonshotai/Kimi-K2-Instruct",
    "gpt-oss-20b": "openai/gpt-oss-20b",
    "gpt-oss-120b": "openai/gpt-oss-120b",
}

BASE_PORT = 8000

#: First ``kv_port`` of vLLM's PyNccl links (its default, ``KVTransferConfig.kv_port``); each
#: prefill / decode pair takes its own, KV_PORT_STEP apart (vLLM's ``SimpleConnector`` opens
#: "2 pipes for every rank in the world" from ``kv_port`` on).
KV_PORT, KV_PORT_STEP = 14579, 100

#: Published EAGLE heads by head format (the tool's stated version loads one format:
#: :data:`HEAD_FORMAT`). EAGLE-1 heads: SafeAILab/EAGLE README, "EAGLE Weights" table
#: (LLaMA3.1-Instruct 8B, Mixtral-8x7B-Instruct v0.1; the vLLM 0.8 spec-decode docs list the
#: Mixtral one). EAGLE-3: the same README's EAGLE-3 table (LLaMA3.1-Instruct 8B). Heads of
#: other bases (Llama 3 / 3.3 70B, Qwen2 72B) are not used for 3.1 / 2.5 models. SGLang's
#: docs and tests load heads converted to its format (``lmsys/sglang-EAGLE-*``); none of a
#: catalog model is listed here (its Llama-3 8B head is paired there with Llama-3.1-8B, a
#: different base), so SGLang exports name the user's head or the placeholder.
EAGLE_HEADS: dict[str, dict[str, str]] = {
    "eagle": {
        "llama-3.1-8b": "yuhuili/EAGLE-LLaMA3.1-Instruct-8B",
        "mixtral-8x7b": "yuhuili/EAGLE-mixtral-instruct-8x7B",
    },
    "eagle3": {"llama-3.1-8b": "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"},
    "sglang-eagle": {},
}

#: Head format each tool's stated version runs for ``eagle`` (vLLM 0.8.5 ``method: eagle``;
#: SGLang 0.4.6 ``--speculative-algorithm EAGLE``; TensorRT-LLM 1.0's PyTorch backend
#: ``decoding_type: Eagle`` runs EAGLE-3 heads).
HEAD_FORMAT = {"vllm": "eagle", "sglang": "sglang-eagle", "trtllm": "eagle3"}
FORMAT_NAMES = {
    "eagle": "EAGLE-1/2",
    "eagle3": "EAGLE-3",
    "sglang-eagle": "SGLang-format EAGLE (lmsys/sglang-EAGLE-* style)",
}

#: Stands for the EAGLE head where none is given or known (with a note saying so).
HEAD_PLACEHOLDER = "<EAGLE-HEAD>"

#: Config ``model_type`` -> (architecture, first release of each tool whose model registry
#: runs it), for the catalog architectures a tool's stated version (:data:`TOOLS`) lacks:
#:
#: * gpt-oss (``GptOssForCausalLM``): not in vLLM 0.8.5's
#:   ``vllm/model_executor/models/registry.py``; added by vllm-project/vllm#22327 (merged
#:   2025-08-05, after v0.10.0), first in v0.10.1. SGLang: day-0 support in v0.5.0rc2
#:   (sgl-project/sglang#8833). TensorRT-LLM: ``docs/source/release-notes.md``, "Release 1.1
#:   ... Add GPT-OSS model support".
#: * Kimi-K2 (``DeepseekV3ForCausalLM`` under ``model_type`` ``kimi_k2``): the architecture is
#:   in vLLM 0.8.5's registry, but Moonshot's deployment guide (Kimi-K2
#:   ``docs/deploy_guidance.md``) states "vLLM version v0.10.0rc1 or later is required".
#:
#: Llama 4 (``Llama4ForConditionalGeneration``) is in vLLM's registry from
#: vllm-project/vllm#16113 (2025-04-07, before v0.8.5) and is not listed.
FIRST_RELEASES: dict[str, tuple[str, dict[str, str]]] = {
    "gpt_oss": ("GptOssForCausalLM", {"vllm": "0.10.1", "sglang": "0.5.0rc2", "trtllm": "1.1.0"}),
    "kimi_k2": ("DeepseekV3ForCausalLM (model_type kimi_k2)", {"vllm": "0.10.0rc1"}),
}

#: ``model_type``s of catalog models whose checkpoint loads its own config and tokenizer code
#: although the catalog file has no ``auto_map`` (Kimi-K2's ``auto_map`` and tiktoken
#: tokenizer; Moonshot's guide passes ``--trust-remote-code`` to vLLM and SGLang, NVIDIA's
#: TensorRT-LLM Kimi-K2 guide ``trust_remote_code: true``). A user's config says it itself:
#: :attr:`~planner.perfmodel.model_spec.ModelSpec.remote_code`, read from its ``auto_map`` by
#: :func:`~planner.perfmodel.readers.needs_remote_code` (transformers' ``AutoConfig`` rule).
REMOTE_CODE = frozenset({"kimi_k2"})

#: The flag that lets each tool run a checkpoint's own code.
TRUST_FLAG = {"vllm": "--trust-remote-code", "sglang": "--trust-remote-code"}
TRUST_FLAG["trtllm"] = "--trust_remote_code"


def head_format(head: str | None, tool: str) -> str:
    """``eagle3`` when ``head`` is an EAGLE-3 head, else the format ``tool``'s stated version
    runs for EAGLE (:data:`HEAD_FORMAT`).

    A published or placeholder head is in that format. A head the user names is EAGLE-3
    when its name says so (every published one does: ``yuhuili/EAGLE3-*``,
    ``lmsys/sglang-EAGLE3-*``, ``*-speculator.eagle3``, ``nvidia/*-Eagle3*``; vLLM 0.8.5
    itself reads ``eagle3-`` in the name) or when its local ``config.json`` names an
    ``Eagle3`` architecture (``LlamaForCausalLMEagle3``, sgl-project/sglang#21272).
    """
    default = HEAD_FORMAT[tool]
    if not head or head == HEAD_PLACEHOLDER:
        return default
    if head in EAGLE_HEADS["eagle3"].values() or "eagle3" in head.lower():
        return "eagle3"
    config = Path(head) / "config.json"
    if config.is_file():
        try:
            archs = json.loads(config.read_text()).get("architectures") or []
        except (OSError, ValueError, AttributeError):
            archs = []
        if any("eagle3" in str(a).lower() for a in archs):
            return "eagle3"
    return default


@dataclass(frozen=True)
class Link:
    """What one command shares with others: the EAGLE head (SGLang's NEXTN draft) and its PyNccl
    ``kv_port``."""

    head: str | None = None
    kv_port: int = KV_PORT


def checkpoint(model: str, source: str = "") -> tuple[str, bool]:
    """What a server loads for ``model`` (a catalog name, a config path or a Hugging Face
    id) and whether that is known (``False``: the name as given, which the user must
    replace)."""
    if model in HF_IDS:
        return HF_IDS[model], True
    path = Path(source or model)
    if path.name == "config.json":  # a checkpoint directory's config
        return str(path.parent), True
    if "/" in model and not path.exists():  # a Hugging Face id
        return model, True
    return model, False


#: MTP (NextN) layers exported as a draft checkpoint for SGLang's NEXTN algorithm (the
#: Hugging Face card lmsys/DeepSeek-V3-NextN: "NextN layer exported for deepseek-ai/DeepSeek-V3
#: ... Used for speculative decoding in SGLang", launched with --speculative-draft).
NEXTN_CHECKPOINTS = {"deepseek-v3": "lmsys/DeepSeek-V3-NextN"}


def _nextn_checkpoint(problem: ServingProblem, notes: list[str]) -> str:
    """SGLang's NEXTN draft path: the exported NextN layer where one is published, else the
    target checkpoint with a note (whether the stated SGLang loads the MTP layers from the
    full checkpoint is not checked here)."""
    name = problem.model.name
    if name in NEXTN_CHECKPOINTS:
        return NEXTN_CHECKPOINTS[name]
    notes.append(
        f"NEXTN draft: no exported NextN checkpoint is known for {name}; the command names the "
        "target checkpoint, which an SGLang that cannot read its MTP layers in place refuses "
        "(export them with SGLang's scripts/export_deepseek_nextn.py)"
    )
    return _hf_id(problem)


def _hf_id(problem: ServingProblem) -> str:
    return checkpoint(problem.model.name, problem.model.source)[0]


def _draft_id(problem: ServingProblem) -> str:
    return checkpoint((problem.speculative and problem.speculative.draft_model) or "")[0]


def eagle_head(problem: ServingProblem, tool: str) -> str | None:
    """The EAGLE head a ``tool`` export names (``None``: neither given nor published)."""
    spec = problem.speculative
    if spec is not None and spec.draft_model:
        return spec.draft_model
    return EAGLE_HEADS[HEAD_FORMAT[tool]].get(problem.model.name)


#: How each tool's stated version runs the plan's weight precision: ``(--quantization value
#: or None, the pre-quantized checkpoint it needs or None)``; a precision missing here has no
#: launch setting the export knows and is refused before the search. vLLM and SGLang quantize
#: bf16 weights to FP8 when loading (``--quantization fp8``, online dynamic scales), and load
#: AWQ int4 from an AWQ checkpoint only (the method reads the checkpoint's
#: ``quantize_config``); SGLang 0.4.6 lists ``modelopt_fp4`` (a ModelOpt NVFP4 checkpoint).
#: TensorRT-LLM 1.0's PyTorch backend has no quantization flag: it reads the checkpoint's
#: (docs 1.0.0 features/quantization, "Running Pre-quantized Models"; ModelOpt checkpoints
#: such as ``nvidia/Llama-3.1-8B-Instruct-FP8``).
WEIGHT_FORMATS: dict[str, dict[str, tuple[str | None, str | None]]] = {
    "vllm": {
        "bf16": (None, None),
        "fp16": (None, None),
        "fp8": ("fp8", None),
        "int4": ("awq", "an AWQ (int4) checkpoint"),
    },
    "sglang": {
        "bf16": (None, None),
        "fp16": (None, None),
        "fp8": ("fp8", None),
        "int4": ("awq", "an AWQ (int4) checkpoint"),
        "fp4": ("modelopt_fp4", "a ModelOpt NVFP4 checkpoint"),
    },
    "trtllm": {
        "bf16": (None, None),
        "fp16": (None, None),
        "fp8": (None, "a ModelOpt FP8 checkpoint"),
        "int4": (None, "a W4A16 AWQ checkpoint"),
        "fp4": (None, "a ModelOpt NVFP4 checkpoint"),
    },
}


def _quantization(problem: ServingProblem, tool: str) -> str | None:
    """The weight-quantization method a ``tool`` server is told (``None``: the checkpoint's)."""
    return WEIGHT_FORMATS[tool][problem.precision][0]


def _quantization_notes(problem: ServingProblem, tool: str, notes: list[str]) -> None:
    """Say which checkpoint a quantized plan's commands must load (the catalog names the
    bf16 release, which ``tool`` would load as it is or refuse)."""
    need = WEIGHT_FORMATS[tool][problem.precision][1]
    if need:
        notes.append(
            f"precision {problem.precision}: {tool} {TOOLS[tool].version} loads {need} of "
            f"{problem.model.name}; replace the model in the commands with its Hugging Face id "
            "or path"
        )


def _vllm(
    problem: ServingProblem, g: ReplicaGroup, port: int, link: Link
) -> tuple[list[str], dict]:
    args = ["--port", str(port), "--tensor-parallel-size", str(g.tp)]
    if g.pp > 1:
        args += ["--pipeline-parallel-size", str(g.pp)]
    if g.ep > 1:
        args += ["--data-parallel-size", str(g.ep), "--enable-expert-parallel"]
    seqs = vllm_max_num_seqs(problem, g)
    if seqs != vllm_default_seqs(problem, g):
        args += ["--max-num-seqs", str(seqs)]
    if g.role == "both":
        args += ["--enable-chunked-prefill", "--max-num-batched-tokens", str(g.chunk_tokens)]
    else:
        # PyNcclConnector (V0) sends and looks up whole prefills (simple_connector.py: "You
        # should set --enable_chunked_prefill=False"), and V0 turns chunked prefill on above a
        # 32K max_model_len; without it, V0 needs max_num_batched_tokens >= max_model_len
        longest = min(problem.model.max_seq, math.ceil(problem.traffic.max_context))
        args += ["--no-enable-chunked-prefill", "--max-model-len", str(longest)]
        if g.role == "prefill":
            args += ["--max-num-batched-tokens", str(max(g.chunk_tokens, longest, seqs))]
        elif seqs > max(longest, VLLM_V0_BUDGET):  # its default budget, below the batch cap
            args += ["--max-num-batched-tokens", str(seqs)]
    timed = problem.engine_on(problem.pool(g.gpu).gpu)
    if timed.name == "vllm" and timed.memory_utilization:  # the memory the plan was sized with
        args += ["--gpu-memory-utilization", f"{timed.memory_utilization:g}"]
    if problem.constraints.kv_block_tokens != 16:
        args += ["--block-size", str(problem.constraints.kv_block_tokens)]
    if problem.traffic.prefix_hit_rate > 0:
        args += ["--enable-prefix-caching"]
    if problem.kv_precision_name == "fp8":
        args += ["--kv-cache-dtype", "fp8"]
    quant = _quantization(problem, "vllm")
    if quant:
        args += ["--quantization", quant]
    spec = problem.speculative
    if g.speculative and spec is not None:
        conf: dict[str, Any] = {"num_speculative_tokens": spec.tokens}
        if spec.method == "draft":
            conf["model"] = _draft_id(problem)
        elif spec.method == "eagle":
            # the docs run EAGLE heads without tensor parallelism of their own
            method = "eagle3" if head_format(link.head, "vllm") == "eagle3" else "eagle"
            conf |= {"method": method, "model": link.head, "draft_tensor_parallel_size": 1}
        else:  # the target's own MTP layers (checked by ServingProblem)
            conf["method"] = "deepseek_mtp"
        args += ["--speculative-config", json.dumps(conf, separators=(",", ":"))]
    if g.role != "both":
        role = "kv_producer" if g.role == "prefill" else "kv_consumer"
        kv = {
            "kv_connector": "PyNcclConnector",
            "kv_role": role,
            "kv_rank": 0 if g.role == "prefill" else 1,
            "kv_parallel_size": 2,
            "kv_port": link.kv_port,
        }
        args += ["--kv-transfer-config", json.dumps(kv, separators=(",", ":"))]
    return args, {}


def vllm_default_seqs(problem: ServingProblem, g: ReplicaGroup) -> int:
    """The ``max_num_seqs`` vLLM 0.8.5 takes for server ``g`` when no ``--max-num-seqs`` is
    given (:data:`VLLM_DEFAULT_SEQS`; the engine is the one
    :func:`~planner.serve.targets.vllm_engine` names, which the export's environment keeps).

    Parameters
    ----------
    problem
        The serving problem (GPU pools, KV precision, speculative decoding).
    g
        The plan's replica group the server belongs to.

    Returns
    -------
    int
        vLLM's default ``max_num_seqs`` for that server.
    """
    gpu = problem.pool(g.gpu).gpu
    method = problem.speculative.method if g.speculative and problem.speculative else None
    engine, _ = vllm_engine(gpu, g.pp, problem.kv_precision_name, g.role, method)
    if engine != "v1":
        return VLLM_DEFAULT_SEQS["v0"]
    large = gpu.runtime_bytes >= VLLM_LARGE_GPU_GIB * 2**30
    return VLLM_DEFAULT_SEQS["v1" if large else "v1_small"]


def vllm_max_num_seqs(problem: ServingProblem, g: ReplicaGroup) -> int:
    """The ``max_num_seqs`` a vLLM 0.8.5 server of ``g`` starts with: the plan's batch cap
    (``--max-batch``), else the engine's default, at most a colocated server's token budget.

    vLLM refuses to start when ``max_num_batched_tokens < max_num_seqs``
    (``SchedulerConfig._verify_args``: "max_num_batched_tokens (512) must be greater than or
    equal to max_num_seqs (1024)"), and a colocated server's budget is the plan's chunk.
    Capping the sequences at the budget changes no step vLLM runs: its schedulers (V1, and V0
    with chunked prefill) take one budget token per decoding sequence, so no step decodes
    more sequences than the budget holds.

    Parameters
    ----------
    problem
        The serving problem (``constraints.max_batch``).
    g
        The plan's replica group the server belongs to.

    Returns
    -------
    int
        The ``max_num_seqs`` the exported server runs with.
    """
    seqs = problem.constraints.max_batch or vllm_default_seqs(problem, g)
    if g.role == "both":
        seqs = min(seqs, g.chunk_tokens)
    return seqs


def _vllm_env(problem: ServingProblem, g: ReplicaGroup) -> dict[str, str]:
    """The environment a vLLM 0.8.5 server needs to run on the engine
    :func:`~planner.serve.targets.vllm_engine` names where its V1 oracle picks the other: V0
    for a prefill / decode server (the oracle does not see the V0 connector), V1 for EAGLE
    with chunked prefill (the oracle falls back to V0, which refuses it)."""
    if g.role != "both":
        return {"VLLM_USE_V1": "0"}
    spec = problem.speculative
    if g.speculative and spec is not None and spec.method == "eagle":
        return {"VLLM_USE_V1": "1"}
    return {}


def _sglang(
    problem: ServingProblem, g: ReplicaGroup, port: int, link: Link
) -> tuple[list[str], dict]:
    args = ["--port", str(port), "--tp-size", str(g.tp * g.ep)]
    if g.ep > 1:
        # 0.4.6 reads no --ep-size: --enable-ep-moe sets ep_size = tp_size (experts over all
        # tp * ep ranks); attention runs tp-way in ep data-parallel groups (tp_size / dp_size)
        args += ["--dp-size", str(g.ep), "--enable-dp-attention", "--enable-ep-moe"]
    # 0.4.6 divides both by dp_size under DP attention (server_args.__post_init__,
    # managers/tp_worker.py); the plan's values are per data-parallel group
    if problem.constraints.max_batch:
        args += ["--max-running-requests", str(problem.constraints.max_batch * g.ep)]
    if g.role != "decode":
        args += ["--chunked-prefill-size", str(g.chunk_tokens * g.ep)]
    if problem.constraints.kv_block_tokens != 1:
        args += ["--page-size", str(problem.constraints.kv_block_tokens)]
    if problem.traffic.prefix_hit_rate <= 0:
        args += ["--disable-radix-cache"]
    if problem.kv_precision_name == "fp8":
        args += ["--kv-cache-dtype", "fp8_e4m3"]
    quant = _quantization(problem, "sglang")
    if quant:
        args += ["--quantization", quant]
    spec = problem.speculative
    if g.speculative and spec is not None:
        if spec.method == "draft":
            raise InputError(
                f"--export sglang: SGLang {TOOLS['sglang'].version} runs EAGLE heads and "
                "MTP layers, not a separate draft model (--speculative draft)"
            )
        draft = link.head  # the EAGLE head, or NEXTN's exported MTP layers
        algorithm = "NEXTN"
        if spec.method == "eagle":
            algorithm = "EAGLE3" if head_format(draft, "sglang") == "eagle3" else "EAGLE"
        args += ["--speculative-algorithm", algorithm]
        args += ["--speculative-draft-model-path", draft]
        args += [
            "--speculative-num-steps",
            str(spec.tokens),
            "--speculative-eagle-topk",
            "1",
            "--speculative-num-draft-tokens",
            str(spec.tokens + 1),
        ]
    if g.role != "both":
        args += ["--disaggregation-mode", g.role]
    return args, {}


def _trtllm(
    problem: ServingProblem, g: ReplicaGroup, port: int, link: Link
) -> tuple[list[str], dict]:
    args = ["--port", str(port), "--backend", "pytorch", "--tp_size", str(g.tp * g.ep)]
    if g.pp > 1:
        args += ["--pp_size", str(g.pp)]
    if g.ep > 1:
        args += ["--ep_size", str(g.ep)]
    if problem.constraints.max_batch:
        args += ["--max_batch_size", str(problem.constraints.max_batch)]
    if g.role != "decode":
        args += ["--max_num_tokens", str(g.chunk_tokens)]
    yaml: dict[str, Any] = {}
    if g.ep > 1 and problem.model.is_moe:  # tp 1: layout_refusal refuses tp > 1 with ep > 1
        # the plan's attention is data-parallel over the ep ranks; without this TensorRT-LLM
        # runs it tp_size-way tensor-parallel (Llama 4 Scout tp1 ep16: 40 heads on 16 ranks)
        yaml["enable_attention_dp"] = True
    if g.role != "decode":
        yaml["enable_chunked_prefill"] = True
    kv: dict[str, Any] = {"enable_block_reuse": problem.traffic.prefix_hit_rate > 0}
    timed = problem.engine_on(problem.pool(g.gpu).gpu)
    if timed.name == "trtllm" and timed.kv_fraction:  # the KV pool the plan was sized with
        # in the YAML, not --kv_cache_free_gpu_memory_fraction: trtllm-serve lets the YAML's
        # top-level keys replace its own (a shallow merge), so this kv_cache_config, always
        # written, would reset the flag's fraction to KvCacheConfig's default 0.9
        kv["free_gpu_memory_fraction"] = timed.kv_fraction
    if problem.kv_precision_name == "fp8":
        kv["dtype"] = "fp8"
    window = attention_windows(problem)
    if window:
        kv["max_attention_window"] = window
    yaml["kv_cache_config"] = kv
    spec = problem.speculative
    if g.speculative and spec is not None:
        kind = {"eagle": "Eagle", "mtp": "MTP", "draft": "DraftTarget"}[spec.method]
        conf: dict[str, Any] = {"decoding_type": kind, "max_draft_len": spec.tokens}
        if spec.method == "mtp":
            # 1.0 counts MTP drafts in num_nextn_predict_layers (default 1), as its
            # examples/models/core/deepseek_v3/README.md configs do
            conf = {"decoding_type": kind, "num_nextn_predict_layers": spec.tokens}
        elif spec.method == "draft":
            conf["speculative_model_dir"] = _draft_id(problem)
        elif spec.method == "eagle":
            conf["speculative_model_dir"] = link.head
        yaml["speculative_config"] = conf
    if g.role != "both":
        yaml["cache_transceiver_config"] = {"backend": "default"}
    return args, yaml


_BUILDERS = {"vllm": _vllm, "sglang": _sglang, "trtllm": _trtllm}


def attention_windows(problem: ServingProblem) -> list[int] | None:
    """TensorRT-LLM's ``max_attention_window`` for a sliding-window model: one period of the
    layers' windows (``sliding_window`` on the windowed layers, the model's context on the
    full ones), which TensorRT-LLM repeats over the layers; ``None`` without
    sliding-window layers (Llama 4's chunked attention is not a sliding window). The full
    layers are spread evenly, every ``layers // full``-th one (gpt-oss alternates sliding and
    full layers, the first sliding; Gemma 3 has five sliding layers before each global one)."""
    m = problem.model
    if not m.sliding_window or m.attention_chunked:
        return None
    full = m.full_attention_layers
    if not full:
        return [m.sliding_window]
    # every period-th layer full: Gemma 3's 62 layers hold 10 global ones (period 6), whose
    # list TensorRT-LLM repeats over the layers although 62 is no multiple of 10
    period = m.layers // full
    if m.layers // period != full:
        raise InputError(
            f"--export trtllm: {m.name}'s {full} full-attention layers of {m.layers} are not "
            "every n-th layer; its max_attention_window list is not written"
        )
    return [m.sliding_window] * (period - 1) + [m.max_seq]


def _trust_args(problem: ServingProblem, tool: str) -> list[str]:
    """The tool's trust-remote-code flag for a checkpoint that carries its own code (a catalog
    model of :data:`REMOTE_CODE`, or a config whose ``auto_map`` names a config class
    transformers does not register: :attr:`~planner.perfmodel.model_spec.ModelSpec.remote_code`)."""
    m = problem.model
    return [TRUST_FLAG[tool]] if m.remote_code or m.model_type in REMOTE_CODE else []


def _window_note(problem: ServingProblem, plan: ServingPlan, tool: str, notes: list[str]) -> None:
    """Say when the plan's KV sizing (its timing engines', per pool) and ``tool``'s stated
    version treat the windowed layers' KV differently (:func:`frees_windowed_kv`)."""
    m = problem.model
    stated = Engine(tool, TOOLS[tool].version)
    engines = dict.fromkeys(problem.engine_on(problem.pool(g.gpu).gpu) for g in plan.replicas)
    for engine in engines:
        planned = frees_windowed_kv(engine, m)
        if planned == frees_windowed_kv(stated, m):
            continue
        held = "keeps the whole context" if planned else "keeps only the window"
        effect = "fewer" if planned else "more"
        kind = "chunked-attention" if m.attention_chunked else "sliding-window"
        notes.append(
            f"{tool} {stated.version} {held} on {m.name}'s {kind} layers, unlike the "
            f"engine the plan was sized for ({engine.label()}): {effect} requests fit "
            f"than planned; plan with --engine {tool}:{stated.version} to size for it"
        )


def _flow_note(problem: ServingProblem, plan: ServingPlan, tool: str, notes: list[str]) -> None:
    """Say when the plan was sized for a TensorRT-LLM release whose ``trtllm-serve`` runs
    built TensorRT engines by default (before 1.0: ``--backend`` takes only ``pytorch``, "Default
    is cpp path", docs 0.18.2 ``commands/trtllm-serve.html``) while the export writes the stated
    version's ``--backend pytorch``: the two flows keep different reserves beside the KV cache
    (:mod:`planner.perfmodel.trtllm_memory`), so the servers hold another KV pool than planned."""
    if tool != "trtllm":
        return
    stated = Engine(tool, TOOLS[tool].version)
    engines = dict.fromkeys(problem.engine_on(problem.pool(g.gpu).gpu) for g in plan.replicas)
    for engine in engines:
        if engine.name != tool or runs_pytorch_flow(engine) == runs_pytorch_flow(stated):
            continue
        notes.append(
            f"the plan was sized for {engine.label()} (TensorRT engines on the C++ runtime, "
            f"its fixed runtime reserve); these commands run {tool} {stated.version}'s PyTorch "
            "backend (--backend pytorch), which keeps another reserve beside the KV cache, so "
            f"its KV pool differs from the plan's; plan with --engine {tool}:{stated.version} "
            "to size for it"
        )


def check_engine_runs(problem: ServingProblem) -> None:
    """:class:`InputError` when the ``--engine`` version the timing assumes predates the first
    release of that engine that runs the model (:data:`FIRST_RELEASES`); no version named
    means the current release, which runs it."""
    engine, m = problem.engine, problem.model
    if engine is None:  # each vendor's default engine, at its current release
        return
    arch, first = FIRST_RELEASES.get(m.model_type, ("", {}))
    since = first.get(engine.name)
    if since is None or not engine.version:
        return
    if version_tuple(engine.version) < version_tuple(since):
        raise InputError(
            f"--engine {engine.name}:{engine.version}: {m.name} ({arch}) does not run on "
            f"{engine.name} {engine.version}; {engine.name} runs it from {since} on"
        )


def check_exportable(problem: ServingProblem, tool: str) -> None:
    """:class:`InputError` when ``tool``'s stated version cannot run ``problem`` whatever the
    plan: the model's architecture is not in its registry (:data:`FIRST_RELEASES`), the weight
    precision has no launch setting (:data:`WEIGHT_FORMATS`), SGLang is asked for a draft
    model, or the user's EAGLE head is one it cannot run on the model. Checked before the
    search, so no solve is wasted."""
    spec, m = TOOLS[check_target(tool)], problem.model
    arch, first = FIRST_RELEASES.get(m.model_type, ("", {}))
    if tool in first:
        raise InputError(
            f"--export {tool}: {m.name} ({arch}) does not run on {tool} {spec.version}, the "
            f"version the export writes commands for; {tool} runs it from {first[tool]} on "
            "(export for another tool, or write the commands for a newer release yourself)"
        )
    block = problem.constraints.kv_block_tokens
    if tool == "vllm" and block not in VLLM_BLOCK_SIZES:
        raise InputError(
            f"--export vllm: --kv-block {block}: vLLM {spec.version} pages its KV cache in "
            f"blocks of {', '.join(map(str, VLLM_BLOCK_SIZES))} tokens on CUDA GPUs"
        )
    if tool == "sglang":
        from planner.serve.candidates import chunk_choices

        chunks = {c for role in ("both", "prefill") for c in chunk_choices(problem, role)}
        if any(c % block for c in chunks):
            raise InputError(
                f"--export sglang: --kv-block {block} (SGLang's --page-size) must divide the "
                f"prefill chunk (SGLang {spec.version} asserts chunked_prefill_size % "
                f"page_size == 0), and the search chooses among {sorted(chunks)} tokens"
            )
    if problem.precision not in WEIGHT_FORMATS[tool]:
        raise InputError(
            f"--export {tool}: precision {problem.precision} has no {tool} {spec.version} "
            f"launch setting the export knows (it writes {', '.join(WEIGHT_FORMATS[tool])})"
        )
    speculative = problem.speculative
    if tool == "sglang" and speculative is not None and speculative.method == "draft":
        raise InputError(
            f"--export sglang: SGLang {spec.version} runs EAGLE heads and MTP layers, not a "
            "separate draft model (--speculative draft)"
        )
    if tool == "vllm" and speculative is not None and speculative.method == "eagle":
        head = eagle_head(problem, tool)
        llama = "llama" in m.model_type or not m.model_type  # a spec built by hand: unknown
        if head_format(head, tool) == "eagle3" and not llama:
            raise InputError(
                f"--export vllm: vLLM {spec.version} runs EAGLE-3 heads ({head}) on Llama "
                f"models only, not {m.name}"
            )


def launchable(problem: ServingProblem, tool: str) -> ServingProblem:
    """``problem`` restricted to plans ``tool``'s stated version can start, so the search
    returns one: the constraint ``target`` excludes every layout
    :func:`~planner.serve.targets.layout_refusal` refuses (the export refuses the same), and
    for vLLM pairs prefill and decode servers one to one by workload and layout
    (``pd_pairs``, :func:`_vllm_pairs`). Raises as :func:`check_exportable`."""
    check_exportable(problem, tool)
    # warnings anew: the target's engine leaves pools out, and a pool left out is not "unpriced"
    meta = {k: v for k, v in problem.meta.items() if k != "warnings"}
    return replace(problem, constraints=replace(problem.constraints, target=tool), meta=meta)


#: Least time left (seconds) for which :func:`restriction_effect` runs its second search.
MIN_RESTRICTION_CHECK_S = 0.5


def restriction_effect(
    problem: ServingProblem, result: Any, *, time_limit: float, threads: int = 1
) -> dict[str, Any] | None:
    """What limiting the search to the export target's launchable plans (:func:`launchable`)
    cost, when it cost anything: ``None`` when the target excludes no layout the search would
    consider (nor pairs vLLM's servers), or when the search without the restriction (run
    here, within ``time_limit``) finds nothing better than ``result``. Otherwise a dict:
    ``target``, ``objective`` (with the restriction, ``None`` without a plan),
    ``objective_without``, ``replicas_without`` (that plan's groups), ``excluded`` (its
    groups the target refuses, with the reason) and ``message`` (one line). ``time_limit`` is
    what the caller has left: below :data:`MIN_RESTRICTION_CHECK_S` the search without the
    restriction is not run and the dict says so (``checked`` false)."""
    from planner.serve.api import solve
    from planner.serve.candidates import layouts

    c = problem.constraints
    target = c.target
    if target is None:
        return None
    prefix = refusal_prefix(target)
    excludes = any(lay.reason.startswith(prefix) for lay in layouts(problem))
    paired = target == "vllm" and c.pd_pairs
    if not excludes and not paired:
        return None
    if time_limit < MIN_RESTRICTION_CHECK_S:  # the plan's own search spent the time limit
        return {
            "target": target,
            "checked": False,
            "message": (
                f"--export {target}: the search offered only plans {label(target)} launches; "
                "whether that cost anything was not checked (the time limit was spent)"
            ),
        }
    free = replace(
        problem,
        constraints=replace(c, target=None, pd_pairs=c.pd_pairs and target != "vllm"),
    )
    other = solve(free, "auto", time_limit=time_limit, threads=threads)
    best = getattr(result, "objective", None)
    if other.solution is None or other.objective is None:
        return None
    if best is not None and other.objective >= best - 1e-9 * max(1.0, abs(best)):
        return None
    excluded = {}
    for g in other.solution.replicas:
        why = group_refusal(problem, g, target)
        if why:
            excluded[g.label()] = why[len(prefix) :]
    if paired and not excluded:
        try:
            _vllm_pairs(other.solution)
        except InputError:
            excluded["prefill / decode servers"] = (
                "not in 1:1 pairs of one layout, which vLLM's PyNcclConnector links"
            )
    if not excluded:
        # the target launches that plan too: the restricted search did not reach it within
        # its time limit, which is no cost of the restriction
        return None
    unit = "USD/h" if problem.objective == "cost" else "(minus output tokens/s)"
    now = "no plan" if best is None else f"{best:.4g} {unit}"
    groups = " + ".join(g.label() for g in other.solution.replicas)
    message = (
        f"--export {target}: the search offered only plans {label(target)} launches ({now}); "
        f"without that restriction the plan would be {other.objective:.4g} {unit} ({groups}), "
        "which it cannot launch: " + "; ".join(f"{k}: {v}" for k, v in excluded.items())
    )
    return {
        "target": target,
        "checked": True,
        "objective": best,
        "objective_without": other.objective,
        "status_without": other.status.value,
        "replicas_without": [g.label() for g in other.solution.replicas],
        "excluded": excluded,
        "message": message,
    }


def _yaml_text(data: dict[str, Any], indent: int = 0) -> str:
    """A small YAML writer for the nested mappings of the options file."""
    lines = []
    for key, value in data.items():
        pad = "  " * indent
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.append(_yaml_text(value, indent + 1))
        elif isinstance(value, bool):
            lines.append(f"{pad}{key}: {'true' if value else 'false'}")
        else:
            lines.append(f"{pad}{key}: {value}")
    return "\n".join(lines)


def _vllm_pairs(plan: ServingPlan) -> list[int | None]:
    """The PyNccl pair of each server of ``plan`` (``None``: colocated).

    vLLM 0.8.5's ``SimpleConnector`` sends each worker rank's KV to the same rank of the
    other server (two pipes per rank from ``kv_port``), so a pair needs one prefill and one
    decode server of the same layout and workload; a plan that cannot be paired so is
    refused.
    """
    servers = [g for g in plan.replicas for _ in range(g.count)]
    # a pair serves one workload: its prefill server's KV goes to its own decode server
    free: dict[tuple[Any, ...], list[int]] = {}
    pairs: list[int | None] = []
    n_pre = 0
    for g in servers:  # prefill servers first, whatever the order of the groups
        if g.role == "prefill":
            free.setdefault((g.workload, g.tp, g.pp, g.ep), []).append(n_pre)
            n_pre += 1
    n_dec = sum(1 for g in servers if g.role == "decode")
    prefill_index = 0
    for g in servers:
        if g.role == "prefill":
            pairs.append(prefill_index)
            prefill_index += 1
        elif g.role == "decode":
            left = free.get((g.workload, g.tp, g.pp, g.ep), [])
            pairs.append(left.pop(0) if left else -1)
        else:
            pairs.append(None)
    if n_pre != n_dec or -1 in pairs:
        split = ", ".join(g.label() for g in plan.replicas if g.role != "both")
        raise InputError(
            f"--export vllm: the plan has {n_pre} prefill : {n_dec} decode servers ({split}), "
            f"but vLLM {TOOLS['vllm'].version}'s PyNcclConnector links one prefill server "
            "with one decode server of the same workload and tp / pp / ep (kv_rank 0 / 1 of "
            "kv_parallel_size 2, rank to rank); export this plan for sglang or trtllm"
        )
    return pairs


def router_weights(plan: ServingPlan) -> list[float]:
    """The share of requests each server of ``plan`` takes, in the order of the commands.

    A server's load is its group's ``load_qps`` over its ``count``. New requests go to the
    colocated and prefill servers of their workload, prefilled ones to its decode servers:
    each server's weight is its load over the load of its workload's stage, so the weights
    of a stage add up to 1 (equal shares when the plan routes no load, e.g. a stage that
    only exists to be paired).
    """
    servers = [g for g in plan.replicas for _ in range(g.count)]

    def stage(g: ReplicaGroup) -> tuple[str, str]:
        return g.workload, "decode" if g.role == "decode" else "requests"

    totals: dict[tuple[str, str], float] = {}
    sizes: dict[tuple[str, str], int] = {}
    for g in servers:
        totals[stage(g)] = totals.get(stage(g), 0.0) + g.load_qps / g.count
        sizes[stage(g)] = sizes.get(stage(g), 0) + 1
    return [
        g.load_qps / g.count / totals[stage(g)] if totals[stage(g)] > 0 else 1 / sizes[stage(g)]
        for g in servers
    ]


def _router(
    plan: ServingPlan, commands: list[dict[str, Any]], tool: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The export's ``router`` entries (one per workload and stage) and the notes that say
    them where a stage's weights differ (two replica types, or one group loaded less)."""
    weights = router_weights(plan)
    servers = [g for g in plan.replicas for _ in range(g.count)]
    stages: dict[tuple[str, str], list[int]] = {}
    for i, g in enumerate(servers):
        key = (g.workload, "decode" if g.role == "decode" else "requests")
        stages.setdefault(key, []).append(i)
    router, notes = [], []
    for (workload, kind), members in stages.items():
        entry: dict[str, Any] = {"stage": kind}
        if workload:
            entry["workload"] = workload
        entry["servers"] = [
            {"port": commands[i]["port"], "weight": round(weights[i], 6)} for i in members
        ]
        router.append(entry)
        if len({round(weights[i], 6) for i in members}) < 2:
            continue  # equal shares: any round-robin balancer does it
        if kind == "decode" and tool == "vllm":
            continue  # the proxy sends a request to its prefill server's pair
        parts, seen = [], []
        for i in members:  # one phrase per group: its ports and their weight each
            group = servers[i]
            if any(group is s for s in seen):
                continue
            seen.append(group)
            ports = [commands[j]["port"] for j in members if servers[j] is group]
            each = " each" if len(ports) > 1 else ""
            parts.append(f"{', '.join(map(str, ports))}: {weights[i]:.4f}{each} ({group.label()})")
        what = "prefilled requests to the decode servers" if kind == "decode" else "requests"
        where = f" of {workload}" if workload else ""
        notes.append(
            f"router: split the {what}{where} by weight, the plan's traffic split (no flag of "
            f"these {tool} commands takes it; give it to the load balancer in front, e.g. "
            f"nginx upstream weights): port {'; port '.join(parts)}"
        )
    return router, notes


def export_plan(problem: ServingProblem, plan: ServingPlan, tool: str) -> dict[str, Any]:
    """Launch commands of ``plan`` for ``tool`` (``vllm``, ``sglang`` or ``trtllm``).

    Returns
    -------
    dict
        ``tool``, ``version``, ``doc``, ``notes`` (what the user must add before the
        commands start: an EAGLE head, the proxy in front of prefill / decode pairs, the
        router's weights where they differ), ``commands``: one entry per server with the
        group's ``label``, ``role``, ``gpus``, ``port``, ``weight`` (its share of the
        requests of its stage, :func:`router_weights`), ``argv`` (list), ``shell`` (one
        line) and, for TensorRT-LLM, the ``extra_llm_api_options`` YAML text (vLLM
        prefill / decode servers also carry their ``pair``), and ``router``: per workload
        and stage (``requests``: colocated and prefill servers; ``decode``) the ``port``
        and ``weight`` of each server.
    """
    check_exportable(problem, tool)
    for g in plan.replicas:  # the layouts the search excludes for this tool (launchable)
        why = group_refusal(problem, g, tool)
        if why:
            raise InputError(f"--export {tool}: {g.label()}: {why}")
    spec = TOOLS[tool]
    model, known = checkpoint(problem.model.name, problem.model.source)
    notes: list[str] = []
    _window_note(problem, plan, tool, notes)
    _flow_note(problem, plan, tool, notes)
    if not known:
        notes.append(
            f"the planner knows no checkpoint of {model}: replace the model in the commands "
            "with its Hugging Face id or path"
        )
    speculative = problem.speculative
    used = any(g.speculative for g in plan.replicas)
    if speculative is not None and speculative.method == "draft" and used:
        draft, known = checkpoint(speculative.draft_model or "")
        if not known:
            notes.append(
                f"the planner knows no checkpoint of the draft model {draft}: replace it in "
                "the commands with its Hugging Face id or path"
            )
    head = None
    if speculative is not None and speculative.method == "eagle" and used:
        head = eagle_head(problem, tool)
        if head is None:
            head = HEAD_PLACEHOLDER
            fmt = FORMAT_NAMES[HEAD_FORMAT[tool]]
            notes.append(
                f"the EAGLE commands need a head model: the planner knows no published "
                f"{fmt} head of {problem.model.name} (the format {tool} {spec.version} "
                f"runs); replace {HEAD_PLACEHOLDER} with its Hugging Face id or path, or "
                "give --draft-model"
            )
    if speculative is not None and speculative.method == "mtp" and used and tool == "sglang":
        head = _nextn_checkpoint(problem, notes)
    _quantization_notes(problem, tool, notes)
    unchecked = architecture_note(problem.model, f"{spec.name} {spec.version}")
    if unchecked:  # a user's config of an architecture no tool was checked for
        notes.append(unchecked)
    capped = [g.label() for g in plan.replicas if g.speculative]
    if tool == "sglang" and capped and not problem.constraints.max_batch:
        notes.append(
            f"{', '.join(capped)}: SGLang {spec.version} caps an EAGLE / NEXTN server at 48 "
            "running requests when --max-running-requests is not given (server_args); the plan "
            "assumes no cap: give the batch cap you plan with (--max-batch)"
        )
    eager = [g.label() for g in plan.replicas if tool == "vllm" and g.ep > 1]
    if eager:
        notes.append(
            f"{', '.join(eager)}: vLLM {spec.version} runs data-parallel engines without CUDA "
            "graphs (platforms/cuda.py: enforce_eager when data_parallel_size > 1); the plan's "
            "decode steps assume graph replays"
        )
    budget = [
        g.label()
        for g in plan.replicas
        if tool == "vllm"
        and g.role == "both"
        and g.chunk_tokens < (problem.constraints.max_batch or vllm_default_seqs(problem, g))
    ]
    if budget:
        notes.append(
            f"{', '.join(budget)}: --max-num-seqs is the chunk (--max-num-batched-tokens): "
            f"vLLM {spec.version} refuses to start with a token budget below max_num_seqs "
            f"(SchedulerConfig._verify_args), and its scheduler spends one budget token per "
            "decoding sequence, so no step decodes more sequences than the chunk"
        )
    pairs = _vllm_pairs(plan) if tool == "vllm" else []
    n_pairs = sum(p is not None for p in pairs) // 2
    if n_pairs:
        notes.append(
            f"{n_pairs} prefill / decode pair(s), each linked by PyNcclConnector on its own "
            "kv_port (set kv_ip to the prefill server's address when a pair spans hosts); "
            "a proxy sends each request to a pair's prefill server with max_tokens=1, then "
            "to its decode server (vLLM benchmarks/disagg_benchmarks/"
            "disagg_prefill_proxy_server.py)"
        )
    commands = []
    port = BASE_PORT
    # a shared fleet's server is built from its own workload's traffic (prefix caching, the
    # longest context): the fleet's ``traffic`` is its first workload's
    part_of = dict(problem.parts()) if problem.shared else {}
    for g in plan.replicas:
        served = part_of.get(g.workload, problem)
        for _ in range(g.count):
            pair = pairs[len(commands)] if pairs else None
            link = Link(head, KV_PORT + KV_PORT_STEP * (pair or 0))
            args, yaml = _BUILDERS[tool](served, g, port, link)
            args = [*args, *_trust_args(problem, tool)]
            head_args = [*spec.program, "--model-path", model] if tool == "sglang" else None
            argv = head_args if head_args is not None else [*spec.program, model]
            entry: dict[str, Any] = {
                "label": g.label(),
                "role": g.role,
                "gpus": g.gpus_per_replica,
                "port": port,
            }
            if pair is not None:
                entry["pair"] = pair
            if yaml:
                path = f"extra-options-{port}.yaml"
                args = [*args, "--extra_llm_api_options", path]
                entry["extra_llm_api_options"] = _yaml_text(yaml) + "\n"
            entry["argv"] = [*argv, *args]
            entry["shell"] = shlex.join(entry["argv"])
            env = _vllm_env(served, g) if tool == "vllm" else {}
            if env:  # the engine the oracle would not pick (vllm_engine)
                entry["env"] = env
                entry["shell"] = shlex.join([f"{k}={v}" for k, v in env.items()]) + " "
                entry["shell"] += shlex.join(entry["argv"])
            commands.append(entry)
            port += 1
    for entry, weight in zip(commands, router_weights(plan), strict=True):
        entry["weight"] = round(weight, 6)
    router, router_notes = _router(plan, commands, tool)
    return {
        "tool": tool,
        "version": spec.version,
        "doc": spec.doc,
        "notes": [*notes, *router_notes],
        "commands": commands,
        "router": router,
    }


__all__ = [
    "EAGLE_HEADS",
    "FIRST_RELEASES",
    "HEAD_FORMAT",
    "HEAD_PLACEHOLDER",
    "HF_IDS",
    "TOOLS",
    "ToolSpec",
    "check_exportable",
    "checkpoint",
    "eagle_head",
    "export_plan",
    "head_format",
    "launchable",
    "restriction_effect",
    "router_weights",
    "vllm_default_seqs",
    "vllm_max_num_seqs",
]
