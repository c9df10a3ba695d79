"""Read an existing launch (``plan train --from megatron ARGS.txt``): the inverse of ``--export``.

Each reader takes the text that :mod:`planner.train.export` writes for a
format (Megatron-LM arguments, NeMo overrides, a DeepSpeed config JSON, a
torchtitan TOML) and returns the choices it fixes (``--fix`` keys), the
workload it states (global batch, sequence length), the GPUs it runs on, and
framework settings. Keys outside the format's list (:data:`export.KEYS`, plus
the model-shape arguments of Megatron, which are checked against ``--model``, and
:data:`MEGATRON_NEWER`, arguments of Megatron-Core releases after the export's)
are errors naming the key, so a typo never passes silently. What a format
cannot express (torchtitan's virtual stages, DeepSpeed's recompute
granularity, NeMo's recompute and ZeRO) is left to the planner and said in
``notes``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import loads_json, loads_toml, read_text
from planner.perfmodel.options import DISPATCHERS, FLEX_BACKENDS
from planner.train.export import FORMATS, KEYS
from planner.train.instance import MAX_GLOBAL_BATCH, MAX_SEQ_LEN
from planner.train.launch_keys import (
    ADAM_FAMILY,
    DEEPSPEED_UNPRICED_PREFIXES,
    TORCHTITAN_UNPRICED_SECTIONS,
    deepspeed_unpriced,
    megatron_unpriced,
    torchtitan_unpriced,
    unpriced_note,
)
from planner.train.step_time import chunk_layers

#: Megatron model-shape arguments accepted in a launch and checked against the model.
MEGATRON_SHAPE = {
    "--num-layers": "layers",
    "--hidden-size": "hidden",
    "--num-attention-heads": "heads",
    "--ffn-hidden-size": "ffn",
    "--num-query-groups": "kv_heads",
    "--kv-channels": "head_dim",
    "--vocab-size": "vocab",
}
#: Megatron model flags checked against the model when given (the attribute and its value).
MEGATRON_MODEL_FLAGS = {
    "--swiglu": ("gated_mlp", True),
    "--untie-embeddings-and-output-weights": ("tied_embeddings", False),
    "--disable-bias-linear": ("linear_bias", False),
}
#: Megatron arguments the reader prices beyond the ones the export writes (read_megatron).
MEGATRON_READ = (
    "--hidden-dropout",
    "--grad-reduce-in-bf16",
    "--cross-entropy-loss-fusion",
    "--fp8-param-gather",
    "--fp16",
    "--step-batch-size-schedule",
)
#: Arguments of Megatron-Core releases newer than the export's (core_v0.15.3) read in a launch.
MEGATRON_NEWER = ("--moe-flex-dispatcher-backend",)  # core >= 0.16


@dataclass
class Launch:
    """What a launch file fixes.

    Attributes
    ----------
    fmt, source
        The format and the file (for messages).
    fixed
        ``--fix`` choices (:data:`planner.train.fixes.FIX_KEYS` values).
    global_batch, seq_len
        The workload, when the file states it.
    world
        GPUs the launch runs on, when the file states it (NeMo).
    all_gpus
        The data-parallel size is whatever the GPUs leave (Megatron, NeMo).
    first_last
        Megatron / torchtitan uneven stages: layers of the first and last stage
        (the middle ones equal), resolved against the model by :func:`stage_layers`.
    split
        Megatron-Core's ``--pipeline-model-parallel-layout``: layers per pipeline rank (the
        sum over its virtual stages); checked against the model by :func:`problem_args`.
    layout_mtp
        MTP layers ``m`` of that layout (checked against the model's by :func:`check_model`).
    layers_per_stage
        torchtitan's ``pipeline_parallel_layers_per_stage`` of a looped schedule: the virtual
        stages per rank, resolved against the model by :func:`problem_args`.
    even_default
        The file states no stage split and its framework then builds equal stages: Megatron-Core
        without first/last stage counts or a layout (``get_num_layers_to_build`` asserts
        ``num_layers % pipeline_model_parallel_size == 0`` and gives each rank the quotient),
        NeMo (which runs Megatron-Core and writes no split), DeepSpeed (``PipelineModule``'s
        partition as priced, ``frameworks.PROFILES``).
    constraints, software
        Other problem settings (``overlap_grad_reduce``, ``precision``) and
        :class:`~planner.perfmodel.options.Software` fields.
    shape
        Model-shape values stated by the file (checked by :func:`check_model`).
    model_flags
        Megatron model flags the file gives, with the model attribute and value each implies
        (checked by :func:`check_model`).
    notes
        What the file leaves open or the planner does not model.
    """

    fmt: str
    source: str
    fixed: dict[str, Any] = field(default_factory=dict)
    global_batch: int | None = None
    seq_len: int | None = None
    world: int | None = None
    all_gpus: bool = False
    first_last: tuple[int, int] | None = None
    split: tuple[int, ...] | None = None
    layout_mtp: int | None = None
    layers_per_stage: int | None = None
    even_default: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    software: dict[str, Any] = field(default_factory=dict)
    shape: dict[str, int] = field(default_factory=dict)
    model_flags: dict[str, tuple[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"{where}: {key} must be an integer, got {value!r}")
    try:
        out = int(str(value))
    except ValueError:
        raise InputError(f"{where}: {key} must be an integer, got {value!r}") from None
    if out < 0 or (out == 0 and not key.endswith("less_layers")):
        raise InputError(f"{where}: {key} must be positive, got {value!r}")
    return out


def _bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    low = str(value).strip().lower()
    if low in ("true", "1", "on"):
        return True
    if low in ("false", "0", "off"):
        return False
    raise InputError(f"{where}: {key} must be true or false, got {value!r}")


def _unknown(key: str, fmt: str, where: str, extra: tuple[str, ...] = ()) -> InputError:
    known = sorted({*KEYS[fmt], *extra})
    return InputError(f"{where}: unknown {fmt} setting {key!r} (known: {', '.join(known)})")


# ---------------------------------------------------------------------------
# Megatron-LM
# ---------------------------------------------------------------------------


#: Largest ``*N`` of a pipeline layout read (a model has at most a few hundred layers).
MAX_LAYOUT_REPEAT = 100_000


def parse_layout(text: str, pp: int, where: str) -> list[list[str]]:
    """Megatron-Core's ``--pipeline-model-parallel-layout`` as the layers of each virtual stage
    in model order (``E``, ``t``, ``m``, ``L``), checked as core_v0.14.0's
    ``PipelineParallelLayerLayout`` checks it (stage count a multiple of ``pp``, the embedding
    first and the loss last, once each, no decoder layer after an MTP layer).

    Raises
    ------
    InputError
        A malformed layout, named with ``where``.
    """
    flat = text.replace(",", "")
    counts = [int(n) for n in re.findall(r"\*(\d+)", flat)]
    if any(n > MAX_LAYOUT_REPEAT for n in counts):
        raise InputError(
            f"{where}: --pipeline-model-parallel-layout {text!r}: a repeat count over "
            f"{MAX_LAYOUT_REPEAT}"
        )
    for pattern in (r"\(([^)]+)\)\*(\d+)", r"(.)\*(\d+)"):  # Megatron's own unrolling order
        # nested repeats multiply: size the unrolled text before building it (was a MemoryError)
        size = len(flat) + sum(
            len(m.group(1)) * int(m.group(2)) - len(m.group(0)) for m in re.finditer(pattern, flat)
        )
        if size > MAX_LAYOUT_REPEAT:
            raise InputError(
                f"{where}: --pipeline-model-parallel-layout {text!r}: unrolls to over "
                f"{MAX_LAYOUT_REPEAT} characters"
            )
        flat = re.sub(pattern, lambda m: m.group(1) * int(m.group(2)), flat)
    stages = [list(stage) for stage in flat.split("|")]
    layers = [c for stage in stages for c in stage]
    bad = sorted(set(layers) - set("EtmL"))
    problem = ""
    if bad:
        problem = f"unknown layer characters {bad} (E, t, m, L)"
    elif len(stages) % pp:
        problem = f"{len(stages)} virtual stages are not a multiple of the {pp} pipeline ranks"
    elif layers[:1] != ["E"] or layers[-1:] != ["L"] or layers.count("E") + layers.count("L") != 2:
        problem = "the embedding E must come first and the loss L last, once each"
    elif "m" in layers and "t" in layers[layers.index("m") :]:
        problem = "decoder layers t must come before the MTP layers m"
    if problem:
        raise InputError(f"{where}: --pipeline-model-parallel-layout {text!r}: {problem}")
    return stages


def _read_layout(out: Launch, text: str, args: dict[str, Any], where: str) -> None:
    """Pins the ranks' layers and the virtual stages of a Megatron pipeline layout."""
    clash = [
        k
        for k in (
            "--num-virtual-stages-per-pipeline-rank",
            "--decoder-first-pipeline-num-layers",
            "--decoder-last-pipeline-num-layers",
        )
        if k in args
    ]
    if clash:  # Megatron-Core asserts it (arguments.py, TransformerConfig)
        raise InputError(
            f"{where}: --pipeline-model-parallel-layout cannot be combined with {clash[0]}"
        )
    pp = out.fixed["pp"]
    stages = parse_layout(text, pp, where)
    v = len(stages) // pp
    out.fixed["interleave"] = v
    out.layout_mtp = sum(stage.count("m") for stage in stages)
    if pp > 1:
        out.split = tuple(sum(stage.count("t") for stage in stages[j::pp]) for j in range(pp))
        if 0 in out.split:  # was "constraints: stage_layers entry ...", naming neither
            raise InputError(
                f"{where}: --pipeline-model-parallel-layout {text!r}: pipeline rank "
                f"{out.split.index(0)} holds no decoder layer t"
            )
        chunks = [[stages[k * pp + j].count("t") for k in range(v)] for j in range(pp)]
        if chunks != chunk_layers(out.split, v):
            out.notes.append(
                "the layout's chunks differ from the planner's (as even as possible): its "
                "layers per rank are pinned, the chunks priced the planner's way"
            )


def read_megatron(text: str, where: str) -> Launch:
    """Megatron-LM ``pretrain_gpt.py`` arguments (``--key value`` / ``--flag``, any layout)."""
    try:
        tokens = shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError as exc:
        raise InputError(f"{where}: malformed argument list ({exc})") from None
    args: dict[str, Any] = {}
    skipped: list[str] = []
    i = 0
    while i < len(tokens):
        key = tokens[i]
        if not key.startswith("--"):
            raise InputError(
                f"{where}: malformed argument {key!r} (expected --name: the pretrain_gpt.py "
                "arguments, not a shell script)"
            )
        if "=" in key:
            key, _sep, value = key.partition("=")
            i += 1
        elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            value, i = tokens[i + 1], i + 2
        else:
            value, i = True, i + 1
        if key in args or key in skipped:
            raise InputError(f"{where}: argument {key!r} given twice")
        if megatron_unpriced(key):
            skipped.append(key)
            continue
        if key not in KEYS["megatron"] and key not in _MEGATRON_OTHER:
            raise _unknown(key, "megatron", where, _MEGATRON_OTHER)
        args[key] = value
    out = Launch("megatron", where, all_gpus=True)
    if skipped:
        out.notes.append(unpriced_note(skipped))
    _megatron_training(out, args, where)
    f = out.fixed
    sizes = {
        "--tensor-model-parallel-size": "tp",
        "--pipeline-model-parallel-size": "pp",
        "--context-parallel-size": "cp",
        "--expert-model-parallel-size": "ep",
        "--num-virtual-stages-per-pipeline-rank": "interleave",
        "--micro-batch-size": "microbatch",
    }
    for key, name in sizes.items():
        f[name] = _int(args[key], key, where) if key in args else 1
    if "--micro-batch-size" not in args:
        del f["microbatch"]  # Megatron's default is 1, but a launch without it leaves it open
    for key, attr in MEGATRON_SHAPE.items():
        if key in args:
            out.shape[attr] = _int(args[key], key, where)
    if "--global-batch-size" in args:
        out.global_batch = _int(args["--global-batch-size"], "--global-batch-size", where)
    if "--seq-length" in args:
        out.seq_len = _int(args["--seq-length"], "--seq-length", where)
    # Megatron's default expert TP is the TP size (megatron/training/arguments.py)
    etp = args.get("--expert-tensor-parallel-size")
    f["expert_tp"] = f["tp"] if etp is None else _int(etp, "--expert-tensor-parallel-size", where)
    if f["expert_tp"] != f["tp"]:
        out.constraints["search_expert_tp"] = True  # the open problem holds the launch's own
    first = args.get("--decoder-first-pipeline-num-layers")
    last = args.get("--decoder-last-pipeline-num-layers")
    layout = args.get("--pipeline-model-parallel-layout")
    if layout is not None:
        _read_layout(out, str(layout), args, where)
    elif (first is None) != (last is None):
        out.notes.append("only one of the first/last stage layer counts given: split left open")
    elif first is None:
        out.even_default = True  # Megatron-Core's default split
    else:
        out.first_last = (
            _int(first, "--decoder-first-pipeline-num-layers", where),
            _int(last, "--decoder-last-pipeline-num-layers", where),
        )
    flags = {
        k: _bool(args[k], k, where)
        for k in (
            "--sequence-parallel",
            "--use-distributed-optimizer",
            "--overlap-grad-reduce",
            "--overlap-param-gather",
            "--tp-comm-overlap",
            "--bf16",
            "--overlap-moe-expert-parallel-comm",
        )
        if k in args
    }
    f["sequence_parallel"] = flags.get("--sequence-parallel", False)
    if f["sequence_parallel"] and f["tp"] == 1:
        # megatron/training/arguments.py (core_v0.15.2, d98e8a64): "Disabling sequence
        # parallelism because tensor model parallelism is disabled" -- the launch runs without
        # it (Megatron-LM's own examples/llama/train_llama3_8b_h100_fp8.sh sets both)
        f["sequence_parallel"] = False
        out.notes.append(
            "--sequence-parallel with tensor-model-parallel size 1: Megatron-LM disables it"
        )
    granularity = args.get("--recompute-granularity")
    if granularity is None:
        f["recompute"] = "none"
    elif str(granularity) in ("full", "selective"):
        f["recompute"] = str(granularity)
    else:
        raise InputError(
            f"{where}: --recompute-granularity must be full or selective, got {granularity!r}"
        )
    if f["recompute"] == "selective" and args.get("--recompute-num-layers") is not None:
        raise InputError(
            f"{where}: --recompute-num-layers with --recompute-granularity selective: "
            "Megatron-Core refuses it ('When using recompute_granularity: selective "
            "recompute_num_layers must be None.')"
        )
    method = args.get("--recompute-method")
    if method is not None and str(method) not in ("uniform", "block"):
        raise InputError(f"{where}: --recompute-method must be uniform or block, got {method!r}")
    if str(method) == "block" and f["recompute"] == "full":
        # Megatron's block method recomputes the first --recompute-num-layers of each virtual
        # stage (model chunk): the plan counts them per stage
        k = args.get("--recompute-num-layers")
        if k is None:
            out.notes.append("--recompute-method block without --recompute-num-layers: full")
        else:
            f["recompute_layers"] = _int(k, "--recompute-num-layers", where) * f["interleave"]
    instances = args.get("--num-distributed-optimizer-instances")
    if (
        instances is not None
        and _int(instances, "--num-distributed-optimizer-instances", where) > 1
    ):
        out.notes.append(
            "--num-distributed-optimizer-instances > 1 (hybrid sharding) is not pinned: the "
            "data-parallel size is left to the planner"
        )
    f["zero"] = 1 if flags.get("--use-distributed-optimizer") else 0
    out.constraints["overlap_grad_reduce"] = flags.get("--overlap-grad-reduce", False)
    out.software["tp_overlap"] = flags.get("--tp-comm-overlap", False)
    if f["zero"] >= 1:
        out.software["overlap_param_gather"] = flags.get("--overlap-param-gather", False)
    if "--fp8-format" in args:
        out.constraints["precision"] = "fp8"
    if flags.get("--overlap-moe-expert-parallel-comm"):
        _check_ep_overlap(f, args, where)
        out.software["ep_overlap"] = "a2a"
    dispatcher = args.get("--moe-token-dispatcher-type")
    if dispatcher is not None:
        if str(dispatcher) not in DISPATCHERS:
            # Megatron's allgather dispatcher (its default) moves the tokens differently
            raise InputError(
                f"{where}: --moe-token-dispatcher-type {dispatcher!r} is not modelled "
                f"({', '.join(DISPATCHERS)})"
            )
        out.software["dispatcher"] = str(dispatcher)
        backend = args.get("--moe-flex-dispatcher-backend")
        if "--moe-enable-deepep" in args:  # core_r0.12 - 0.15's name of the DeepEP backend
            if backend is not None and str(backend) != "deepep":
                raise InputError(
                    f"{where}: --moe-enable-deepep contradicts --moe-flex-dispatcher-backend "
                    f"{backend!r}"
                )
            if _bool(args["--moe-enable-deepep"], "--moe-enable-deepep", where):
                backend = "deepep"
        if dispatcher == "flex" and backend is not None:
            if str(backend) not in FLEX_BACKENDS:
                raise InputError(
                    f"{where}: --moe-flex-dispatcher-backend {backend!r} is not modelled "
                    f"({', '.join(FLEX_BACKENDS)})"
                )
            out.software["flex_backend"] = str(backend)
    elif f["ep"] > 1:
        out.notes.append(
            "no --moe-token-dispatcher-type: Megatron's default allgather dispatcher is not "
            "modelled, priced as alltoall"
        )
    return out


_MEGATRON_OTHER = (*MEGATRON_SHAPE, *MEGATRON_NEWER, *MEGATRON_MODEL_FLAGS, *MEGATRON_READ)


def _megatron_training(out: Launch, args: dict[str, Any], where: str) -> None:
    """The model flags, dropout, gradient precision, loss fusion, fp8 parameter and batch-ramp
    arguments of a Megatron launch (each changes the price: read into ``out``, or refused
    naming the argument)."""
    for key, (attr, value) in MEGATRON_MODEL_FLAGS.items():
        if key in args and _bool(args[key], key, where):
            out.model_flags[key] = (attr, value)
    if "--hidden-dropout" in args:
        try:
            p = float(args["--hidden-dropout"])
        except (TypeError, ValueError):
            raise InputError(f"{where}: --hidden-dropout must be a number") from None
        if not 0 <= p < 1:
            raise InputError(f"{where}: --hidden-dropout must be in [0, 1), got {p:g}")
        # PyTorch's dropout at p = 0 returns its input and saves no mask (options.py)
        out.software["dropout_masks"] = p > 0
    if "--grad-reduce-in-bf16" in args and _bool(
        args["--grad-reduce-in-bf16"], "--grad-reduce-in-bf16", where
    ):
        # Megatron-Core's DDP keeps its gradient buffer in the parameters' dtype then
        # (grad_reduce_in_fp32 False): accumulation and reduction in bf16
        out.software["grad_bytes"] = 2.0
    if "--cross-entropy-loss-fusion" in args and _bool(
        args["--cross-entropy-loss-fusion"], "--cross-entropy-loss-fusion", where
    ):
        out.software["fused_loss"] = True
    if "--fp8-param-gather" in args and _bool(
        args["--fp8-param-gather"], "--fp8-param-gather", where
    ):
        if "--fp8-format" not in args:
            raise InputError(f"{where}: --fp8-param-gather without --fp8-format")
        out.software["weight_bytes"] = 1.0  # fp8 working weights, gathered in fp8
    if "--fp16" in args:
        out.notes.append("--fp16 priced as bf16 (the same bytes and tensor-core rate)")
    if "--step-batch-size-schedule" in args:
        out.notes.append(
            "--step-batch-size-schedule: the step is priced at --global-batch-size, the batch "
            "the ramp ends at"
        )


# ---------------------------------------------------------------------------
# NeMo
# ---------------------------------------------------------------------------


def read_nemo(text: str, where: str) -> Launch:
    """NeMo 2.0 recipe overrides: ``key=value`` items separated by spaces or lines."""
    try:
        items = shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError as exc:
        raise InputError(f"{where}: malformed override list ({exc})") from None
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"{where}: malformed override {item!r} (expected key=value)")
        if key not in KEYS["nemo"]:
            raise _unknown(key, "nemo", where)
        values[key] = value
    out = Launch("nemo", where, all_gpus=True)
    f = out.fixed
    s = "trainer.strategy."
    for key, name in (
        ("tensor_model_parallel_size", "tp"),
        ("pipeline_model_parallel_size", "pp"),
        ("context_parallel_size", "cp"),
        ("expert_model_parallel_size", "ep"),
    ):
        f[name] = _int(values[s + key], s + key, where) if s + key in values else 1
    f["expert_tp"] = f["tp"]  # no expert-TP override here: Megatron-Core's default, the TP size
    v = values.get(s + "virtual_pipeline_model_parallel_size")
    f["interleave"] = 1 if v in (None, "null", "None") else _int(v, "virtual pipeline size", where)
    if s + "sequence_parallel" in values:
        f["sequence_parallel"] = _bool(values[s + "sequence_parallel"], "sequence_parallel", where)
    if "data.micro_batch_size" in values:
        f["microbatch"] = _int(values["data.micro_batch_size"], "data.micro_batch_size", where)
    if "data.global_batch_size" in values:
        out.global_batch = _int(values["data.global_batch_size"], "data.global_batch_size", where)
    if "data.seq_length" in values:
        out.seq_len = _int(values["data.seq_length"], "data.seq_length", where)
    if "trainer.num_nodes" in values or "trainer.devices" in values:
        nodes = _int(values.get("trainer.num_nodes", "1"), "trainer.num_nodes", where)
        devices = _int(values.get("trainer.devices", "1"), "trainer.devices", where)
        out.world = nodes * devices
    out.even_default = True  # no split override: Megatron-Core's default, equal stages
    out.notes.append("NeMo overrides leave recompute and ZeRO to the planner")
    return out


# ---------------------------------------------------------------------------
# DeepSpeed
# ---------------------------------------------------------------------------


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _known(
    data: Mapping[str, Any],
    fmt: str,
    where: str,
    *,
    read: Callable[[str], bool] = lambda key: False,
    unpriced: Callable[[str], bool] = lambda key: False,
    sections: tuple[str, ...] = (),
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """``data`` flattened to dotted keys, every key one ``fmt`` may write, one the reader
    prices (``read``) or one it reads and does not price (``unpriced``: dropped from the
    result and listed in a note appended to ``notes``)."""
    values = _flatten(data)
    skipped = []
    for key in values:
        if key in KEYS[fmt] or read(key):
            continue
        if unpriced(key):
            skipped.append(key)
            continue
        raise _unknown(key, fmt, where)
    if skipped and notes is not None:
        notes.append(unpriced_note(skipped, sections))
    return {k: v for k, v in values.items() if k not in skipped}


def _given(values: dict[str, Any], key: str, notes: list[str]) -> bool:
    """Whether ``key`` holds a value; ``"auto"`` (the Hugging Face Trainer fills it from its own
    arguments) is left to the planner, with a note."""
    if key not in values:
        return False
    if values[key] == "auto":
        notes.append(f"{key} 'auto' (filled by the Hugging Face Trainer): left to the planner")
        return False
    return True


#: DeepSpeed keys the reader prices beyond the ones the export writes.
DEEPSPEED_READ = frozenset(
    {
        "optimizer.type",
        "fp16.enabled",
        "zero_optimization.overlap_comm",
        "zero_optimization.zero_quantized_gradients",
    }
)
_OFFLOADS = ("zero_optimization.offload_optimizer.", "zero_optimization.offload_param.")


def _deepspeed_read(key: str) -> bool:
    return key in DEEPSPEED_READ or key.startswith(_OFFLOADS)


def read_deepspeed(text: str, where: str) -> Launch:
    """A DeepSpeed config JSON: the keys ``--export deepspeed`` writes, the ones that change the
    price (optimizer type, fp16, overlap, ZeRO++, bf16 master weights and optimizer states,
    offload), and hyperparameter / logging keys read without a price
    (:mod:`planner.train.launch_keys`)."""
    try:
        # DeepSpeed refuses a key given twice ("Duplicate key in DeepSpeed config",
        # deepspeed/runtime/config_utils.py dict_raise_error_on_duplicate_keys, the
        # object_pairs_hook of DeepSpeedConfig's json.load); json.loads kept the last
        data = loads_json(text, where, unique_keys=True)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected a JSON object")
    # PipelineModule partitions the layers itself; the profile prices equal stages
    out = Launch("deepspeed", where, even_default=True)
    values = _known(
        data,
        "deepspeed",
        where,
        read=_deepspeed_read,
        unpriced=deepspeed_unpriced,
        sections=DEEPSPEED_UNPRICED_PREFIXES,
        notes=out.notes,
    )
    f = out.fixed
    # DeepSpeed's pipeline engine has no interleaved schedule, AutoTP no sequence parallelism
    f.update(cp=1, ep=1, interleave=1, sequence_parallel=False)
    if _given(values, "train_batch_size", out.notes):
        out.global_batch = _int(values["train_batch_size"], "train_batch_size", where)
    mb = values.get("train_micro_batch_size_per_gpu")
    if _given(values, "train_micro_batch_size_per_gpu", out.notes):
        f["microbatch"] = _int(mb, "train_micro_batch_size_per_gpu", where)
    else:
        mb = None
    gas = values.get("gradient_accumulation_steps")
    if not _given(values, "gradient_accumulation_steps", out.notes):
        gas = None
    if gas is not None and mb is not None and out.global_batch is not None:
        gas = _int(gas, "gradient_accumulation_steps", where)
        dp, rest = divmod(out.global_batch, f["microbatch"] * gas)
        if rest or dp < 1:
            raise InputError(
                f"{where}: train_batch_size {out.global_batch} is not micro batch x "
                f"gradient_accumulation_steps x data-parallel size"
            )
        f["dp"] = dp
    if "zero_optimization.stage" in values:
        z = values["zero_optimization.stage"]
        if isinstance(z, bool) or z not in (0, 1, 2, 3):
            raise InputError(f"{where}: zero_optimization.stage must be 0..3, got {z!r}")
        f["zero"] = z
    f["tp"] = _int(values.get("tensor_parallel.autotp_size", 1), "autotp_size", where)
    f["pp"] = _int(values.get("pipeline.stages", 1), "pipeline.stages", where)
    if "activation_checkpointing.partition_activations" in values:
        on = _bool(values["activation_checkpointing.partition_activations"], "ckpt", where)
        if on:
            out.notes.append("activation checkpointing on: selective or full left to the planner")
        else:
            f["recompute"] = "none"
    if "bf16.enabled" in values and not _bool(values["bf16.enabled"], "bf16.enabled", where):
        out.notes.append("bf16 disabled in the config: the planner still models bf16")
    if "fp16.enabled" in values and _bool(values["fp16.enabled"], "fp16.enabled", where):
        out.notes.append("fp16 priced as bf16 (the same bytes and tensor-core rate)")
    _deepspeed_states(out, values, where)
    return out


def _deepspeed_states(out: Launch, values: dict[str, Any], where: str) -> None:
    """The optimizer, precision-of-state, overlap, ZeRO++ and offload keys of a DeepSpeed config
    (each changes the price: read into ``out``, or refused naming the key)."""
    kind = values.get("optimizer.type")
    if kind is not None and str(kind).lower() not in ADAM_FAMILY:
        # another optimizer keeps other states (SGD none, Adafactor factored moments)
        raise InputError(
            f"{where}: optimizer.type {kind!r} is not modelled (Adam-family optimizers: "
            "two moments per parameter)"
        )
    for prefix in _OFFLOADS:
        key = prefix + "device"
        device = values.get(key, "none")  # DeepSpeed's default device
        if device != "none":
            # the model prices no host optimizer step or parameter fetch over PCIe
            raise InputError(f"{where}: {key} {device!r} is not modelled (only 'none')")
    if "zero_optimization.overlap_comm" in values:
        out.constraints["overlap_grad_reduce"] = _bool(
            values["zero_optimization.overlap_comm"], "zero_optimization.overlap_comm", where
        )
    qg = "zero_optimization.zero_quantized_gradients"
    if _bool(values.get(qg, False), qg, where):
        raise InputError(
            f"{where}: zero_optimization.zero_quantized_gradients true is not modelled (ZeRO++ qgZ)"
        )
    hpz_key = "zero_optimization.zero_hpz_partition_size"
    hpz = _int(values.get(hpz_key, 1), hpz_key, where)
    qw = "zero_optimization.zero_quantized_weights"
    quantized = _bool(values.get(qw, False), qw, where)
    if hpz > 1 or quantized:
        if not (hpz > 1 and quantized):
            out.notes.append(
                "ZeRO++ priced as hpZ with quantized weights together (the model's zero_hpz): "
                f"the config sets {hpz_key} {hpz} and zero_quantized_weights {quantized}"
            )
        out.software["zero_hpz"] = True
    bf16 = "bf16.bf16_master_weights_and_grads"
    if _bool(values.get(bf16, False), bf16, where):
        out.software.update(master_bytes=2.0, grad_bytes=2.0)
    moments = "bf16.bf16_optimizer_states"
    if _bool(values.get(moments, False), moments, where):
        out.software["moment_bytes"] = 2.0


# ---------------------------------------------------------------------------
# torchtitan
# ---------------------------------------------------------------------------


def read_torchtitan(text: str, where: str) -> Launch:
    """A torchtitan job TOML (``[parallelism]``, ``[training]``, ``[activation_checkpoint]``)."""
    data = loads_toml(text, where)
    out = Launch("torchtitan", where)
    values = _known(
        data,
        "torchtitan",
        where,
        read=TORCHTITAN_READ.__contains__,
        unpriced=torchtitan_unpriced,
        sections=tuple(f"{s}." for s in sorted(TORCHTITAN_UNPRICED_SECTIONS)),
        notes=out.notes,
    )
    _torchtitan_training(out, values, where)
    f = out.fixed
    p = "parallelism."
    for key, name in (
        ("tensor_parallel_degree", "tp"),
        ("pipeline_parallel_degree", "pp"),
        ("context_parallel_degree", "cp"),
        ("expert_parallel_degree", "ep"),
    ):
        f[name] = _int(values.get(p + key, 1), p + key, where)
    f["expert_tp"] = f["tp"]  # this version splits the experts over the TP degree too
    replicate = _int(values.get(p + "data_parallel_replicate_degree", 1), "replicate", where)
    raw_shard = values.get(p + "data_parallel_shard_degree", -1)
    policy = values.get(p + "fsdp_reshard_after_forward", "default")
    if policy not in ("default", "always", "never"):
        raise InputError(
            f"{where}: parallelism.fsdp_reshard_after_forward must be default, always or never, "
            f"got {policy!r}"
        )
    # torchtitan's "default" reshards after the forward without PP and not with it; kept
    # gathered, FSDP reduce-scatters every micro-batch without PP (ZeRO-2), and only after
    # the last micro-batch under PP (PyTorch's pipeline stages turn the gradient sync off
    # until then: ZeRO-1)
    reshard = policy == "always" or (policy == "default" and f["pp"] == 1)
    sharded_zero = 3 if reshard else (1 if f["pp"] > 1 else 2)
    if raw_shard == -1 and not isinstance(raw_shard, bool):
        # torchtitan's default: the shard degree is what the GPUs leave, and FSDP shards on it
        out.all_gpus = True
        shard = None
        f["zero"] = sharded_zero
        out.notes.append(
            "data_parallel_shard_degree -1: FSDP over the GPUs the other degrees leave"
        )
    else:
        shard = _int(raw_shard, "shard", where)
        f["dp"] = replicate * shard
        f["zero"] = sharded_zero if shard > 1 else 0
    if (shard is None or shard > 1) and replicate > 1:
        out.notes.append(
            f"HSDP (shard inside groups, replicate across) is modelled as ZeRO-{sharded_zero}"
        )
    # the micro-batch a forward runs (torchtitan/train.py @6404b93): without PP each of the
    # gradient-accumulation steps runs local_batch_size sequences, and
    # pipeline_parallel_microbatch_size is unused; with PP the schedule splits the local
    # batch into micro-batches of that size
    micro_key = p + "pipeline_parallel_microbatch_size"
    if f["pp"] > 1 and micro_key in values:
        f["microbatch"] = _int(values[micro_key], "microbatch", where)
    elif f["pp"] == 1 and "training.local_batch_size" in values:
        f["microbatch"] = _int(values["training.local_batch_size"], "local_batch_size", where)
        if micro_key in values:
            out.notes.append(
                "pipeline_parallel_microbatch_size is unused without pipeline parallelism: "
                "torchtitan's micro-batch is local_batch_size"
            )
    schedule = str(values.get(p + "pipeline_parallel_schedule", "1F1B"))
    if schedule == "1F1B":
        f["interleave"] = 1
    elif schedule == "Interleaved1F1B" and p + "pipeline_parallel_layers_per_stage" in values:
        key = p + "pipeline_parallel_layers_per_stage"
        out.layers_per_stage = _int(values[key], key, where)
    elif schedule == "Interleaved1F1B":
        # llama3/infra/pipeline.py @6404b93: a looped schedule without layers_per_stage
        # builds 2 virtual stages per rank
        f["interleave"] = 2 if f["pp"] > 1 else 1
    else:
        raise InputError(
            f"{where}: pipeline_parallel_schedule {schedule!r} is not modelled (1F1B, "
            "Interleaved1F1B)"
        )
    less = (
        values.get(p + "pipeline_parallel_first_stage_less_layers"),
        values.get(p + "pipeline_parallel_last_stage_less_layers"),
    )
    if f["pp"] > 1:  # both default to 1 (job_config.py @6404b93)
        out.first_last = (
            -_int(1 if less[0] is None else less[0], "first_stage_less_layers", where),
            -_int(1 if less[1] is None else less[1], "last_stage_less_layers", where),
        )
    f["sequence_parallel"] = f["tp"] > 1  # torchtitan's TP always shards the sequence
    if "training.global_batch_size" in values:
        out.global_batch = _int(values["training.global_batch_size"], "global_batch_size", where)
    if "training.seq_len" in values:
        out.seq_len = _int(values["training.seq_len"], "training.seq_len", where)
    if "training.local_batch_size" in values:
        local = _int(values["training.local_batch_size"], "local_batch_size", where)
        dp = f.get("dp")
        if dp is None:  # the data-parallel degree is the GPUs' to set: so is the default batch
            if out.global_batch is None:
                out.notes.append(
                    "global batch = local_batch_size x the data-parallel degree the GPUs leave "
                    "(give --global-batch)"
                )
        elif out.global_batch is None:  # torchtitan's default: local batch x data-parallel degree
            out.global_batch = local * dp
        elif out.global_batch % (local * dp):  # a multiple accumulates gradients
            raise InputError(
                f"{where}: global_batch_size {out.global_batch} is not a multiple of "
                f"local_batch_size {local} x data-parallel {dp}"
            )
    mode = values.get("activation_checkpoint.mode")
    if mode is not None:
        if mode not in ("none", "selective", "full"):
            raise InputError(
                f"{where}: activation_checkpoint.mode must be none, selective or full, got {mode!r}"
            )
        f["recompute"] = mode
    if values.get(p + "enable_async_tensor_parallel") is not None:
        out.software["tp_overlap"] = _bool(
            values[p + "enable_async_tensor_parallel"], "async", where
        )
    return out


#: torchtitan keys the reader prices beyond the ones the export writes.
TORCHTITAN_READ = frozenset(
    {
        "model.converters",
        "optimizer.name",
        "training.compile",
        "training.mixed_precision_param",
        "training.mixed_precision_reduce",
        "activation_checkpoint.selective_ac_option",
        "liger_kernel.enable_fused_linear_cross_entropy",
    }
)


def _torchtitan_training(out: Launch, values: dict[str, Any], where: str) -> None:
    """The optimizer, precision, converter, compile and loss keys of a torchtitan TOML (each
    changes the price: read into ``out``, or refused naming the key)."""
    name = values.get("optimizer.name")
    if name is not None and str(name).lower() not in ADAM_FAMILY:
        raise InputError(
            f"{where}: optimizer.name {name!r} is not modelled (Adam-family optimizers: two "
            "moments per parameter)"
        )
    converters = values.get("model.converters", [])
    if not isinstance(converters, list) or any(c not in ("float8",) for c in converters):
        raise InputError(f"{where}: model.converters {converters!r} is not modelled (only float8)")
    if "float8" in converters:  # Float8Linear on the nn.Linear modules: fp8 GEMMs
        out.constraints["precision"] = "fp8"
    for key, allowed in (
        ("training.mixed_precision_param", "bfloat16"),
        ("training.mixed_precision_reduce", "float32"),
    ):
        if key in values and values[key] != allowed:
            # the profile prices bf16 gathers and an fp32 gradient reduction (the defaults)
            raise InputError(f"{where}: {key} {values[key]!r} is not modelled (only {allowed!r})")
    liger = "liger_kernel.enable_fused_linear_cross_entropy"
    if _bool(values.get(liger, False), liger, where):
        # the fused linear + cross-entropy never holds the logits the model charges
        raise InputError(f"{where}: {liger} true is not modelled")
    if _bool(values.get("training.compile", False), "training.compile", where):
        out.notes.append(
            "training.compile true: torch.compile's kernel fusion is not priced (the step is "
            "priced as eager)"
        )
    option = values.get("activation_checkpoint.selective_ac_option")
    if option is not None and values.get("activation_checkpoint.mode") == "selective":
        out.notes.append(
            f"selective_ac_option {option!r}: torchtitan's op- or layer-level selective "
            "recompute, not Megatron's attention-core recompute the planner prices as selective"
        )


_READERS = {
    "megatron": read_megatron,
    "nemo": read_nemo,
    "deepspeed": read_deepspeed,
    "torchtitan": read_torchtitan,
}


def read_launch(fmt: str, path: str | Path) -> Launch:
    """Parse ``path`` as a ``fmt`` launch (:data:`planner.train.export.FORMATS`).

    Raises
    ------
    InputError
        Unknown format, unreadable file, unknown or malformed setting (named).
    """
    check_launch_format(fmt)
    text = read_text(path)
    if not text.strip():  # was read as the framework's defaults (DeepSpeed: 'malformed JSON')
        raise InputError(f"{path}: empty file (no launch settings to evaluate)")
    return read_text_launch(fmt, text, str(path))


def _check_ep_overlap(fixed: dict[str, Any], args: dict[str, Any], where: str) -> None:
    """:class:`InputError` when a launch's ``--overlap-moe-expert-parallel-comm`` meets a
    setting Megatron-Core core_v0.15.3 refuses with it (``TransformerConfig.__post_init__``
    in ``megatron/core/transformer/transformer_config.py``, each message quoted)."""
    refused = []
    if fixed["recompute"] == "full":
        refused.append(
            ("--recompute-granularity full", "disable full recomputation when enabling "
             "overlap_moe_expert_parallel_comm")
        )  # fmt: skip
    for flag, why in (
        ("--recompute-method", "disable recomputation method when enabling "
         "overlap_moe_expert_parallel_comm"),
        ("--recompute-num-layers", "recompute_num_layers must be None when enabling "
         "overlap_moe_expert_parallel_comm"),
    ):  # fmt: skip
        if args.get(flag) is not None:
            refused.append((f"{flag} {args[flag]}", why))
    if fixed["ep"] < 2:
        refused.append(
            (f"--expert-model-parallel-size {fixed['ep']}", "overlap_moe_expert_parallel_comm "
             "is only supported with expert model parallelism")
        )  # fmt: skip
    if fixed["pp"] > 1 and fixed["interleave"] == 1:
        refused.append(
            (f"--pipeline-model-parallel-size {fixed['pp']} without virtual stages",
             "virtual_pipeline_model_parallel_size must be specified when "
             "pipeline_model_parallel_size > 1")
        )  # fmt: skip
    if "--moe-token-dispatcher-type" not in args:
        refused.append(
            ("the default allgather dispatcher", "overlap_moe_expert_parallel_comm is "
             "supported with alltoall/flex token dispatcher")
        )  # fmt: skip
    if refused:
        what, why = refused[0]
        raise InputError(
            f"{where}: --overlap-moe-expert-parallel-comm with {what}: Megatron-Core refuses "
            f"it ('{why}')"
        )


def check_launch_format(fmt: str) -> str:
    """The format name, or :class:`InputError` naming it and the known ones."""
    key = fmt.strip().lower()
    if key not in FORMATS:
        raise InputError(f"--from: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return key


def read_text_launch(fmt: str, text: str, where: str = "launch") -> Launch:
    """:func:`read_launch` on text already in memory."""
    return _READERS[check_launch_format(fmt)](text, where)


def check_model(launch: Launch, model: Any) -> None:
    """Model-shape values of the launch must match the model (named when they do not)."""
    for attr, value in launch.shape.items():
        if getattr(model, attr) != value:
            flag = next(k for k, a in MEGATRON_SHAPE.items() if a == attr)
            raise InputError(
                f"{launch.source}: {flag} {value} does not match the model's {attr} "
                f"{getattr(model, attr)}"
            )
    for flag, (attr, value) in launch.model_flags.items():
        if getattr(model, attr) != value:
            raise InputError(
                f"{launch.source}: {flag} does not match the model ({attr} {getattr(model, attr)})"
            )
    mtp = getattr(model, "mtp_layers", 0)
    if launch.layout_mtp is not None and launch.layout_mtp != mtp:  # the m's were ignored
        raise InputError(
            f"{launch.source}: the pipeline layout holds {launch.layout_mtp} MTP layers m, "
            f"the model {mtp}"
        )


def torchtitan_stages(
    layers: int, stages: int, first_less: int, last_less: int, where: str
) -> tuple[int, ...]:
    """Decoder layers of each of torchtitan's ``stages`` (virtual) pipeline stages.

    A port of ``generate_llm_fqn_per_model_part`` (pytorch/torchtitan @6404b93,
    ``torchtitan/distributed/pipeline.py``): the embedding counts as ``first_less`` layers and
    the norm + output as ``last_less``; the ``L + first_less + last_less`` weighted layers are
    split evenly, the remainder one each to the first stages.

    Raises
    ------
    InputError
        Where torchtitan raises (more stages than weighted layers, a weight above the layers
        per stage) or a stage holds no decoder layer (not modelled).
    """
    if stages == 1:
        return (layers,)
    weighted = layers + first_less + last_less
    per, extra = divmod(weighted, stages)
    if per == 0:
        raise InputError(
            f"{where}: {stages} pipeline stages for {weighted} weighted layers ({layers} + "
            f"first_stage_less_layers {first_less} + last_stage_less_layers {last_less}): "
            "torchtitan refuses it"
        )
    for key, weight in (("first", first_less), ("last", last_less)):
        if weight > per:
            raise InputError(
                f"{where}: {key}_stage_less_layers {weight} exceeds the {per} layers per stage "
                "(torchtitan refuses it)"
            )
    sizes = [per + (i < extra) for i in range(stages)]
    sizes[0] -= first_less
    sizes[-1] -= last_less
    if 0 in sizes:
        raise InputError(
            f"{where}: torchtitan's split {sizes} leaves stage {sizes.index(0)} without a "
            "decoder layer (not modelled)"
        )
    return tuple(sizes)


def stage_layers(launch: Launch, layers: int) -> tuple[int, ...] | None:
    """Layers per pipeline rank of a Megatron pipeline layout, an uneven first/last split
    (middle stages equal) or torchtitan's split, or ``None``.

    Megatron states the first and last stages' layers; torchtitan how many fewer
    they hold than the others (stored negated in ``first_last``, 1 each by default), and
    splits the rest by :func:`torchtitan_stages`.
    """
    if launch.split is not None:  # a Megatron pipeline layout lists every stage
        if sum(launch.split) != layers:
            raise InputError(
                f"{launch.source}: the pipeline layout holds {sum(launch.split)} decoder layers, "
                f"the model {layers}"
            )
        return launch.split
    if launch.first_last is None:
        return None
    pp = launch.fixed.get("pp", 1)
    first, last = launch.first_last
    if pp < 2:
        return None
    if launch.fmt == "torchtitan":
        v = (
            _virtual_stages(launch, layers)
            if launch.layers_per_stage is not None
            else int(launch.fixed.get("interleave", 1))
        )
        chunks = torchtitan_stages(layers, pp * v, -first, -last, launch.source)
        split = tuple(sum(chunks[j::pp]) for j in range(pp))
        own = [[chunks[k * pp + j] for k in range(v)] for j in range(pp)]
        note = (
            f"torchtitan's virtual stages hold {list(chunks)} layers: its layers per rank are "
            "pinned, the chunks priced the planner's way"
        )
        if v > 1 and own != chunk_layers(split, v) and note not in launch.notes:
            launch.notes.append(note)
    else:
        middle = layers - first - last
        if pp == 2:
            split = (first, last) if middle == 0 else ()
        else:
            base, rest = divmod(middle, pp - 2)
            split = (first, *([base] * (pp - 2)), last) if not rest and base > 0 else ()
    if not split or min(split) < 1 or sum(split) != layers:
        raise InputError(
            f"{launch.source}: first/last stage layers {launch.first_last} do not split the "
            f"model's {layers} layers over {pp} stages"
        )
    return tuple(split)


__all__ = [
    "MEGATRON_SHAPE",
    "Launch",
    "check_launch_format",
    "check_model",
    "parse_layout",
    "problem_args",
    "read_launch",
    "read_text_launch",
    "software_of",
    "stage_layers",
    "torchtitan_stages",
]


def _framework_split(
    launch: Launch, layers: int, fixed: dict[str, Any], base: dict[str, Any]
) -> dict[str, Any]:
    """The stage split the launch's framework builds when the file states none.

    A Megatron launch without first/last stage counts or a layout, NeMo overrides and a
    DeepSpeed config run equal stages (:attr:`Launch.even_default`). Left open, the launch was
    priced at the planner's best split (13 / 11 layers for GPT-1.7B on ``pp`` 2, 6.4 % faster
    than the equal split a NeMo launch runs), a configuration the file does not launch.
    Returns ``{"stage_layers": ...}`` for the pinned problem (and notes it), or ``{}`` when the
    command line states a split or the layers do not divide into equal chunks (then the split
    stays open).
    """
    from planner.train.frameworks import profile

    pp, v = fixed.get("pp", 1), fixed.get("interleave", 1)
    if (
        not launch.even_default
        or pp < 2
        or "stage_layers" in fixed
        or base.get("stage_layers") is not None
        or layers % (pp * v)
    ):
        return {}
    split = (layers // pp,) * pp
    fw = profile(launch.fmt)
    who = fw.label if fw is not None else launch.fmt
    note = f"stages {list(split)}: {who} splits the layers equally when the file states no split"
    if note not in launch.notes:  # problem_args may be called again on the same launch
        launch.notes.append(note)
    return {"stage_layers": split}


def problem_args(
    launch: Launch, model: Any, args: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(pinned, open)`` problem arguments: ``args`` (the command line's) with the launch's
    settings, and with (pinned) or without (open) its fixed choices.

    Both keep the launch's workload, GPUs and framework settings, so the open
    problem's best plan is the best change to the launch on the same job.

    Raises
    ------
    InputError
        A value of the command line that contradicts the launch (named), a model
        shape that does not match, a first/last split that does not fit the model.
    """
    check_model(launch, model)
    base = dict(args)
    for key, value, flag, most in (
        ("global_batch", launch.global_batch, "--global-batch", MAX_GLOBAL_BATCH),
        ("seq_len", launch.seq_len, "--seq", MAX_SEQ_LEN),
    ):
        if value is None:
            continue
        if value > most:  # the workload's own check named no file ("workload: seq_len ...")
            raise InputError(f"{launch.source}: states {flag} {value}, above {most:,}")
        if base.get(key) is not None and base[key] != value:
            raise InputError(
                f"{launch.source}: states {flag} {value}, the command line {base[key]}"
            )
        base[key] = value
    if launch.world is not None:
        if base.get("max_gpus") is not None and base["max_gpus"] != launch.world:
            raise InputError(
                f"{launch.source}: runs on {launch.world} GPUs, --max-gpus is {base['max_gpus']}"
            )
        base["max_gpus"] = launch.world
    for key, value in launch.constraints.items():
        base[key] = value
    fixed = dict(launch.fixed)
    split = stage_layers(launch, model.layers)
    if split is not None:
        fixed["stage_layers"] = split
    even = _framework_split(launch, model.layers, fixed, base)
    if launch.layers_per_stage is not None:
        fixed["interleave"] = _virtual_stages(launch, model.layers)
    for key, value in fixed.items():  # the file's choice against the command line's
        if base.get(key) is not None and base[key] != value:
            raise InputError(
                f"{launch.source}: states {key}={_text(value)}, the command line "
                f"{key}={_text(base[key])}"
            )
    pinned = {**base, **fixed, **even}
    if launch.all_gpus:
        pinned["use_all_gpus"] = True
    return pinned, base


def _virtual_stages(launch: Launch, layers: int) -> int:
    """torchtitan's virtual stages per rank: ``ceil((L + first_less + last_less) /
    layers_per_stage)`` stages over the pipeline ranks (``llama3/infra/pipeline.py`` @6404b93,
    which raises unless they divide evenly into at least 2 per rank)."""
    pp = int(launch.fixed.get("pp", 1))
    less = [-x for x in launch.first_last] if launch.first_last else [1, 1]  # its defaults
    per = int(launch.layers_per_stage or 0)
    stages = -(-(layers + sum(less)) // per)
    if stages % pp or stages // pp < 2:
        raise InputError(
            f"{launch.source}: pipeline_parallel_layers_per_stage {per} gives {stages} virtual "
            f"stages for {layers} layers, not a multiple >= 2 of the {pp} pipeline ranks "
            "(torchtitan refuses it with Interleaved1F1B)"
        )
    return stages // pp


def _text(value: Any) -> str:
    """A constraint as ``--fix`` writes it (stage layers ``7:8:8:7``)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return ":".join(map(str, value)) if isinstance(value, tuple) else str(value)


def software_of(launch: Launch, software: Any) -> Any:
    """``software`` (a :class:`~planner.perfmodel.options.Software`) with the launch's settings."""
    from planner.perfmodel.options import Software

    if not launch.software:
        return software
    return Software.from_dict({**software.to_dict(), **launch.software}, where=launch.source)
