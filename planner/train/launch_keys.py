"""Settings of real launch files that the cost model does not price (``--from``).

A launch written by a user (Megatron-LM's ``examples/*.sh`` arguments, DeepSpeedExamples'
``ds_config`` JSONs, torchtitan's ``train_configs/*.toml``) holds, besides the layout the planner reads, the optimizer's
hyperparameters, the learning-rate schedule, logging, profiling, checkpointing and data paths.
None of them changes a step's time or memory as the model prices it, so ``--from`` reads them
and says so in one note, instead of refusing the file on its first such key. Every other key
stays an error naming it (:mod:`planner.train.launch`), so a typo or a setting that would change
the cost is never silently dropped.

Sources: Megatron-LM's ``megatron/training/arguments.py`` (core_v0.15.3); DeepSpeed's config reference (deepspeed.ai/docs/config-json, and
``deepspeed/runtime/config.py``, ``deepspeed/runtime/zero/config.py`` @edaa7221); torchtitan's
``torchtitan/config/job_config.py`` @6404b93.
"""

from __future__ import annotations

#: Adam-family optimizers: two moments per trained parameter, as the model prices them
#: (DeepSpeed's ``optimizer.type`` names, case-insensitive; torchtitan's ``optimizer.name``).
ADAM_FAMILY = frozenset({"adam", "adamw", "fusedadam", "lamb", "onebitadam", "onebitlamb"})

#: DeepSpeed keys read and not priced: hyperparameters, logging, bucket sizes (which only size
#: the communication buffers the model charges as a share of the weights).
DEEPSPEED_UNPRICED = frozenset(
    {
        "steps_per_print",
        "wall_clock_breakdown",
        "memory_breakdown",
        "dump_state",
        "gradient_clipping",
        "prescale_gradients",
        "gradient_predivide_factor",
        "zero_allow_untested_optimizer",
        "torch_autocast.enabled",
        "torch_autocast.dtype",
        "fp16.loss_scale",
        "fp16.initial_scale_power",
        "fp16.loss_scale_window",
        "fp16.hysteresis",
        "fp16.min_loss_scale",
        "zero_optimization.contiguous_gradients",
        "zero_optimization.reduce_bucket_size",
        "zero_optimization.allgather_bucket_size",
        "zero_optimization.allgather_partitions",
        "zero_optimization.reduce_scatter",
        "zero_optimization.round_robin_gradients",
        "zero_optimization.sub_group_size",
        "zero_optimization.stage3_param_persistence_threshold",
        "zero_optimization.stage3_max_live_parameters",
        "zero_optimization.stage3_max_reuse_distance",
        "zero_optimization.stage3_prefetch_bucket_size",
        "zero_optimization.stage3_gather_16bit_weights_on_model_save",
    }
)
#: DeepSpeed sections read and not priced (any key below them).
DEEPSPEED_UNPRICED_PREFIXES = (
    "optimizer.params.",
    "scheduler.",
    "tensorboard.",
    "wandb.",
    "csv_monitor.",
    "comms_logger.",
    "flops_profiler.",
    "checkpoint.",
)

#: torchtitan sections read and not priced (job.config.JobConfig @6404b93).
TORCHTITAN_UNPRICED_SECTIONS = frozenset(
    {"job", "profiling", "metrics", "comm", "checkpoint", "lr_scheduler", "validation", "float8"}
)
#: torchtitan keys read and not priced outside those sections (``float8.*`` only acts through
#: ``model.converters``, which is read).
TORCHTITAN_UNPRICED = frozenset(
    {
        "model.name",
        "model.flavor",
        "model.tokenizer_path",
        "model.hf_assets_path",
        "optimizer.lr",
        "optimizer.eps",
        "optimizer.beta1",
        "optimizer.beta2",
        "optimizer.weight_decay",
        "optimizer.implementation",
        "training.max_norm",
        "training.steps",
        "training.warmup_steps",
        "training.dataset",
        "training.dataset_path",
        "training.gc_freq",
        "training.seed",
        "training.deterministic",
    }
)


#: Megatron-LM arguments read and not priced: optimizer hyperparameters and schedules, logging,
#: evaluation, checkpointing, data and tokenizer, initialization, the fp8 scaling recipe, and
#: model-description flags whose cost the model takes from ``--model`` (positional encoding,
#: norm type; the shape arguments and ``--swiglu`` / ``--untie-embeddings-and-output-weights`` /
#: ``--disable-bias-linear`` are checked against it, :mod:`planner.train.launch`).
MEGATRON_UNPRICED = frozenset(
    {
        "--use-mcore-models",
        "--group-query-attention",
        "--max-position-embeddings",
        "--position-embedding-type",
        "--rotary-base",
        "--rotary-percent",
        "--normalization",
        "--apply-layernorm-1p",
        "--init-method-std",
        "--attention-backend",
        "--attention-dropout",
        "--train-samples",
        "--train-iters",
        "--lr",
        "--min-lr",
        "--decoupled-lr",
        "--decoupled-min-lr",
        "--lr-decay-style",
        "--lr-decay-samples",
        "--lr-decay-iters",
        "--lr-warmup-samples",
        "--lr-warmup-iters",
        "--lr-warmup-fraction",
        "--clip-grad",
        "--weight-decay",
        "--adam-beta1",
        "--adam-beta2",
        "--adam-eps",
        "--calculate-per-token-loss",
        "--manual-gc",
        "--empty-unused-memory-level",
        "--exit-duration-in-mins",
        "--exit-interval",
        "--log-interval",
        "--log-throughput",
        "--eval-iters",
        "--eval-interval",
        "--save-interval",
        "--save",
        "--load",
        "--tensorboard-dir",
        "--data-path",
        "--mock-data",
        "--split",
        "--vocab-file",
        "--merge-file",
        "--tokenizer-type",
        "--tokenizer-model",
        "--tiktoken-pattern",
        "--data-cache-path",
        "--no-create-attention-mask-in-dataloader",
        "--no-mmap-bin-files",
        "--num-workers",
        "--fp8-amax-history-len",
        "--fp8-amax-compute-algo",
        "--profile",
        "--profile-step-start",
        "--profile-step-end",
        "--ckpt-format",
        "--distributed-timeout-minutes",
    }
)


def megatron_unpriced(key: str) -> bool:
    """Whether Megatron-LM argument ``key`` is read and not priced."""
    return key in MEGATRON_UNPRICED


def deepspeed_unpriced(key: str) -> bool:
    """Whether DeepSpeed config key ``key`` (dotted) is read and not priced."""
    return key in DEEPSPEED_UNPRICED or key.startswith(DEEPSPEED_UNPRICED_PREFIXES)


def torchtitan_unpriced(key: str) -> bool:
    """Whether torchtitan TOML key ``key`` (``section.name``) is read and not priced."""
    return key in TORCHTITAN_UNPRICED or key.split(".", 1)[0] in TORCHTITAN_UNPRICED_SECTIONS


def unpriced_note(keys: list[str], sections: tuple[str, ...] = ()) -> str:
    """The note listing the keys read and not priced, a key under one of ``sections`` (dotted
    prefixes, e.g. ``"scheduler."``) shown as that section (``scheduler.*``).

    Parameters
    ----------
    keys
        The keys (or arguments) of the launch read without a price.
    sections
        Dotted prefixes shown as one entry each.

    Returns
    -------
    str
        One note line for the launch's ``notes``.
    """
    shown: list[str] = []
    for key in keys:
        name = next((f"{p}*" for p in sections if key.startswith(p)), key)
        if name not in shown:
            shown.append(name)
    return "read, not priced (hyperparameters, logging, I/O): " + ", ".join(shown)


__all__ = [
    "ADAM_FAMILY",
    "DEEPSPEED_UNPRICED",
    "DEEPSPEED_UNPRICED_PREFIXES",
    "MEGATRON_UNPRICED",
    "TORCHTITAN_UNPRICED",
    "TORCHTITAN_UNPRICED_SECTIONS",
    "deepspeed_unpriced",
    "megatron_unpriced",
    "torchtitan_unpriced",
    "unpriced_note",
]
