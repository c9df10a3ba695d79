"""What each training framework can launch (``plan train --framework NAME``).

A profile lists the decisions a framework offers at a stated version; the search keeps
only plans inside it (:mod:`planner.train.space` reads the profile of
``Constraints.framework``; :func:`violations` is the independent check ``verify`` uses).
For the export targets the version is the one :mod:`planner.train.export` writes, and a
decision is offered when that export writes it without a note (a plan found with
``--framework X`` launches as priced). ``llmfoundry`` is MosaicML LLM Foundry / Composer as
its benchmark runs used it (mosaicml/llm-foundry @5e85bd62, 2024-01-06, which pins
``mosaicml>=0.17.2,<0.18``: Composer v0.17.2 @7e0e40a7).

Every restriction cites the file (and commit) it was read in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planner.core.errors import InputError
from planner.train.step_time import training_step

#: ``stages`` values: any split; first / last stages free and the middle stages equal
#: (``first_last``; ``first_last_le``: first / last at most the middle); equal stages only.
STAGE_MODES = ("any", "first_last", "first_last_le", "even")
#: Most first / last splits evaluated exhaustively per plan (beyond: the middle stages near
#: the balanced size only, and the split is not claimed the least).
MAX_SPLITS = 256


@dataclass(frozen=True)
class Framework:
    """The decisions a framework can launch.

    Every decision is offered unless a field says otherwise (the defaults); a profile lists
    its restrictions only.

    Attributes
    ----------
    name, label, version
        CLI name, display name, the version the profile describes.
    tp, pp, cp, ep, expert_tp, interleave
        Whether each size may exceed 1 (``expert_tp``: experts split below ``tp``).
    stages
        Split of the layers over pipeline stages (:data:`STAGE_MODES`); with
        ``interleave_divides`` every stage's layers divisible by the virtual stages.
    recomputes
        Recompute modes offered; ``partial``: full recompute of the first k layers per stage.
    zeros
        ZeRO stages offered (1 = a sharded optimizer only, 2 + gradients, 3 + parameters).
    zero_note
        Why the stages outside ``zeros`` are not offered when the framework itself has them
        (the export does not write them): the messages name it instead of saying the
        framework has no such stage.
    hybrid
        Hybrid sharding groups: ``any`` divisor, ``node`` (the GPUs of a node) or ``none``.
    sequence_parallel
        ``optional``, ``always`` (with ``tp > 1``) or ``never``.
    fp8
        FP8 GEMMs can be switched on.
    software
        How the framework runs what it launches, as :class:`~planner.perfmodel.options.Software`
        ``(key, value)`` pairs: the defaults of ``plan train --framework NAME``, under any
        ``--software`` the user gives.
    """

    name: str
    label: str
    version: str
    tp: bool = True
    pp: bool = True
    cp: bool = True
    ep: bool = True
    expert_tp: bool = True
    interleave: bool = True
    stages: str = "any"
    recomputes: frozenset[str] = frozenset({"none", "selective", "full", "offload"})
    partial: bool = True
    zeros: frozenset[int] = frozenset({0, 1, 2, 3})
    zero_note: str = ""
    hybrid: str = "any"
    sequence_parallel: str = "optional"
    fp8: bool = True
    interleave_divides: bool = False
    software: tuple[tuple[str, Any], ...] = ()

    @property
    def title(self) -> str:
        """``label (version)`` for messages."""
        return f"{self.label} ({self.version})"


#: Why the megatron profile offers no ZeRO-2/3 although Megatron-LM core_v0.15.3 has them.
MEGATRON_FSDP_NOTE = (
    "Megatron-LM core_v0.15.3 runs ZeRO-2/3 as Megatron-FSDP (--use-megatron-fsdp "
    "--data-parallel-sharding-strategy optim_grads / optim_grads_params), which the megatron "
    "export does not write"
)


PROFILES: dict[str, Framework] = {
    # export.py's megatron writer, NVIDIA/Megatron-LM core_v0.15.3 (309ffca6; the newest
    # release whose megatron/training/arguments.py declares every flag the export writes: from
    # core_v0.16 most come from dataclass fields). Every size (arguments.py: --tensor-/
    # --pipeline-model-parallel-size, --context-parallel-size, --expert-model-parallel-size,
    # --expert-tensor-parallel-size, default the TP size); any split: first / last stage counts
    # (--decoder-first/last-pipeline-num-layers, each divisible by the virtual stages,
    # transformer_config.py "must be divisible by virtual pipeline parallel degree") or, for the
    # rest, --pipeline-model-parallel-layout listing every virtual stage (core/transformer/
    # pipeline_parallel_layer_layout.py: embedding first, loss last, MTP with the loss);
    # recompute --recompute-granularity full|selective, --recompute-method block
    # --recompute-num-layers k (partial); no activation offload argument (TransformerConfig's
    # cpu_offloading has none in arguments.py and refuses pp > 1 and recompute); ZeRO-0/1
    # (--use-distributed-optimizer), hybrid sharding (--num-distributed-optimizer-instances);
    # fp8 (--fp8-format hybrid, the default --fp8-recipe delayed). Joint rules: megatron_rules.
    # core_v0.15.3 also runs ZeRO-2/3 as Megatron-FSDP (arguments.py: --use-megatron-fsdp,
    # --data-parallel-sharding-strategy no_shard|optim|optim_grads|optim_grads_params, which
    # asserts --ckpt-format fsdp_dtensor and CUDA_DEVICE_MAX_CONNECTIONS != 1; its docs list
    # TP, EP and CP as compatible, not PP), but the export does not write it (nor does --from
    # read it): the profile stays ZeRO-0/1 and zero_note says why (s24small).
    "megatron": Framework(
        "megatron",
        "Megatron-LM",
        "core_v0.15.3",
        recomputes=frozenset({"none", "selective", "full"}),
        zeros=frozenset({0, 1}),  # --use-distributed-optimizer
        zero_note=MEGATRON_FSDP_NOTE,
    ),
    # export.py's nemo writer (NeMo 2.0 recipes, 24.12): the strategy's tp / pp / vp / cp / ep
    # / sp only. No stage-split, expert-TP, recompute, sharding or fp8 key is written, so the
    # launch keeps the recipe's Megatron-Core defaults: equal stages and chunks, expert TP = TP,
    # TransformerConfig.recompute_granularity None (megatron/core/transformer/
    # transformer_config.py), the recipes' distributed optimizer (nemo/collections/llm/recipes/
    # optim/adam.py: use_distributed_optimizer=True) and bf16.
    "nemo": Framework(
        "nemo",
        "NeMo",
        "24.12",
        expert_tp=False,
        stages="even",
        recomputes=frozenset({"none"}),
        partial=False,
        zeros=frozenset({1}),
        hybrid="none",
        fp8=False,
    ),
    # export.py's deepspeed writer (DeepSpeed 0.16 config JSON): ZeRO stage, AutoTP size and
    # PipelineModule stages. No context / expert / sequence parallelism, interleaving, hybrid
    # sharding or activation offload key (export notes); activation checkpointing is whole
    # layers (deepspeed.checkpointing, docs "Activation Checkpointing"), not Megatron's
    # attention core; PipelineModule partitions the layers itself (partition_method), so only
    # equal stages are the split priced; ZeRO-2/3 refuse pipelines (deepspeed/runtime/pipe/
    # engine.py: "ZeRO-2 and ZeRO-3 are incompatible with pipeline parallelism"); AutoTP training
    # (DeepSpeed >= 0.16.4, tutorials/autotp-training) supports ZeRO stages 0-2, not 3.
    "deepspeed": Framework(
        "deepspeed",
        "DeepSpeed",
        "0.16.4",
        cp=False,
        ep=False,
        expert_tp=False,
        interleave=False,
        stages="even",
        recomputes=frozenset({"none", "full"}),
        partial=False,
        hybrid="none",
        sequence_parallel="never",
        fp8=False,
        # AutoTP's column-parallel input gradient is all-reduced by its own autograd function
        # (deepspeed/module_inject/layers.py @v0.16.4 ColumnParallel.backward: a blocking
        # dist.all_reduce of grad_output), which runs after the matmul's backward has computed
        # both the data and the weight gradient: nothing hides it
        software=(("tp_bwd_overlap", False),),
    ),
    # export.py's torchtitan writer, pytorch/torchtitan @6404b93 (torchtitan/config/
    # job_config.py, torchtitan/models/llama3/infra/parallelize.py and pipeline.py):
    # - TP always shards the norms' sequence (SequenceParallel() in the TP plan): sp with tp>1;
    # - activation_checkpoint.mode none / full; "selective" is op-level or every n-th layer
    #   (selective_ac_option), not the attention-core recompute the planner prices;
    # - uneven stages as pipeline_parallel_first/last_stage_less_layers below the others;
    #   interleaved: layers_per_stage, equal stages divisible by the virtual stages;
    # - ZeRO-0 is DDP, which parallelize refuses with any other dimension ("DDP has not
    #   supported > 1D parallelism"); ZeRO-1 only as FSDP without resharding under PP
    #   (export notes otherwise); experts split over TP (no expert TP setting); EP ("dp2ep")
    #   within the FSDP ranks: cp <= ep <= data_parallel_shard_degree * cp (job_config.py);
    # - no activation offload, no fp8 key written (model.converters).
    "torchtitan": Framework(
        "torchtitan",
        "torchtitan",
        "@6404b93",
        expert_tp=False,
        stages="first_last_le",
        recomputes=frozenset({"none", "full"}),
        partial=False,
        sequence_parallel="always",
        fp8=False,
        # DTensor TP without async TP (parallelize.py apply_tp): each block's input is
        # redistributed once (PrepareModuleInput, Shard(1) -> Replicate), so its gradient's
        # reduce-scatter runs after the backward of every column-parallel linear behind it
        # (wq / wk / wv, w1 / w3), data and weight gradients alike; async TP
        # (enable_async_tensor_parallel) is ``tp_overlap``. The linears' autograd saves that
        # replicated (gathered) input, so the backward gathers nothing again and the saved
        # inputs are full-sequence (``sp_gathered_inputs``, options.py). Async TP fuses the
        # all-gathers and the forward reduce-scatters with their matmuls, not the backward
        # reduce-scatter of a sum of matmuls (``tp_overlap_bwd_scatter``, options.py)
        software=(
            ("tp_bwd_overlap", False),
            ("sp_gathered_inputs", True),
            ("tp_overlap_bwd_scatter", False),
        ),
    ),
    # LLM Foundry @5e85bd62 with Composer v0.17.2 (the calibration rows' sweeps): FSDP over
    # every GPU, no tensor / pipeline / context / expert parallelism (composer/trainer/
    # dist_strategy.py prepare_fsdp_module wraps the model in FSDP only); the fsdp_config's
    # sharding_strategy NO_SHARD / SHARD_GRAD_OP / FULL_SHARD and, with torch >= 2.1,
    # HYBRID_SHARD / _HYBRID_SHARD_ZERO2 (composer/trainer/mosaic_fsdp_utils.py SHARDING_MAP;
    # torch's hybrid sharding shards inside a node); activation_checkpointing of whole MPT
    # blocks (or whole attention / FFN modules: modeling_mpt.py activation_checkpointing_fn,
    # activation_checkpointing_target; not Megatron's attention core) and
    # activation_cpu_offload (offload_wrapper, dist_strategy.py); Precision.AMP_FP8 through
    # Transformer Engine (composer/core/precision.py).
    "llmfoundry": Framework(
        "llmfoundry",
        "LLM Foundry / Composer",
        "llm-foundry @5e85bd62, Composer 0.17.2",
        tp=False,
        pp=False,
        cp=False,
        ep=False,
        expert_tp=False,
        interleave=False,
        stages="even",
        recomputes=frozenset({"none", "full", "offload"}),
        partial=False,
        zeros=frozenset({0, 2, 3}),
        hybrid="node",
        sequence_parallel="never",
        # activation_cpu_offload is torch's offload_wrapper (save_on_cpu): its copies run on
        # the compute stream; the checkpoint wrapper sits inside each block's FSDP unit, so
        # the backward's gathered weights serve the recompute (the calibration rows' facts,
        # calibration/published.py LLMFOUNDRY_SOFTWARE); its MPT model's dropouts default to
        # probability 0 (configuration_mpt.py @5e85bd62), which saves no masks
        software=(
            ("offload_streams", False),
            ("recompute_gathers", False),
            ("dropout_masks", False),
            ("torch_fsdp", True),
        ),
    ),
}

#: The framework each calibration source ran on, where a profile describes it (the others,
#: e.g. Megatron-Core releases other than core_v0.15.3 or in-house stacks, have none: their
#: best plan is the unrestricted one).
SOURCE_FRAMEWORKS = {"llmfoundry2401": "llmfoundry"}


def check_name(name: str | None, flag: str = "--framework") -> str | None:
    """The profile name (``None`` for ``any``), or :class:`InputError` naming ``name``."""
    if name is None:
        return None
    key = name.strip().lower()
    if key == "any":
        return None
    if key not in PROFILES:
        raise InputError(f"{flag}: unknown framework {name!r} (known: any, {', '.join(PROFILES)})")
    return key


def profile(name: str | None) -> Framework | None:
    """The profile of ``name`` (``None``: no restriction)."""
    return PROFILES[name] if name else None


def software_defaults(name: str | None) -> dict[str, Any]:
    """The :class:`~planner.perfmodel.options.Software` facts of framework ``name`` (none: ``{}``)."""
    fw = profile(name)
    return dict(fw.software) if fw else {}


def row_framework(source: str) -> str | None:
    """The framework of a calibration source (:data:`SOURCE_FRAMEWORKS`)."""
    return SOURCE_FRAMEWORKS.get(source)


def shard_group_ok(fw: Framework, group: int, gpus_per_node: int) -> bool:
    """Whether ``fw`` can shard states over groups of ``group`` ranks (0: all of them)."""
    if not group:
        return True
    if fw.hybrid == "none":
        return False
    return fw.hybrid == "any" or group == gpus_per_node


def stage_shape_ok(fw: Framework, layers: tuple[int, ...], v: int) -> bool:
    """Whether ``fw`` can build pipeline stages of ``layers`` with ``v`` virtual stages."""
    if len(layers) <= 1:
        return True
    if fw.interleave_divides and any(n % v for n in layers):
        return False
    middle = layers[1:-1]
    if fw.stages == "any":
        return True
    if fw.stages == "even" or (fw.stages == "first_last_le" and v > 1):
        return len(set(layers)) == 1 and layers[0] % v == 0
    if len(set(middle)) > 1:
        return False
    if fw.stages == "first_last_le" and middle:
        return max(layers[0], layers[-1]) <= middle[0]
    return True


def stage_splits(
    fw: Framework, total: int, pp: int, v: int, least: int = 1
) -> Iterator[tuple[int, ...]]:
    """Every split of ``total`` layers over ``pp`` stages that ``fw`` can build (``v`` virtual
    stages; each stage holds at least ``max(least, v)`` layers)."""
    least = max(least, v)
    if pp == 1:
        yield (total,)
        return
    if fw.stages == "even" or (fw.stages == "first_last_le" and v > 1):
        n = total // pp
        if total % pp == 0 and n % v == 0 and n >= least:
            yield (n,) * pp
        return
    step = v if fw.interleave_divides else 1
    start = -(-least // step) * step
    if fw.stages == "any":  # every composition (the search uses its own exact split)
        yield from _compositions(total, pp, start, step)
        return
    if pp == 2:
        for a in range(start, total - least + 1, step):
            split = (a, total - a)
            if stage_shape_ok(fw, split, v):
                yield split
        return
    for m in range(start, total // (pp - 2) + 1, step):
        rest = total - (pp - 2) * m
        for a in range(start, rest - least + 1, step):
            split = (a, *([m] * (pp - 2)), rest - a)
            if stage_shape_ok(fw, split, v):
                yield split


def _compositions(total: int, parts: int, least: int, step: int) -> Iterator[tuple[int, ...]]:
    """Splits of ``total`` into ``parts`` multiples of ``step``, each at least ``least``."""
    if parts == 1:
        if total >= least and total % step == 0:
            yield (total,)
        return
    for first in range(least, total - least * (parts - 1) + 1, step):
        for rest in _compositions(total - first, parts - 1, least, step):
            yield (first, *rest)


def zero_refusal(fw: Framework, zero: int) -> str:
    """Why ``fw``'s profile does not offer ZeRO stage ``zero`` (not in ``fw.zeros``): the
    stages it offers, and its ``zero_note`` when the framework has the stage but its export
    does not write it (Megatron-FSDP: "Megatron-LM offers ZeRO stages 0, 1" was untrue)."""
    offered = ", ".join(map(str, sorted(fw.zeros)))
    if fw.zero_note:
        return f"the {fw.name} export launches ZeRO stages {offered}, not {zero}: {fw.zero_note}"
    return f"{fw.title} offers ZeRO stages {offered}, not {zero}"


def violations(fw: Framework, problem: Any, plan: Any) -> list[str]:
    """Why ``fw`` cannot launch ``plan`` for ``problem`` (empty when it can)."""
    out: list[str] = []
    say = f"{fw.title} has no"
    for flag, size, what in (
        (fw.tp, plan.tp, "tensor parallelism (tp=1 only)"),
        (fw.pp, plan.pp, "pipeline parallelism (pp=1 only)"),
        (fw.cp, plan.cp, "context parallelism (cp=1 only)"),
        (fw.ep, plan.ep, "expert parallelism (ep=1 only)"),
        (fw.interleave, plan.interleave, "interleaved virtual stages (v=1 only)"),
    ):
        if not flag and size > 1:
            out.append(f"{say} {what}")
    if not fw.expert_tp and plan.etp != plan.tp:
        out.append(f"{say} expert tensor parallelism below tp (expert_tp={plan.etp})")
    rc = plan.recompute
    if rc == "full" and plan.recompute_layers and not fw.partial:
        out.append(f"{say} full recompute of some layers per stage (recompute_layers)")
    elif rc not in fw.recomputes:
        offered = ", ".join(sorted(fw.recomputes))
        out.append(f"{fw.title} offers recompute {offered}, not {rc}")
    if plan.zero not in fw.zeros:
        out.append(zero_refusal(fw, plan.zero))
    node = problem.cluster.pools[0].gpus_per_node
    if plan.shard_group and not shard_group_ok(fw, plan.shard_group, node):
        where = "none" if fw.hybrid == "none" else f"only groups of a node's {node} GPUs"
        out.append(f"{fw.title} hybrid sharding: {where}, not shard_group={plan.shard_group}")
    if fw.sequence_parallel == "never" and plan.sequence_parallel:
        out.append(f"{say} sequence parallelism")
    if fw.sequence_parallel == "always" and plan.tp > 1 and not plan.sequence_parallel:
        out.append(f"{fw.title} always shards the sequence along TP: sp must be on with tp > 1")
    if problem.workload.precision == "fp8" and not fw.fp8:
        out.append(f"{say} fp8 setting")
    layers = tuple(plan.stage_layers)
    if layers and not stage_shape_ok(fw, layers, plan.interleave):
        out.append(f"{fw.title} cannot build the stages {list(layers)} ({_stage_rule(fw)})")
    out += _cross_rules(fw, problem, plan)
    return out


def _stage_rule(fw: Framework) -> str:
    rule = {
        "any": "any split",
        "first_last": "first and last stage free, the middle stages equal",
        "first_last_le": "the first and last stage at most the others, which are equal; "
        "equal stages when interleaved",
        "even": "equal stages",
    }[fw.stages]
    if fw.interleave_divides:
        rule += ", every stage divisible by the virtual stages"
    return rule


def _cross_rules(fw: Framework, problem: Any, plan: Any) -> list[str]:
    """Rules joining several decisions (cited in :data:`PROFILES`)."""
    out = []
    if fw.name == "torchtitan":
        if plan.zero == 0 and max(plan.tp, plan.pp, plan.cp) > 1:
            out.append("torchtitan runs ZeRO-0 (DDP) only without TP, PP or CP")
        if plan.zero == 1 and plan.pp == 1:
            out.append("torchtitan has no ZeRO-1 without pipeline parallelism (FSDP reshards)")
        shard = plan.dp if plan.zero >= 1 else 1
        if plan.zero >= 1 and plan.shard_group:
            shard = plan.shard_group // plan.cp if plan.shard_group % plan.cp == 0 else 0
            if not shard:
                out.append("torchtitan shards over data-parallel x context-parallel ranks")
        if plan.ep > 1 and not plan.cp <= plan.ep <= shard * plan.cp:
            out.append("torchtitan's dp2ep needs cp <= ep <= data_parallel_shard_degree * cp")
    if fw.name == "deepspeed":
        out += deepspeed_rules(plan.tp, plan.pp, plan.zero)
    if fw.name == "megatron":
        out += megatron_rules(problem, plan)
    if fw.name == "megatron" and plan.zero >= 1 and plan.shard_group and problem.model.is_moe:
        instances = plan.dp * plan.cp // plan.shard_group
        edp = plan.tp * plan.cp * plan.dp // (plan.etp * plan.ep)
        if edp % instances:
            out.append(
                f"Megatron-Core needs the expert data-parallel size ({edp}) divisible by the "
                f"{instances} optimizer instances"
            )
    return out


#: Megatron-Core core_v0.15.3's refusal of the EP A2A overlap with full recompute
#: (megatron/core/transformer/transformer_config.py, ``__post_init__``).
A2A_RECOMPUTE_RULE = (
    "Megatron-Core (core_v0.15.3) refuses --overlap-moe-expert-parallel-comm with full "
    "recompute (transformer_config.py: 'disable full recomputation when enabling "
    "overlap_moe_expert_parallel_comm')"
)


def megatron_ep_overlap(problem: Any, plan: Any) -> bool:
    """Whether ``plan``'s step prices Megatron-Core's EP A2A overlap
    (``--overlap-moe-expert-parallel-comm``): an MoE model with ``ep > 1`` and the software's
    ``ep_overlap`` running as that overlap (not DualPipe's schedule;
    :attr:`planner.perfmodel.stage.TrainingStep.ep_overlapped`)."""
    if not problem.model.is_moe or plan.ep < 2 or problem.software.ep_overlap == "none":
        return False
    step = training_step(problem, plan)
    return step.ep_overlapped and step.schedule != "dualpipe"


def megatron_rules(problem: Any, plan: Any) -> list[str]:
    """Megatron-Core core_v0.15.3's refusals joining the MoE overlap, schedule and dispatcher
    settings with the plan (``transformer_config.py`` and ``moe/token_dispatcher.py`` there).

    * ``--overlap-moe-expert-parallel-comm`` asserts ``recompute_granularity != 'full'``,
      ``recompute_method is None`` and ``recompute_num_layers is None`` (so no full or partial
      recompute; selective is allowed) and ``mtp_num_layers`` None or 1;
    * no DualPipe schedule (the ``dualpipe`` setting at an even ``pp`` with ``v = 1``);
    * the flex dispatcher runs DeepEP only (``MoEFlexTokenDispatcher`` asserts
      ``--moe-enable-deepep``; HybridEP's ``--moe-flex-dispatcher-backend`` is core >= 0.16).
    """
    out = []
    sw, m = problem.software, problem.model
    # the schedule is priced whatever the model and EP size (a dense model's or an ep = 1
    # plan's too: TrainingStep.schedule), so the rule does not ask for them
    dual = sw.ep_overlap == "dualpipe" and plan.pp > 1
    if dual and training_step(problem, plan).schedule == "dualpipe":
        out.append(
            "Megatron-LM (core_v0.15.3) has no DualPipe schedule (ep_overlap=dualpipe at an "
            "even pp with v = 1; ep_overlap=a2a is its --overlap-moe-expert-parallel-comm)"
        )
    if megatron_ep_overlap(problem, plan):
        if plan.recompute == "full":
            out.append(A2A_RECOMPUTE_RULE)
        if m.mtp_layers > 1:
            out.append(
                "Megatron-Core (core_v0.15.3) runs --overlap-moe-expert-parallel-comm with at "
                f"most 1 MTP layer, not {m.mtp_layers} (transformer_config.py)"
            )
    if m.is_moe and sw.dispatcher == "flex" and sw.flex_backend != "deepep":
        out.append(
            f"Megatron-LM (core_v0.15.3)'s flex dispatcher runs DeepEP only, not "
            f"{sw.flex_backend} (--moe-flex-dispatcher-backend is Megatron-Core >= 0.16)"
        )
    return out


def deepspeed_rules(tp: int, pp: int, zero: int) -> list[str]:
    """DeepSpeed's refusals joining ZeRO with TP or PP (cited in :data:`PROFILES`)."""
    out = []
    if pp > 1 and zero >= 2:
        out.append(f"DeepSpeed's pipeline engine refuses ZeRO-{zero} (ZeRO-0/1 with pp > 1)")
    if tp > 1 and zero >= 3:
        out.append("DeepSpeed's AutoTP training runs with ZeRO-0/1/2 only, not ZeRO-3")
    return out


def fixed_violation(
    fw: Framework, constraints: Any, gpus_per_node: int = 8, problem: Any = None
) -> str | None:
    """A fixed decision of ``constraints`` that ``fw`` cannot launch, in words (or ``None``;
    ``gpus_per_node``: the node a ``node`` hybrid-sharding group must be; ``problem``, when
    given, adds the rules joining the fixed decisions with its model and software)."""
    c = constraints
    if problem is not None and fw.name == "megatron":
        why = megatron_fixed_rule(problem)
        if why:
            return why
    for key, flag in (
        ("tp", fw.tp),
        ("pp", fw.pp),
        ("cp", fw.cp),
        ("ep", fw.ep),
        ("interleave", fw.interleave),
    ):
        value = getattr(c, key)
        if not flag and value is not None and value > 1:
            return f"{key}={value}: {fw.title} has no {key} > 1"
    if c.recompute is not None and c.recompute not in fw.recomputes:
        offered = ", ".join(sorted(fw.recomputes))
        return f"recompute={c.recompute}: {fw.title} offers recompute {offered}"
    if c.recompute_layers and not fw.partial:
        return f"recompute_layers={c.recompute_layers}: {fw.title} has no partial recompute"
    if c.zero is not None and c.zero not in fw.zeros:
        return f"zero={c.zero}: {zero_refusal(fw, c.zero)}"
    if c.shard_group and not shard_group_ok(fw, c.shard_group, gpus_per_node):
        where = "none" if fw.hybrid == "none" else f"groups of a node's {gpus_per_node} GPUs only"
        return f"shard_group={c.shard_group}: {fw.title} hybrid sharding: {where}"
    if c.expert_tp is not None and not fw.expert_tp and c.tp is not None and c.expert_tp != c.tp:
        return f"expert_tp={c.expert_tp}: {fw.title} splits the experts over tp={c.tp}"
    if fw.name == "torchtitan":  # _cross_rules on the fixed values
        if c.zero == 0 and any((getattr(c, k) or 1) > 1 for k in ("tp", "pp", "cp")):
            return "zero=0: torchtitan runs DDP only without TP, PP or CP"
        if c.zero == 1 and c.pp == 1:
            return "zero=1 with pp=1: torchtitan has no ZeRO-1 without pipeline parallelism"
    if fw.name == "deepspeed" and c.zero is not None:  # _cross_rules on the fixed values
        refused = deepspeed_rules(c.tp or 1, c.pp or 1, c.zero)
        if refused:
            return f"zero={c.zero}: {refused[0]}"
    if c.sequence_parallel and fw.sequence_parallel == "never":
        return f"sp=on: {fw.title} has no sequence parallelism"
    always = fw.sequence_parallel == "always"
    if c.sequence_parallel is False and always and c.tp is not None and c.tp > 1:
        return f"sp=off with tp={c.tp}: {fw.title} always shards the sequence along TP"
    if c.stage_layers is not None:
        v = c.interleave or 1
        if not stage_shape_ok(fw, tuple(c.stage_layers), v):
            return f"stage_layers={list(c.stage_layers)}: {fw.title} builds {_stage_rule(fw)}"
    return None


def megatron_fixed_rule(problem: Any) -> str | None:
    """:func:`megatron_rules` that refuse every plan of ``problem``: the software's (HybridEP)
    or the fixed decisions' (``ep > 1`` and ``pp = 1`` or ``v > 1`` fixed with full recompute:
    the EP A2A overlap runs, so the recompute is refused); ``None`` when plans remain."""
    c, sw, m = problem.constraints, problem.software, problem.model
    if m.is_moe and sw.dispatcher == "flex" and sw.flex_backend != "deepep":
        return (
            f"flex_backend={sw.flex_backend}: Megatron-LM (core_v0.15.3)'s flex dispatcher runs "
            "DeepEP only (--moe-flex-dispatcher-backend is Megatron-Core >= 0.16)"
        )
    full = c.recompute == "full" or bool(c.recompute_layers)
    # dualpipe runs as the EP A2A overlap too where its own schedule cannot (pp = 1, v > 1)
    runs = c.pp == 1 or (c.interleave or 1) > 1
    if full and m.is_moe and sw.ep_overlap != "none" and (c.ep or 1) > 1 and runs:
        return f"recompute=full with ep={c.ep} and ep_overlap={sw.ep_overlap}: {A2A_RECOMPUTE_RULE}"
    return None


__all__ = [
    "A2A_RECOMPUTE_RULE",
    "MEGATRON_FSDP_NOTE",
    "PROFILES",
    "SOURCE_FRAMEWORKS",
    "Framework",
    "check_name",
    "deepspeed_rules",
    "fixed_violation",
    "megatron_ep_overlap",
    "megatron_fixed_rule",
    "megatron_rules",
    "profile",
    "row_framework",
    "stage_shape_ok",
    "stage_splits",
    "violations",
    "zero_refusal",
]
