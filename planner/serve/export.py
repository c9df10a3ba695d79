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
--dp-size ep --enable-dp-attention --ep-size tp*ep``; TensorRT-LLM ``--tp_size tp*ep
--ep_size ep``); prefill / decode replicas use each tool's KV-transfer setting (vLLM's
``PyNcclConnector``, SGLang's ``--disaggregation-mode``, TensorRT-LLM's cache
transceiver; the router / proxy in front is not generated). SGLang's stated version has no
pipeline-parallel flag, so a plan with ``pp > 1`` cannot be exported for it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from planner.core.errors import InputError
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem


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
        "0.8.5",
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
                "--block-size",
                "--enable-prefix-caching",
                "--kv-cache-dtype",
                "--quantization",
                "--speculative-config",
                "--kv-transfer-config",
            }
        ),
    ),
    "sglang": ToolSpec(
        "sglang",
        "0.4.6",
        "https://docs.sglang.ai/backend/server_arguments.html",
        ("python", "-m", "sglang.launch_server"),
        frozenset(
            {
                "--model-path",
                "--host",
                "--port",
                "--tp-size",
                "--dp-size",
                "--ep-size",
                "--enable-dp-attention",
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
            }
        ),
    ),
    "trtllm": ToolSpec(
        "trtllm",
        "1.0.0",
        "https://nvidia.github.io/TensorRT-LLM/1.0.0/commands/trtllm-serve/trtllm-serve.html",
        ("trtllm-serve",),
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
            }
        ),
        frozenset(
            {
                "enable_chunked_prefill",
                "kv_cache_config",
                "speculative_config",
                "cache_transceiver_config",
            }
        ),
    ),
}

#: Hugging Face ids of the catalog models (other models are named as given).
HF_IDS = {
    "llama-3.1-8b": "meta-llama/Llama-3.1-8B-Instruct",
    "llama-3.1-70b": "meta-llama/Llama-3.1-70B-Instruct",
    "llama-3.1-405b": "meta-llama/Llama-3.1-405B-Instruct",
    "mixtral-8x7b": "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "qwen2.5-72b": "Qwen/Qwen2.5-72B-Instruct",
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
}

BASE_PORT = 8000


def _quantization(precision: str) -> str | None:
    """The weight-quantization method a server is told (``None``: the checkpoint's dtype)."""
    return {"fp8": "fp8", "int4": "awq", "awq": "awq", "gptq": "gptq"}.get(precision)


def _vllm(problem: ServingProblem, g: ReplicaGroup, port: int) -> tuple[list[str], dict]:
    args = ["--port", str(port), "--tensor-parallel-size", str(g.tp)]
    if g.pp > 1:
        args += ["--pipeline-parallel-size", str(g.pp)]
    if g.ep > 1:
        args += ["--data-parallel-size", str(g.ep), "--enable-expert-parallel"]
    if problem.constraints.max_batch:
        args += ["--max-num-seqs", str(problem.constraints.max_batch)]
    if g.role != "decode":
        args += ["--enable-chunked-prefill", "--max-num-batched-tokens", str(g.chunk_tokens)]
    if problem.constraints.kv_block_tokens != 16:
        args += ["--block-size", str(problem.constraints.kv_block_tokens)]
    if problem.traffic.prefix_hit_rate > 0:
        args += ["--enable-prefix-caching"]
    if problem.kv_precision_name == "fp8":
        args += ["--kv-cache-dtype", "fp8"]
    quant = _quantization(problem.precision)
    if quant:
        args += ["--quantization", quant]
    spec = problem.speculative
    if g.speculative and spec is not None:
        conf: dict[str, Any] = {"num_speculative_tokens": spec.tokens}
        if spec.method == "draft":
            conf["model"] = spec.draft_model
        else:
            conf["method"] = "eagle" if spec.method == "eagle" else "deepseek_mtp"
        args += ["--speculative-config", json.dumps(conf, separators=(",", ":"))]
    if g.role != "both":
        role = "kv_producer" if g.role == "prefill" else "kv_consumer"
        kv = {"kv_connector": "PyNcclConnector", "kv_role": role}
        args += ["--kv-transfer-config", json.dumps(kv, separators=(",", ":"))]
    return args, {}


def _sglang(problem: ServingProblem, g: ReplicaGroup, port: int) -> tuple[list[str], dict]:
    if g.pp > 1:
        raise InputError(
            f"--export sglang: {g.label()} uses pipeline parallelism, which SGLang "
            f"{TOOLS['sglang'].version} has no flag for"
        )
    args = ["--port", str(port), "--tp-size", str(g.tp * g.ep)]
    if g.ep > 1:
        args += ["--dp-size", str(g.ep), "--enable-dp-attention", "--ep-size", str(g.tp * g.ep)]
    if problem.constraints.max_batch:
        args += ["--max-running-requests", str(problem.constraints.max_batch)]
    if g.role != "decode":
        args += ["--chunked-prefill-size", str(g.chunk_tokens)]
    if problem.constraints.kv_block_tokens != 1:
        args += ["--page-size", str(problem.constraints.kv_block_tokens)]
    if problem.traffic.prefix_hit_rate <= 0:
        args += ["--disable-radix-cache"]
    if problem.kv_precision_name == "fp8":
        args += ["--kv-cache-dtype", "fp8_e4m3"]
    quant = _quantization(problem.precision)
    if quant:
        args += ["--quantization", quant]
    spec = problem.speculative
    if g.speculative and spec is not None:
        algo = {"eagle": "EAGLE", "mtp": "NEXTN", "draft": "EAGLE"}[spec.method]
        args += ["--speculative-algorithm", algo]
        if spec.method == "draft" and spec.draft_model:
            args += ["--speculative-draft-model-path", spec.draft_model]
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


def _trtllm(problem: ServingProblem, g: ReplicaGroup, port: int) -> tuple[list[str], dict]:
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
    if g.role != "decode":
        yaml["enable_chunked_prefill"] = True
    kv: dict[str, Any] = {"enable_block_reuse": problem.traffic.prefix_hit_rate > 0}
    if problem.kv_precision_name == "fp8":
        kv["dtype"] = "fp8"
    yaml["kv_cache_config"] = kv
    spec = problem.speculative
    if g.speculative and spec is not None:
        kind = {"eagle": "Eagle", "mtp": "MTP", "draft": "DraftTarget"}[spec.method]
        conf: dict[str, Any] = {"decoding_type": kind, "max_draft_len": spec.tokens}
        if spec.method == "draft" and spec.draft_model:
            conf["speculative_model_dir"] = spec.draft_model
        yaml["speculative_config"] = conf
    if g.role != "both":
        yaml["cache_transceiver_config"] = {"backend": "default"}
    return args, yaml


_BUILDERS = {"vllm": _vllm, "sglang": _sglang, "trtllm": _trtllm}


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


def export_plan(problem: ServingProblem, plan: ServingPlan, tool: str) -> dict[str, Any]:
    """Launch commands of ``plan`` for ``tool`` (``vllm``, ``sglang`` or ``trtllm``).

    Returns
    -------
    dict
        ``tool``, ``version``, ``doc`` and ``commands``: one entry per server with the
        group's ``label``, ``role``, ``gpus``, ``port``, ``argv`` (list), ``shell`` (one
        line) and, for TensorRT-LLM, the ``extra_llm_api_options`` YAML text.
    """
    if tool not in TOOLS:
        raise InputError(f"--export must be one of {', '.join(TOOLS)}, got {tool!r}")
    spec = TOOLS[tool]
    model = HF_IDS.get(problem.model.name, problem.model.name)
    commands = []
    port = BASE_PORT
    for g in plan.replicas:
        for _ in range(g.count):
            args, yaml = _BUILDERS[tool](problem, g, port)
            head = [*spec.program, "--model-path", model] if tool == "sglang" else None
            argv = head if head is not None else [*spec.program, model]
            entry: dict[str, Any] = {
                "label": g.label(),
                "role": g.role,
                "gpus": g.gpus_per_replica,
                "port": port,
            }
            if yaml:
                path = f"extra-options-{port}.yaml"
                args = [*args, "--extra_llm_api_options", path]
                entry["extra_llm_api_options"] = _yaml_text(yaml) + "\n"
            entry["argv"] = [*argv, *args]
            entry["shell"] = shlex.join(entry["argv"])
            commands.append(entry)
            port += 1
    return {"tool": tool, "version": spec.version, "doc": spec.doc, "commands": commands}


__all__ = ["HF_IDS", "TOOLS", "ToolSpec", "export_plan"]
