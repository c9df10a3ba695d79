"""A plan as launch settings of a training framework (``plan train --export FORMAT``).

Each format writes every parallel size (1 included) with the names and value
forms of the framework version stated in :data:`VERSIONS`; the allowed keys of
each format are listed in :data:`KEYS` (the tests check every exported key
against them).

* ``megatron``: Megatron-LM / Megatron-Core ``pretrain_gpt.py`` arguments
  (``megatron/training/arguments.py``, core_v0.15.3; every key is one of its
  ``add_argument`` flags, ``tests/train/data/megatron_arguments_core_v0.15.3.txt``): uneven
  first / last stages as ``--decoder-first-pipeline-num-layers`` /
  ``--decoder-last-pipeline-num-layers`` (the middle stages equal), interleaving as
  ``--num-virtual-stages-per-pipeline-rank``; a split those arguments cannot express (unequal
  middle stages, or a stage whose layers the virtual stages do not divide) as
  ``--pipeline-model-parallel-layout``, every virtual stage listed (:func:`pipeline_layout`);
  the MoE all-to-all overlap priced as ``--overlap-moe-expert-parallel-comm``.
* ``nemo``: NeMo 2.0 recipe overrides (``nemo llm pretrain --factory ...
  trainer.strategy.tensor_model_parallel_size=8 ...``), NeMo 24.12.
* ``deepspeed``: a DeepSpeed config JSON (``train_batch_size``,
  ``train_micro_batch_size_per_gpu``, ``gradient_accumulation_steps``,
  ``zero_optimization.stage``, ``bf16``, AutoTP ``tensor_parallel.autotp_size``;
  pipeline stages are a ``PipelineModule(num_stages=...)`` argument, written under
  ``pipeline.stages``), DeepSpeed 0.16.4.
* ``torchtitan``: the TOML job config (``torchtitan/config/job_config.py``,
  pytorch/torchtitan @6404b93): ``[parallelism]``, ``[training]``,
  ``[activation_checkpoint]``.
"""

from __future__ import annotations

import shlex
from typing import Any

from planner.core import validate
from planner.core.errors import InputError
from planner.perfmodel.hardware import known_vendor
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.readers import architecture_note
from planner.train import frameworks
from planner.train.instance import TrainingPlan, TrainingProblem
from planner.train.step_time import chunk_layers

FORMATS = ("megatron", "nemo", "deepspeed", "torchtitan")

VERSIONS = {
    "megatron": "Megatron-LM core_v0.15.3 (megatron/training/arguments.py)",
    "nemo": "NeMo 2.0 recipes, 24.12",
    "deepspeed": "DeepSpeed 0.16.4 config JSON (AutoTP training from 0.16.4)",
    "torchtitan": "torchtitan job_config.py @6404b93",
}

#: Each format's framework and version, as a note names it.
TOOL_LABELS = {
    "megatron": "Megatron-LM core_v0.15.3",
    "nemo": "NeMo 24.12",
    "deepspeed": "DeepSpeed 0.16.4",
    "torchtitan": "torchtitan @6404b93",
}

#: Every key a format may write.
KEYS: dict[str, frozenset[str]] = {
    "megatron": frozenset(
        {
            "--tensor-model-parallel-size",
            "--pipeline-model-parallel-size",
            "--context-parallel-size",
            "--expert-model-parallel-size",
            "--expert-tensor-parallel-size",
            "--num-virtual-stages-per-pipeline-rank",
            "--pipeline-model-parallel-layout",
            "--decoder-first-pipeline-num-layers",
            "--decoder-last-pipeline-num-layers",
            "--micro-batch-size",
            "--global-batch-size",
            "--seq-length",
            "--sequence-parallel",
            "--recompute-granularity",
            "--recompute-method",
            "--recompute-num-layers",
            "--use-distributed-optimizer",
            "--num-distributed-optimizer-instances",
            "--overlap-grad-reduce",
            "--overlap-param-gather",
            "--tp-comm-overlap",
            "--bf16",
            "--fp8-format",
            "--moe-token-dispatcher-type",
            "--moe-enable-deepep",
            "--overlap-moe-expert-parallel-comm",
        }
    ),
    "nemo": frozenset(
        {
            "trainer.num_nodes",
            "trainer.devices",
            "trainer.strategy.tensor_model_parallel_size",
            "trainer.strategy.pipeline_model_parallel_size",
            "trainer.strategy.virtual_pipeline_model_parallel_size",
            "trainer.strategy.context_parallel_size",
            "trainer.strategy.expert_model_parallel_size",
            "trainer.strategy.sequence_parallel",
            "data.micro_batch_size",
            "data.global_batch_size",
            "data.seq_length",
        }
    ),
    "deepspeed": frozenset(
        {
            "train_batch_size",
            "train_micro_batch_size_per_gpu",
            "gradient_accumulation_steps",
            "zero_optimization.stage",
            "bf16.enabled",
            "tensor_parallel.autotp_size",
            "pipeline.stages",
            "activation_checkpointing.partition_activations",
            "zero_optimization.zero_hpz_partition_size",
            "zero_optimization.zero_quantized_weights",
            "bf16.bf16_master_weights_and_grads",
            "bf16.bf16_optimizer_states",
        }
    ),
    "torchtitan": frozenset(
        {
            "parallelism.data_parallel_replicate_degree",
            "parallelism.data_parallel_shard_degree",
            "parallelism.fsdp_reshard_after_forward",
            "parallelism.tensor_parallel_degree",
            "parallelism.pipeline_parallel_degree",
            "parallelism.pipeline_parallel_schedule",
            "parallelism.pipeline_parallel_microbatch_size",
            "parallelism.pipeline_parallel_first_stage_less_layers",
            "parallelism.pipeline_parallel_last_stage_less_layers",
            "parallelism.pipeline_parallel_layers_per_stage",
            "parallelism.context_parallel_degree",
            "parallelism.expert_parallel_degree",
            "parallelism.enable_async_tensor_parallel",
            "training.local_batch_size",
            "training.global_batch_size",
            "training.seq_len",
            "activation_checkpoint.mode",
        }
    ),
}


def _odd_stages(plan: TrainingPlan) -> list[int]:
    """Stage sizes the ``v`` virtual stages do not divide (Megatron-Core r0.12 builds ``layers /
    v`` layers per virtual stage and raises otherwise: ``TransformerConfig`` for the first /
    last stages, ``get_num_layers_to_build``)."""
    v = plan.interleave
    if plan.pp < 2 or v < 2:
        return []
    return sorted({n for n in plan.stage_layers if n % v})


def _chunk_note(plan: TrainingPlan, tool: str) -> list[str]:
    """Why ``tool`` (Megatron-Core r0.12, and the one NeMo 24.12 runs) cannot build the plan's
    chunks, if it cannot."""
    odd = _odd_stages(plan)
    if not odd:
        return []
    return [
        f"{tool} needs every stage's layers divisible by the {plan.interleave} virtual stages: "
        f"stages of {', '.join(map(str, odd))} layers are refused (the plan splits them into "
        "uneven chunks); Megatron-Core >= 0.13 can list the chunks with "
        "--pipeline-model-parallel-layout"
    ]


def pipeline_layout(plan: TrainingPlan, mtp_layers: int = 0) -> str:
    """The plan's virtual stages as Megatron-Core's ``--pipeline-model-parallel-layout``.

    Megatron-Core (core_v0.13.0 ``PipelineParallelLayerLayout``) reads the ``p v`` virtual
    stages in model order, separated by ``|``: stage ``i`` runs on pipeline rank ``i mod p``
    as its virtual stage ``i // p``; ``E`` is the embedding, ``t`` a decoder layer, ``m`` an
    MTP layer (core_v0.14.0 on; only in a rank's last virtual stage, after every decoder
    layer) and ``L`` the loss; ``x*N`` repeats a layer and ``(...|)*N`` a stage. The chunks
    are the step model's (:func:`planner.train.step_time.chunk_layers`), the MTP layers on
    the last stage with the LM head, as the step model prices them.

    Parameters
    ----------
    plan
        A plan with ``pp > 1`` or ``interleave > 1``.
    mtp_layers
        Multi-token-prediction modules of the model (0: none).

    Returns
    -------
    str
        E.g. ``"Et*3|(t*4|)*14,t*3L"`` for 62 layers over 16 stages of (4, 4 x 14, 4) with the
        embedding and loss on the end stages.
    """
    p, v = plan.pp, plan.interleave
    chunks = chunk_layers(tuple(plan.stage_layers), v)
    stages = []
    for i in range(p * v):
        n = chunks[i % p][i // p]
        text = "E" if i == 0 else ""
        text += f"t*{n}" if n > 1 else "t" * n
        if i == p * v - 1:
            text += (
                ("," if text else "")
                + (f"m*{mtp_layers}," if mtp_layers > 1 else "m," * mtp_layers)
                + "L"
            )
        stages.append(text)
    out, i = [], 0
    while i < len(stages):
        run = 1
        while i + run < len(stages) - 1 and stages[i + run] == stages[i]:
            run += 1
        last = i + run == len(stages)
        if run > 1:
            out.append(f"({stages[i]}|)*{run}")
        else:
            out.append(stages[i] + ("" if last else "|"))
        i += run
    return ",".join(out).replace("|,", "|")


def _megatron(problem: TrainingProblem, plan: TrainingPlan) -> tuple[dict[str, Any], list[str]]:
    notes = []
    out: dict[str, Any] = {
        "--tensor-model-parallel-size": plan.tp,
        "--pipeline-model-parallel-size": plan.pp,
        "--context-parallel-size": plan.cp,
        "--expert-model-parallel-size": plan.ep,
        "--expert-tensor-parallel-size": plan.etp,
        "--micro-batch-size": plan.microbatch,
        "--global-batch-size": problem.workload.global_batch,
        "--seq-length": problem.workload.seq_len,
    }
    layers = list(plan.stage_layers)
    if plan.pp > 1 and (len(set(layers[1:-1])) > 1 or _odd_stages(plan)):
        # the first / last / virtual-stage arguments cannot express this split
        # (replacing --num-virtual-stages-per-pipeline-rank and the first / last stage counts;
        # Megatron-Core >= 0.13, with MTP layers >= 0.14)
        out["--pipeline-model-parallel-layout"] = pipeline_layout(plan, problem.model.mtp_layers)
    else:
        if plan.interleave > 1:
            out["--num-virtual-stages-per-pipeline-rank"] = plan.interleave
        if plan.pp > 1 and len(set(layers)) > 1:
            out["--decoder-first-pipeline-num-layers"] = layers[0]
            out["--decoder-last-pipeline-num-layers"] = layers[-1]
    if plan.sequence_parallel:
        out["--sequence-parallel"] = True
    if plan.recompute == "full":
        out["--recompute-granularity"] = "full"
        out["--recompute-method"] = "block" if plan.recompute_layers else "uniform"
        out["--recompute-num-layers"] = plan.recompute_layers or 1
        v, k = plan.interleave, plan.recompute_layers
        if k and v > 1:
            # Megatron's block method counts the layers of each virtual stage (model chunk)
            out["--recompute-num-layers"] = -(-k // v)
            if k % v:
                notes.append(
                    f"recompute_layers={k} over {v} virtual stages: Megatron recomputes "
                    f"{-(-k // v)} per virtual stage, {-(-k // v) * v} per stage"
                )
    elif plan.recompute == "selective":
        out["--recompute-granularity"] = "selective"
    elif plan.recompute == "offload":
        notes.append("activation offload has no Megatron-LM argument here")
    if plan.zero >= 1:
        out["--use-distributed-optimizer"] = True
        if plan.shard_group:
            # hybrid sharding: the optimizer states sharded inside each instance
            instances = plan.dp * plan.cp // plan.shard_group
            out["--num-distributed-optimizer-instances"] = instances
            edp = plan.tp * plan.cp * plan.dp // (plan.etp * plan.ep)
            if problem.model.is_moe and edp % instances:
                # Megatron-Core parallel_state asserts it ("Expert data parallel size should be
                # divisible by partial DistOpt shard factor")
                notes.append(
                    f"Megatron-Core needs the expert data-parallel size ({edp}) divisible by the "
                    f"{instances} optimizer instances: a shard_group g with g * tp divisible by "
                    "ep * expert_tp"
                )
        if plan.zero >= 2:
            # was "not a Megatron-LM option": core_v0.15.3 has it as Megatron-FSDP
            notes.append(
                f"these arguments launch ZeRO-1 (the distributed optimizer), not the plan's "
                f"ZeRO-{plan.zero}: {frameworks.MEGATRON_FSDP_NOTE}"
            )
    if problem.constraints.overlap_grad_reduce:
        out["--overlap-grad-reduce"] = True
        if plan.zero >= 1 and problem.software.overlap_param_gather:
            out["--overlap-param-gather"] = True
    if problem.software.tp_overlap and plan.tp > 1:
        out["--tp-comm-overlap"] = True
    if problem.model.is_moe:
        out.update(_megatron_moe(problem, plan, notes))
    else:  # a dense model's refusals (the DualPipe schedule)
        notes += frameworks.megatron_rules(problem, plan)
    out["--bf16"] = True
    if problem.workload.precision == "fp8":
        out["--fp8-format"] = "hybrid"
    return out, notes


def megatron_env(
    problem: TrainingProblem, plan: TrainingPlan, arguments: dict[str, Any] | None = None
) -> dict[str, str]:
    """Environment variables a Megatron-LM launch of ``plan`` needs (core_v0.15.3,
    ``megatron/training/arguments.py``): with TP or CP > 1 on a GPU older than Blackwell it
    asserts ``CUDA_DEVICE_MAX_CONNECTIONS == "1"`` (kernels queue in launch order, which its
    TP communication overlap relies on), unless the MoE all-to-all overlap is on (then it only
    warns). ``arguments``: the exported arguments (default: none)."""
    pre_blackwell = any(
        known_vendor(pool.gpu.architecture) == "NVIDIA" and pool.gpu.architecture != "Blackwell"
        for pool in problem.cluster.pools
    )
    moe_overlap = bool((arguments or {}).get("--overlap-moe-expert-parallel-comm"))
    if (plan.tp > 1 or plan.cp > 1) and pre_blackwell and not moe_overlap:
        return {"CUDA_DEVICE_MAX_CONNECTIONS": "1"}
    return {}


def _megatron_moe(problem: TrainingProblem, plan: TrainingPlan, notes: list[str]) -> dict[str, Any]:
    """An MoE plan's dispatcher and all-to-all overlap arguments (``notes`` gets what
    core_v0.15.3 cannot launch as priced: :func:`planner.train.frameworks.megatron_rules`)."""
    sw = problem.software
    # the dispatcher the step time priced (Megatron-LM's default is allgather), with or
    # without EP (the all-to-all one sorts by local expert either way)
    out: dict[str, Any] = {"--moe-token-dispatcher-type": sw.dispatcher}
    if sw.dispatcher == "flex" and sw.flex_backend == "deepep":
        # the kernels priced (their measured forwarding rates differ): core_v0.15.3 names
        # DeepEP --moe-enable-deepep and has no HybridEP (from 0.16: the TransformerConfig
        # field moe_flex_dispatcher_backend, not written: no such argument here)
        out["--moe-enable-deepep"] = True
    if frameworks.megatron_ep_overlap(problem, plan):
        if plan.recompute == "full":
            notes.append(
                f"{frameworks.A2A_RECOMPUTE_RULE}: the plan's all-to-alls were priced "
                "overlapped, written without the overlap flag"
            )
        else:
            out["--overlap-moe-expert-parallel-comm"] = True
    notes += [
        rule
        for rule in frameworks.megatron_rules(problem, plan)
        if rule != frameworks.A2A_RECOMPUTE_RULE
    ]
    return out


def _nemo(problem: TrainingProblem, plan: TrainingPlan) -> tuple[dict[str, Any], list[str]]:
    per_node = problem.cluster.pools[0].gpus_per_node
    notes = []
    if len(set(plan.stage_layers)) > 1:
        notes.append(f"uneven stages {list(plan.stage_layers)}: set them in the model config")
    notes += _chunk_note(plan, "NeMo's Megatron-Core")
    if plan.shard_group or plan.recompute_layers or plan.recompute != "none" or plan.zero != 1:
        # the launch keeps the recipe's: no recompute, the distributed optimizer (frameworks.py)
        notes.append(
            f"recompute and sharding settings are not written for NeMo here (recompute="
            f"{plan.recompute}, ZeRO-{plan.zero}: the recipe runs none and ZeRO-1)"
        )
    if problem.workload.precision == "fp8":
        notes.append("fp8 is not written for NeMo here (the recipe's precision plugin)")
    if plan.etp != plan.tp:
        notes.append(
            f"expert_tp={plan.etp}: NeMo 24.12's strategy has no expert tensor-parallel "
            "argument here; set Megatron-Core's expert_tensor_parallel_size in the model config"
        )
    return {
        "trainer.num_nodes": max(1, plan.gpus // per_node),
        "trainer.devices": min(per_node, plan.gpus),
        "trainer.strategy.tensor_model_parallel_size": plan.tp,
        "trainer.strategy.pipeline_model_parallel_size": plan.pp,
        "trainer.strategy.virtual_pipeline_model_parallel_size": (
            plan.interleave if plan.interleave > 1 else None
        ),
        "trainer.strategy.context_parallel_size": plan.cp,
        "trainer.strategy.expert_model_parallel_size": plan.ep,
        "trainer.strategy.sequence_parallel": plan.sequence_parallel,
        "data.micro_batch_size": plan.microbatch,
        "data.global_batch_size": problem.workload.global_batch,
        "data.seq_length": problem.workload.seq_len,
    }, notes


def _unwritten(
    problem: TrainingProblem, plan: TrainingPlan, *, offload: str, selective: str, fp8: str
) -> list[str]:
    """The notes of a format without activation offload, attention-core recomputation or fp8
    settings, for the ones ``plan`` uses (``frameworks.PROFILES`` refuses them)."""
    wanted = (
        (plan.recompute == "offload", offload),
        (plan.recompute == "selective", selective),
        (problem.workload.precision == "fp8", fp8),
    )
    return [note for used, note in wanted if used]


def _deepspeed(problem: TrainingProblem, plan: TrainingPlan) -> tuple[dict[str, Any], list[str]]:
    notes = []
    if plan.shard_group:
        notes.append(
            f"hybrid sharding over groups of {plan.shard_group} ranks is not a DeepSpeed config "
            "key here (ZeRO++ hpZ keeps a secondary shard instead)"
        )
    if plan.cp > 1 or plan.ep > 1 or plan.etp != plan.tp:
        notes.append(
            "context / expert parallelism (and expert tensor parallelism) are not DeepSpeed "
            "config keys here"
        )
    if plan.interleave > 1 or plan.sequence_parallel:
        notes.append(
            "DeepSpeed runs neither interleaved stages nor sequence parallelism: v=1, sp off"
        )
    notes += _unwritten(
        problem,
        plan,
        offload="activation offload has no DeepSpeed setting here (written without)",
        selective="DeepSpeed checkpoints whole layers (the model's deepspeed.checkpointing "
        "calls): selective (attention-core) recomputation has no setting",
        fp8="fp8 has no DeepSpeed config key here (written as bf16)",
    )
    notes += frameworks.deepspeed_rules(plan.tp, plan.pp, plan.zero)
    if len(set(plan.stage_layers)) > 1:
        notes.append(
            f"stages {list(plan.stage_layers)}: PipelineModule partitions the layers itself "
            "(partition_method)"
        )
    B = problem.workload.global_batch
    sw = problem.software
    # ZeRO++ (Wang et al. 2023; DeepSpeed's zero_hpz_partition_size / zero_quantized_weights):
    # the model's zero_hpz is a node-sized secondary weight shard with int8 weight gathers, which
    # DeepSpeed runs under ZeRO-3 only
    hpz = sw.zero_hpz and plan.zero == 3
    if sw.zero_hpz and not hpz:
        notes.append(f"ZeRO++ (zero_hpz) acts under ZeRO-3 only: not written for ZeRO-{plan.zero}")
    # DeepSpeed's low-precision states (bf16 section, DeepSpeed PR #7700): bf16 master weights
    # and gradients together, bf16 Adam moments
    bf16_master = sw.master_bytes == 2 and sw.grad_bytes == 2
    if (sw.master_bytes == 2) != (sw.grad_bytes == 2) or sw.master_bytes == 0:
        notes.append(
            f"master_bytes {sw.master_bytes:g} with grad_bytes {sw.grad_bytes:g} has no DeepSpeed "
            "key (bf16_master_weights_and_grads sets both to 2): written as fp32"
        )
    if sw.moment_bytes not in (2, 4):
        notes.append(f"moment_bytes {sw.moment_bytes:g}: no DeepSpeed key, written as fp32")
    return {
        "train_batch_size": B,
        "train_micro_batch_size_per_gpu": plan.microbatch,
        "gradient_accumulation_steps": B // (plan.microbatch * plan.dp),
        "zero_optimization.stage": plan.zero,
        "bf16.enabled": True,
        "tensor_parallel.autotp_size": plan.tp,
        "pipeline.stages": plan.pp,
        "activation_checkpointing.partition_activations": plan.recompute in ("selective", "full"),
        "zero_optimization.zero_hpz_partition_size": (
            problem.cluster.pools[0].gpus_per_node if hpz else None
        ),
        "zero_optimization.zero_quantized_weights": True if hpz else None,
        "bf16.bf16_master_weights_and_grads": True if bf16_master else None,
        "bf16.bf16_optimizer_states": True if sw.moment_bytes == 2 else None,
    }, notes


def _reshard_policy(plan: TrainingPlan, shard: int) -> dict[str, str]:
    """torchtitan's ``fsdp_reshard_after_forward`` for a sharded plan (none when not sharded).

    Its ``default`` reshards without pipeline parallelism and not with it (torchtitan's
    ``parallelize`` of each model). Without PP, an unresharded FSDP reduce-scatters the
    gradients every micro-batch (ZeRO-2); under PP, PyTorch's pipeline stages keep the
    parameters gathered and the gradients unsharded until the last micro-batch's backward
    (``set_requires_gradient_sync``), which is ZeRO-1. ZeRO-3 is written ``default``
    (the planner runs no ZeRO-2/3 with PP).
    """
    if shard <= 1:
        return {}
    policy = "never" if plan.zero < 3 else "default"
    return {"parallelism.fsdp_reshard_after_forward": policy}


def _torchtitan(problem: TrainingProblem, plan: TrainingPlan) -> tuple[dict[str, Any], list[str]]:
    notes = []
    # ZeRO-1/2/3 = FSDP over the data-parallel ranks (HSDP: over groups of shard_group of them),
    # ZeRO-3 resharding the parameters after the forward, ZeRO-1/2 not; ZeRO-0 = DDP replicas
    shard = plan.dp if plan.zero >= 1 else 1
    if plan.zero >= 1 and plan.shard_group:
        if plan.cp > 1:
            notes.append(
                f"shard_group={plan.shard_group} spans context-parallel ranks: torchtitan "
                "shards over data_parallel_shard_degree x context_parallel_degree"
            )
        shard = max(1, plan.shard_group // plan.cp) if plan.shard_group % plan.cp == 0 else 1
    elif plan.shard_group:
        notes.append(f"hybrid sharding with ZeRO-{plan.zero} has no torchtitan setting")
    replicate = plan.dp // shard
    if plan.zero == 1 and plan.pp == 1:
        notes.append(
            "ZeRO-1 has no torchtitan setting: written as FSDP without resharding after the "
            "forward (ZeRO-2: gradients sharded too, less memory; its gradient reduce-scatter "
            f"runs every micro-batch - compare with {validate.arg('zero', '--fix zero')}=2)"
        )
    layers = list(plan.stage_layers)
    base = max(layers) if layers else 0
    out: dict[str, Any] = {
        "parallelism.data_parallel_replicate_degree": replicate,
        "parallelism.data_parallel_shard_degree": shard,
        **_reshard_policy(plan, shard),
        "parallelism.tensor_parallel_degree": plan.tp,
        "parallelism.pipeline_parallel_degree": plan.pp,
        "parallelism.context_parallel_degree": plan.cp,
        "parallelism.expert_parallel_degree": plan.ep,
        "parallelism.pipeline_parallel_schedule": "Interleaved1F1B"
        if plan.interleave > 1
        else "1F1B",
        # a forward runs local_batch_size sequences without PP (the accumulation steps make
        # up the global batch); with PP one schedule splits the local batch into
        # micro-batches of pipeline_parallel_microbatch_size (torchtitan/train.py @6404b93)
        "training.local_batch_size": plan.microbatch
        if plan.pp == 1
        else problem.workload.global_batch // plan.dp,
        "training.global_batch_size": problem.workload.global_batch,
        "training.seq_len": problem.workload.seq_len,
        "activation_checkpoint.mode": {"selective": "selective", "full": "full"}.get(
            plan.recompute, "none"
        ),
    }
    notes += _unwritten(
        problem,
        plan,
        offload="activation offload has no torchtitan setting here (written as none)",
        selective="torchtitan's selective activation checkpointing is op-level or every n-th "
        "layer (selective_ac_option), not the attention-core recomputation priced here",
        fp8="fp8 is not written for torchtitan here (model.converters float8)",
    )
    if plan.tp > 1 and not plan.sequence_parallel:
        notes.append("torchtitan's TP always shards the norms' sequence (sequence parallel on)")
    if plan.zero == 0 and max(plan.tp, plan.pp, plan.cp) > 1:
        notes.append("torchtitan runs DDP (ZeRO-0) only without TP, PP or CP")
    if plan.etp != plan.tp:
        # @6404b93 splits the experts over tp like the rest (dp2ep expert parallelism)
        notes.append(
            f"expert_tp={plan.etp} has no torchtitan setting in this version: experts are "
            f"split over tp={plan.tp}"
        )
    if plan.pp > 1 and (len(set(layers[1:-1])) > 1 or (layers[1:-1] and layers[1] != base)):
        notes.append(
            f"stages {layers}: torchtitan splits the middle stages equally, the first / last "
            "with fewer layers (pipeline_parallel_first/last_stage_less_layers)"
        )
    if plan.pp > 1 and plan.interleave > 1 and len(set(layers)) > 1:
        notes.append(
            f"v={plan.interleave} with unequal stages {layers}: torchtitan's "
            "pipeline_parallel_layers_per_stage builds equal virtual stages"
        )
    shard_cp = shard * plan.cp if plan.zero >= 1 else 0
    if plan.ep > 1 and not plan.cp <= plan.ep <= shard_cp:
        notes.append(
            f"ep={plan.ep}: torchtitan's dp2ep needs cp <= ep <= data_parallel_shard_degree "
            f"* cp = {shard_cp}"
        )
    if plan.pp > 1:
        out["parallelism.pipeline_parallel_microbatch_size"] = plan.microbatch
        out["parallelism.pipeline_parallel_first_stage_less_layers"] = base - layers[0]
        out["parallelism.pipeline_parallel_last_stage_less_layers"] = base - layers[-1]
    if plan.pp > 1 and plan.interleave > 1:
        # without layers_per_stage a looped schedule runs 2 stages per rank; with it,
        # ceil((L + first_less + last_less) / layers_per_stage) virtual stages
        # (torchtitan/models/llama3/infra/pipeline.py)
        stages = plan.pp * plan.interleave
        weighted = sum(layers) + (base - layers[0]) + (base - layers[-1])
        per_stage = -(-weighted // stages)
        if -(-weighted // per_stage) == stages:
            out["parallelism.pipeline_parallel_layers_per_stage"] = per_stage
        else:
            notes.append(
                f"v={plan.interleave}: no pipeline_parallel_layers_per_stage gives {stages} "
                f"virtual stages for {weighted} weighted layers (torchtitan would run 2 per "
                "rank): list the chunks in module_fqns_per_model_part"
            )
    if problem.software.tp_overlap and plan.tp > 1:
        out["parallelism.enable_async_tensor_parallel"] = True
    return out, notes


#: Megatron-LM's Hugging Face checkpoint loaders (``tools/checkpoint/loader_llama_mistral.py``
#: ``--model-size`` choices and ``loader_mixtral_hf.py``, NVIDIA/Megatron-LM core_v0.15.2).
MEGATRON_HF_LOADERS = "Llama 2 / 3, Mistral, Yi-34B, Qwen2.5 and Mixtral"


def model_notes(model: ModelSpec, fmt: str) -> list[str]:
    """What ``fmt``'s stated version cannot build, or was not checked to build, of ``model``.

    The exports write the plan's parallel layout, never the model's definition. A model of
    an architecture outside the catalog's gets
    :func:`~planner.perfmodel.readers.architecture_note` (Megatron: with the architectures its
    checkpoint loaders convert). A block whose attention and MLP run in parallel from one
    norm (``norms_per_layer`` 1: Cohere, GPT-J, Falcon-7B) is not a layer of Megatron-Core,
    which NeMo runs: its ``TransformerLayer`` runs the attention and then the MLP, each after
    its own norm (``megatron/core/transformer/transformer_layer.py``, core_v0.15.2).

    Parameters
    ----------
    model
        The planned model.
    fmt
        An export format (:data:`FORMATS`).

    Returns
    -------
    list of str
        The notes, empty for a catalog architecture with sequential blocks.
    """
    notes = []
    unchecked = architecture_note(model, TOOL_LABELS[fmt])
    if unchecked:
        if fmt == "megatron":
            unchecked += (
                f" (its Hugging Face checkpoint loaders convert {MEGATRON_HF_LOADERS} only: "
                "tools/checkpoint)"
            )
        notes.append(unchecked)
    if fmt in ("megatron", "nemo") and model.norms_per_layer == 1:
        notes.append(
            f"{model.name}'s attention and MLP run in parallel from one norm: Megatron-Core's "
            "TransformerLayer runs the attention and then the MLP, each after its own norm "
            "(transformer_layer.py), so it does not build this block as priced"
        )
    return notes


_WRITERS = {
    "megatron": _megatron,
    "nemo": _nemo,
    "deepspeed": _deepspeed,
    "torchtitan": _torchtitan,
}


def training_notes(problem: TrainingProblem, fmt: str) -> list[str]:
    """Notes on what the priced plan trains that no format's writer expresses: LoRA adapters and
    frozen parameters (the launch would train every parameter, with its gradients and optimizer
    states), and ZeRO++ outside DeepSpeed.

    Parameters
    ----------
    problem
        The priced problem (its :class:`~planner.perfmodel.options.Software`).
    fmt
        The export format.

    Returns
    -------
    list[str]
        The notes, empty when the plan trains every parameter without ZeRO++.
    """
    sw = problem.software
    notes = []
    if sw.lora_rank:
        notes.append(
            f"LoRA (rank {sw.lora_rank}, base model frozen) is not written: set the adapters in "
            "the model code (e.g. PEFT); launched as written, every parameter is trained"
        )
    elif sw.trainable < 1:
        notes.append(
            f"frozen parameters (trainable {sw.trainable:g}) are not written: freeze them in "
            "the model code (requires_grad=False); launched as written, every parameter is trained"
        )
    if sw.zero_hpz and fmt != "deepspeed":
        notes.append(f"ZeRO++ (zero_hpz) has no {TOOL_LABELS[fmt]} setting: written without")
    return notes


def check_format(name: str) -> str:
    """The format name, or :class:`InputError` naming it and the known ones."""
    key = name.strip().lower()
    if key not in FORMATS:
        raise InputError(f"--export: unknown target {name!r} (known: {', '.join(FORMATS)})")
    return key


def export(problem: TrainingProblem, plan: TrainingPlan, fmt: str) -> dict[str, Any]:
    """``{"format", "version", "settings", "env", "text", "notes"}`` of ``plan`` in ``fmt``
    (``env``: environment variables the launch needs, :func:`megatron_env`)."""
    fmt = check_format(fmt)
    settings, notes = _WRITERS[fmt](problem, plan)
    notes = [*notes, *training_notes(problem, fmt), *model_notes(problem.model, fmt)]
    settings = {k: v for k, v in settings.items() if v is not None}
    env = megatron_env(problem, plan, settings) if fmt == "megatron" else {}
    return {
        "format": fmt,
        "version": VERSIONS[fmt],
        "settings": settings,
        "env": env,
        "text": render(fmt, settings),
        "notes": notes,
    }


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def render(fmt: str, settings: dict[str, Any]) -> str:
    """The settings as the framework reads them (argument line, overrides, JSON, TOML)."""
    if fmt == "megatron":
        # quoted for the shell (a pipeline layout holds | ( ) *)
        parts = [
            k if v is True else f"{k} {shlex.quote(str(v))}"
            for k, v in settings.items()
            if v is not False
        ]
        return " \\\n  ".join(parts) + "\n"
    if fmt == "nemo":
        return " ".join(f"{k}={_toml_value(v).strip(chr(34))}" for k, v in settings.items()) + "\n"
    nested: dict[str, Any] = {}
    for key, value in settings.items():
        node = nested
        *path, leaf = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value
    if fmt == "deepspeed":
        import json

        return json.dumps(nested, indent=2) + "\n"
    lines = []
    for section, table in nested.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "FORMATS",
    "KEYS",
    "VERSIONS",
    "check_format",
    "export",
    "megatron_env",
    "model_notes",
    "pipeline_layout",
    "render",
    "training_notes",
]
