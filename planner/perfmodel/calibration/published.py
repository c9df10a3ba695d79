"""Every public measurement the performance model is compared with, marked *fit* or *held-out*.

A row names its source (:data:`SOURCES`: citation, year, framework and
version), the hardware, the model, the layout and workload, the metric and
the measured value. ``split`` says whether the calibration fit
(:mod:`planner.perfmodel.calibration.fit`) may use it: held-out rows (and
whole held-out sources) only measure the model's accuracy. This list and its
marks were committed before the fit was first run (git history shows it).

Sources:

* Narayanan et al., SC'21 ("Efficient Large-Scale Language Model Training on
  GPU Clusters Using Megatron-LM"), Table 1: A100-80GB, 8 GPUs per node,
  V = 51,200, s = 2048, full recompute. ``t``, ``p``, GPUs, global batch and
  achieved TFLOP/s per GPU from the table; microbatch size, interleaving
  (``--num-layers-per-virtual-pipeline-stage``) and the DDP implementation
  (``torch``: gradient all-reduce overlapped with the backward; ``local``:
  after it) from the paper's run script ``examples/sc21/run_table_1.sh`` in
  the Megatron-LM repository.
* Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
  Transformer Models"), Table 5: iteration time (s) with full recompute and
  with sequence parallelism + selective recompute (A100-80GB, s = 2048).
* NVIDIA NeMo 24.07 performance summary (DGX-H100, FP8), github
  NVIDIA/NeMo ``docs/source/performance/performance_summary.md`` @070a0bb.
* NVIDIA Megatron-Bridge performance summary, "25.11 NeMo Container"
  (DGX-H100, DGX-B200, FP8 current scaling), github
  NVIDIA-NeMo/Megatron-Bridge ``docs/performance-summary.md`` @00b7660.
* TensorRT-LLM perf overview (trtllm-bench, in-flight batching, FP8
  checkpoints), NVIDIA/TensorRT-LLM
  ``docs/source/performance/perf-overview.md`` @00f37686.
* MosaicML LLM Foundry, "MPT Training Benchmarks"
  (``scripts/train/benchmarking/README.md``, tables last changed 2024-01-06,
  mosaicml/llm-foundry @8c8dd48f): MPT-125M ... MPT-70B trained with PyTorch
  FSDP (FULL_SHARD = ZeRO-3, SHARD_GRAD_OP = ZeRO-2), no tensor or pipeline
  parallelism, on A100-40GB, A100-80GB and H100-80GB; throughput in tokens/s
  per GPU. Architecture dimensions from ``scripts/train/yamls/pretrain/mpt-*.yaml``
  (MHA, expansion ratio 4, vocabulary 50,368, no biases, learned position
  embeddings counted in the parameter column). Rows collected, with the
  table line each value comes from, by helper "lit" (notes/lit, source T04).
  A whole held-out source: another framework (Composer) and another layout
  family (FSDP with no model parallelism) than every fitted row.
* Megatron-LM README, "Performance Benchmarking" weak-scaling table
  (``images/model_table.png``, NVIDIA/Megatron-LM @f2e5db402c, 2024-07-15,
  Megatron-Core r0.8.0): GPT 1.7B ... 462B on 48 ... 6,144 H100, vocabulary
  131,072, s = 4096, model TFLOP/s per GPU (numbers read off the image by
  helper "lit", notes/lit source T06). The README names the overlap flags
  (``--overlap-grad-reduce --overlap-param-gather``, which needs the
  distributed optimizer, and ``--tp-comm-overlap``). Precision is not stated:
  bf16, because every row's MFU is its TFLOP/s over the 989 TFLOP/s bf16
  dense peak (e.g. 465.9 / 989 = 47 %). The launch settings are not public
  (the README and ``images/`` are all there is; NVIDIA/Megatron-LM issues
  #1031 and #1571 ask for them and have no answer), so micro-batch size,
  interleaving and recomputation are inferred, not quoted (see
  :data:`MEGATRON_README_TABLE`): one micro-batch per step on the PP = 1
  rows, interleaved 1F1B on the PP > 1 rows, no recomputation, sequence
  parallelism with TP. The README's strong-scaling text (the 177B model
  from 96 to 4,608 H100 at batch 1,152, MFU 47 % -> 42 %) gives one more,
  held-out row: 47 % on 96 GPUs. The only bf16 Hopper fit source.
* Megatron-Bridge performance summary archive, section "25.09 NeMo
  Container" (NVIDIA-NeMo/Megatron-Bridge ``docs/performance-summary-archive.md``
  @067f987d, notes/lit source T13): the DGX-B200 dense rows (FP8 recipe,
  the unparenthesised values) are the Blackwell fit rows. The held-out
  ``bridge2511`` B200 rows run the same recipes one release later, so they
  are not an independent check of the Blackwell efficiency.
* AMD Accelerator Cloud (AAC) training logs published by an AMD engineer,
  github hisohara/ai-scripts (``aac_megatron2508``: ``training/02_megatron/README.md``
  @3ae89cf1, a 2025-08-13 run; ``aac_primus2511``: ``training/03_primus/*.log`` @4fb66ab5
  and ``training/04_megatron-pyxis/megatron-pyxis-12384.out`` @97db03fb, 2025-11). The
  only CDNA3 *training* rows: one node of 8 x MI300X (AAC8, the repository's RCCL test
  prints "AMD Instinct MI300X" there), ROCm/Megatron-LM ``examples/llama/train_llama2.sh``
  built from source (Megatron-LM @38fc8307, TransformerEngine @8c4a512, PyTorch
  2.8.0+rocm6.4, ``GEMM_TUNING=0``), and 2-8 nodes of 8 x MI325X (AAC11, Broadcom RoCE)
  in the ``rocm/primus:v25.9_gfx942`` image (same digest as ``rocm/megatron-lm:v25.9_gfx942``),
  driven by Primus @e16b27b or by the image's ``train_llama3.sh``. Every setting comes
  from the log's argument dump (or the launch script); metric = Megatron's "elapsed time
  per iteration" (the script's or Primus's running mean over the run, 50 iterations;
  the mean of iterations 3-10 for the 10-iteration 70B FSDP run). FP8 = Transformer Engine
  ``hybrid`` delayed scaling. One person's runs on a shared cloud, not a vendor table: a
  whole held-out source pair, never fitted.
* AMD's "Performance results with AMD ROCm software" page (AI Training, Megatron-LM via
  Primus, multi-node), as AMD quotes it in its Primus projection blog, github
  ROCm/rocm-blogs ``blogs/software-tools-optimization/primus-projection/README.md``
  @5f2d6c15 (2026-04-24; the stored copies of the page itself hold only its inference
  tables): 8 nodes of 8 x MI325X, ``rocm/primus:v26.1`` (released 2026-01-21), tokens/s
  per GPU. Layouts from the ROCm docs for that image (ROCm/legacy-rocm-build
  ``docs/how-to/rocm-for-ai/training/benchmark-docker/previous-versions/primus-megatron-v26.1.rst``
  @3a76bebd, "Multi-node training examples": Primus @c4c083de, ``run_slurm_pretrain.sh``
  with ``NNODES=8``) and the Primus recipes they name (AMD-AGI/Primus @c4c083de
  ``examples/megatron/configs/MI300X/llama3.1_{8B-FP8,70B-FP8,70B-BF16}-pretrain.yaml``,
  unchanged at the image's own Primus @9c529cd4). The CDNA3 *training* fit rows.
* MLPerf Training v5.1 (closed division, 2025-11-12), Llama 3.1 8B pretraining on one node
  of 8 x MI355X (CDNA4), github mlcommons/training_results_v5.1 @4da2d1cd: AMD's own
  submission (``AMD/results/MI355X_EPYC_9575F_pytorch/llama31_8b``) and Supermicro's
  (``Supermicro/results/8xMI355X_2xEPYC_9575F/llama31_8b``), both in AMD's container
  ``rocm/amd-mlperf:llama31_8b_training_5.1``. The model is Llama 3.1 8B with the Llama
  tokenizer, s 8192 (mlcommons/training ``small_language_model_pretraining/nemo/README.md``);
  the layout from the submission's ``config_MI355X_1x8x1_8b.sh`` (``TP=1 PP=1 CP=1``,
  ``GBS=32 MBS=2``, ``FP8_PARAMS=1``, Transformer Engine FP8 with CK fused attention). The
  metric is the logs' ``tracked_stats`` ``throughput`` (samples/s of the 8 GPUs over each
  12,288-sample training block, evaluation excluded), steady blocks only. The only CDNA4
  rows: entered held-out (no CDNA4 term is fitted), before the model's error on them was
  looked at.

The NeMo and Megatron-Bridge rows report model TFLOP/s per GPU under their
own FLOP count; the model converts them with its own model FLOPs (full
``s x s`` attention, as Megatron counts), an approximation named in the
report.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where rows come from, and the software stack they ran."""

    key: str
    citation: str
    year: int
    framework: str
    version: str


SOURCES = {
    s.key: s
    for s in (
        Source(
            "narayanan2021",
            "Narayanan et al., SC'21, Table 1 (+ examples/sc21/run_table_1.sh)",
            2021,
            "Megatron-LM",
            "2021 (SC'21 artifact)",
        ),
        Source(
            "korthikanti2022",
            "Korthikanti et al. 2022, Table 5",
            2022,
            "Megatron-LM",
            "2022 (sequence parallelism + selective recompute)",
        ),
        Source(
            "nemo2407",
            "NVIDIA NeMo performance summary, NeMo 24.07 (NVIDIA/NeMo @070a0bb)",
            2024,
            "NeMo / Megatron-Core",
            "24.07",
        ),
        Source(
            "bridge2511",
            "NVIDIA Megatron-Bridge performance summary, 25.11 container "
            "(NVIDIA-NeMo/Megatron-Bridge @00b7660)",
            2025,
            "Megatron-Bridge / Megatron-Core",
            "NeMo 25.11",
        ),
        Source(
            "megatron_readme2407",
            "Megatron-LM README, Performance Benchmarking weak-scaling table "
            "(images/model_table.png, NVIDIA/Megatron-LM @f2e5db402c)",
            2024,
            "Megatron-LM / Megatron-Core",
            "r0.8.0",
        ),
        Source(
            "bridge2509",
            "NVIDIA Megatron-Bridge performance summary archive, 25.09 container "
            "(NVIDIA-NeMo/Megatron-Bridge docs/performance-summary-archive.md @067f987d)",
            2025,
            "Megatron-Bridge / Megatron-Core",
            "NeMo 25.09",
        ),
        Source(
            "bridge2511moe",
            "NVIDIA Megatron-Bridge performance summary, 25.11 container, MoE pre-training rows "
            "(NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md @00b7660; recipes "
            "scripts/performance/configs @00b7660)",
            2025,
            "Megatron-Bridge / Megatron-Core (MoE: EP, grouped GEMM, DeepEP / HybridEP)",
            "NeMo 25.11",
        ),
        Source(
            "bridge2509moe",
            "NVIDIA Megatron-Bridge performance summary archive, 25.09 container, MoE pre-training "
            "rows (NVIDIA-NeMo/Megatron-Bridge docs/performance-summary-archive.md @067f987d; "
            "recipes scripts/performance @v0.1.0rc3)",
            2025,
            "Megatron-Bridge / Megatron-Core (MoE: EP, grouped GEMM, token drop)",
            "NeMo 25.09",
        ),
        Source(
            "bridge2606moe",
            "NVIDIA Megatron-Bridge performance summary archive, 26.06 container, MoE "
            "pre-training rows (NVIDIA-NeMo/Megatron-Bridge docs/performance-summary-archive.md "
            "@067f987d; recipes scripts/performance/configs @v0.5.0 fcbb60311)",
            2026,
            "Megatron-Bridge / Megatron-Core (MoE: EP, device-initiated grouped MLP, full-iteration "
            "CUDA graphs, HybridEP, dropless)",
            "NeMo 26.06",
        ),
        Source(
            "bridge2608moe",
            "NVIDIA Megatron-Bridge performance summary, 26.08 container, MoE pre-training rows "
            "(NVIDIA-NeMo/Megatron-Bridge docs/performance-summary.md @4ab94dfad, unchanged at "
            "v0.6.0; recipes src/megatron/bridge/perf_recipes @v0.6.0 51885cf13)",
            2026,
            "Megatron-Bridge / Megatron-Core (MoE: EP, device-initiated grouped MLP, full-iteration "
            "CUDA graphs, HybridEP, dropless)",
            "NeMo 26.08",
        ),
        Source(
            "bridge2604moe",
            "NVIDIA Megatron-Bridge performance summary archive, 26.04.01 container, MoE "
            "pre-training rows (NVIDIA-NeMo/Megatron-Bridge docs/performance-summary-archive.md "
            "@067f987d; recipes scripts/performance/configs @v0.4.2 c81012934)",
            2026,
            "Megatron-Bridge / Megatron-Core (MoE: EP, grouped GEMM, HybridEP / DeepEP, dropless)",
            "NeMo 26.04.01",
        ),
        Source(
            "llmfoundry2401",
            "MosaicML LLM Foundry, MPT Training Benchmarks "
            "(scripts/train/benchmarking/README.md, mosaicml/llm-foundry @8c8dd48f)",
            2024,
            "LLM Foundry / Composer (PyTorch FSDP)",
            "tables of 2024-01-06",
        ),
        Source(
            "llama3_2024",
            "Llama Team, AI @ Meta, 'The Llama 3 Herd of Models', arXiv 2407.21783 v3, "
            "Table 4 (Llama 3 405B pre-training)",
            2024,
            "Meta internal 4D parallelism (TP, CP, PP, FSDP)",
            "2024",
        ),
        Source(
            "deepseekv3_2024",
            "DeepSeek-AI, 'DeepSeek-V3 Technical Report', arXiv 2412.19437, "
            "sections 1, 3.1-3.3 and 4.2",
            2024,
            "HAI-LLM (in-house), DualPipe",
            "2024",
        ),
        Source(
            "aac_megatron2508",
            "AMD Accelerator Cloud AAC8 (8 x MI300X) Megatron-LM log, github "
            "hisohara/ai-scripts training/02_megatron/README.md @3ae89cf1",
            2025,
            "ROCm Megatron-LM (built from source) + Transformer Engine",
            "Megatron-LM @38fc8307, TE @8c4a512, PyTorch 2.8.0+rocm6.4",
        ),
        Source(
            "aac_primus2511",
            "AMD Accelerator Cloud AAC11 (MI325X) Primus / Megatron-LM logs, github "
            "hisohara/ai-scripts training/03_primus @4fb66ab5, training/04_megatron-pyxis "
            "@97db03fb",
            2025,
            "Primus (Megatron backend) / ROCm Megatron-LM, Transformer Engine",
            "rocm/primus:v25.9_gfx942 (= rocm/megatron-lm:v25.9_gfx942), Primus @e16b27b",
        ),
        Source(
            "amd_primus2601",
            "AMD performance-results page, AI Training (Megatron-LM via Primus, 8 x 8 MI325X), "
            "as quoted in github ROCm/rocm-blogs primus-projection/README.md @5f2d6c15",
            2026,
            "Primus (Megatron backend), Primus-Turbo, Transformer Engine",
            "rocm/primus:v26.1 (2026-01-21), Primus @c4c083de",
        ),
        Source(
            "mlperf_train51",
            "MLPerf Training v5.1 closed, Llama 3.1 8B, 8 x MI355X (AMD 5.1-0018 and "
            "Supermicro), github mlcommons/training_results_v5.1 @4da2d1cd",
            2025,
            "AMD MLPerf Llama 3.1 8B implementation (PyTorch, Transformer Engine)",
            "rocm/amd-mlperf:llama31_8b_training_5.1, ROCm 7.0",
        ),
        Source(
            "trtllm_overview",
            "TensorRT-LLM perf overview, trtllm-bench (NVIDIA/TensorRT-LLM @00f37686)",
            2025,
            "TensorRT-LLM",
            "perf-overview @00f37686",
        ),
    )
}

#: Architectures used by rows but absent from the model catalog (Hugging Face config fields of
#: meta-llama/Llama-2-7b-hf and Llama-2-70b-hf).
MODELS: dict[str, dict] = {
    "llama-2-70b": {
        "model_type": "llama",
        "hidden_size": 8192,
        "num_hidden_layers": 80,
        "num_attention_heads": 64,
        "num_key_value_heads": 8,
        "intermediate_size": 28672,
        "vocab_size": 32000,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": False,
    },
    "llama-2-7b": {
        "model_type": "llama",
        "hidden_size": 4096,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "intermediate_size": 11008,
        "vocab_size": 32000,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": False,
    },
}

FIT = "fit"
HELD_OUT = "held-out"


@dataclass(frozen=True)
class TrainingRow:
    """One measured training step.

    ``metric`` is ``hardware_tflops_per_gpu`` (recomputation counted),
    ``model_tflops_per_gpu`` (Megatron's count: full ``s x s`` attention),
    ``causal_model_tflops_per_gpu`` (causal attention counted as half the
    square, as the Llama 3 paper), ``step_time_s`` or ``tokens_per_s_per_gpu``.
    ``recompute_layers`` (with ``recompute="full"``): only the first that many layers of
    each stage are recomputed (Megatron's ``--recompute-method block``); 0: all of them.
    ``stage_layers`` (empty: balanced), ``software`` (the
    :class:`~planner.perfmodel.options.Software` fields the run set) and
    ``expert_tp`` (the routed experts' tensor-parallel size; 0: ``tp``) describe
    the published setup further.
    """

    id: str
    source: str
    gpu: str
    model: str
    gpus: int
    global_batch: int
    seq_len: int
    tp: int
    pp: int
    dp: int
    microbatch: int
    metric: str
    value: float
    split: str
    cp: int = 1
    interleave: int = 1
    recompute: str = "none"
    recompute_layers: int = 0
    zero: int = 1
    sequence_parallel: bool = False
    precision: str = "bf16"
    flash_attention: bool = True
    overlap_grad_reduce: bool = True
    ep: int = 1
    stage_layers: tuple[int, ...] = ()
    software: tuple[tuple[str, object], ...] = ()
    expert_tp: int = 0


@dataclass(frozen=True)
class ServingRow:
    """One measured serving throughput: output tokens/s of one replica at saturation."""

    id: str
    source: str
    gpu: str
    model: str
    tp: int
    precision: str
    input_tokens: int
    output_tokens: int
    value: float
    split: str
    metric: str = "output_tokens_per_s"
    #: Pipeline stages of the replica (``tp * pp`` GPUs; trtllm-bench ``--pp``).
    pp: int = 1
    #: KV-cache precision when it differs from ``precision`` (FP4 checkpoints keep an FP8
    #: cache); empty: the same as the weights.
    kv_precision: str = ""
    #: The engine and release the source names (``trtllm:1.0``), when the model has a term of
    #: that release; empty: ``trtllm`` without a version (the current release).
    engine: str = ""
    #: How trtllm-bench ran the row, which decides its batch settings
    #: (:data:`planner.perfmodel.trtllm_bench.FLOWS`): ``pytorch`` (1.0, ``throughput --backend
    #: pytorch``) or ``build`` (0.17, ``build --dataset`` then ``throughput --engine_dir``).
    bench_flow: str = "pytorch"


@dataclass(frozen=True)
class Table1Row:
    """One row of Narayanan et al. Table 1 with the run-script settings."""

    model: str
    params_b: float
    tp: int
    pp: int
    gpus: int
    global_batch: int
    microbatch: int
    interleave: int
    overlap_grad_reduce: bool
    tflops_per_gpu: float

    @property
    def dp(self) -> int:
        return self.gpus // (self.tp * self.pp)


TABLE1 = (
    Table1Row("gpt-1.7b", 1.7, 1, 1, 32, 512, 16, 1, True, 137),
    Table1Row("gpt-3.6b", 3.6, 2, 1, 64, 512, 16, 1, True, 138),
    Table1Row("gpt-7.5b", 7.5, 4, 1, 128, 512, 16, 1, True, 142),
    Table1Row("gpt-18.4b", 18.4, 8, 1, 256, 1024, 8, 1, True, 135),
    Table1Row("gpt-39.1b", 39.1, 8, 2, 512, 1536, 4, 1, False, 138),
    Table1Row("gpt-76.1b", 76.1, 8, 4, 1024, 1792, 2, 3, False, 140),
    Table1Row("gpt-145.6b", 145.6, 8, 8, 1536, 2304, 2, 2, False, 148),
    Table1Row("gpt-310.1b", 310.1, 8, 16, 1920, 2160, 1, 2, False, 155),
    Table1Row("gpt-529.6b", 529.6, 8, 35, 2520, 2520, 1, 3, False, 163),
    Table1Row("gpt-1008b", 1008.0, 8, 64, 3072, 3072, 1, 1, False, 163),
)


@dataclass(frozen=True)
class Table5Row:
    """One model of Korthikanti et al. Table 5."""

    model: str
    tp: int
    pp: int
    gpus: int
    global_batch: int
    microbatch: int
    interleave: int
    full_s: float
    seqpar_selective_s: float


TABLE5 = (
    Table5Row("gpt-22b", 8, 1, 8, 4, 4, 1, 1.42, 1.10),
    Table5Row("gpt-175b", 8, 8, 64, 64, 1, 3, 18.13, 13.75),
    Table5Row("gpt-530b", 8, 35, 280, 280, 1, 3, 49.05, 37.83),
    Table5Row("gpt-1t", 8, 64, 512, 512, 1, 1, 94.42, 71.49),
)


#: Sequence length of both Megatron tables.
SEQ_LEN = 2048

#: Megatron-LM 2022 (Table 5's runs): the backward collectives of the column-parallel GEMMs
#: are asynchronous under those GEMMs (``--no-async-tensor-model-parallel-allreduce`` is the
#: opt-out in ``megatron/arguments.py`` from 2021-09; the sequence-parallel backward,
#: ``megatron/mpu/layers.py`` @02bb1f5c). Table 1's runs (``examples/sc21``, 2021-08, and the
#: paper's measurements before it) predate the switch and keep the synchronous default.
#: Neither code overlaps the pipeline's sends with compute (``--overlap-p2p-communication``
#: came on 2023-05-31, f9283c5a8a): ``pp_overlap`` off for both tables. Gradients: fp32 and
#: accumulated by the weight-gradient GEMM (the defaults): the paper's Figure 1 counts 18 bytes
#: per parameter (16-bit weights, fp32 gradients, fp32 master and Adam), and the 2022 code
#: fuses the accumulation whenever it accumulates in fp32 (``megatron/arguments.py`` and
#: ``mpu/layers.py`` ``wgrad_gemm_accum_fp32`` @841f789f48); contrast Table 1's 2021 runs.
KORTHIKANTI_SOFTWARE = (("tp_bwd_overlap", True), ("pp_overlap", False))


#: Transformer Engine's linear layers (every Megatron-Core / NeMo / Megatron-Bridge row) run
#: the same asynchronous backward as Megatron-LM 2022 when the user-buffer TP overlap is off:
#: ``transformer_engine/pytorch/module/linear.py`` / ``layernorm_linear.py`` /
#: ``layernorm_mlp.py`` ``backward``, "# Overlap dgrad-RS/AR with wgrad" (the column-parallel
#: input gradient's reduce-scatter / all-reduce with ``async_op=True`` before the weight-gradient
#: GEMM) and the sequence-parallel input all-gather started before the data-gradient GEMM; the
#: non-TE path is Megatron-Core's ``LinearWithGradAccumulationAndAsyncCommunication``. Rows
#: with ``tp_overlap`` are unaffected (the user buffers hide more).
TE_ASYNC_TP_BACKWARD = (("tp_bwd_overlap", True),)

#: Megatron-LM 2021 (Table 1's runs): blocking pipeline sends and synchronous backward
#: tensor-parallel all-reduces. NVIDIA/Megatron-LM history: the asynchronous column-parallel
#: backward came as an opt-in flag on a branch (cf7efd4f5a, 2021-08-30, "allreduce overlap
#: with wgrad gemm", ``--async-tensor-parallel-allreduce``), was made the default
#: (3f65246911, 2021-09-02, ``--no-async-tensor-model-parallel-allreduce``) and reached main
#: with the merge b462d2545d on 2021-09-07; the paper's run scripts (``examples/sc21``,
#: de7dc40f88 2021-08-10 and 6985e58938 2021-08-18) predate it and pass no such flag, and the
#: paper itself (arXiv 2104.04473, April 2021) predates the code.
#: Gradients: the runs are fp16 (``examples/sc21/CONFIG.sh``: ``--fp16 --loss-scale 8192``, no
#: ``--accumulate-allreduce-grads-in-fp32``, which only bf16 forced on), so gradients are
#: accumulated and all-reduced in fp16 (``grad_bytes`` 2), and neither DDP of that code fused
#: the accumulation into the weight-gradient GEMM (``--gradient-accumulation-fusion`` came on
#: 2022-02-13, 83b1e42f30): the local DDP without contiguous buffers (``--use-contiguous-
#: buffers-in-ddp`` was opt-in, ``megatron/arguments.py`` @aed2f75e20 2021-04 and @6985e58938;
#: made the default by e8fb052f81 on 2021-08-18 17:40, after the scripts) registers no hook and
#: leaves ``param.grad`` to autograd's in-place ``AccumulateGrad``, and the torch-DDP rows
#: accumulate the same way under ``no_sync`` (``unfused_grad_accumulation``).
NARAYANAN_SOFTWARE = (
    ("pp_overlap", False),
    ("tp_bwd_overlap", False),
    ("grad_bytes", 2.0),
    ("unfused_grad_accumulation", True),
)


def _megatron_rows() -> list[TrainingRow]:
    rows = []
    for r in TABLE1:
        rows.append(
            TrainingRow(
                f"narayanan2021/{r.model}",
                "narayanan2021",
                "A100",
                r.model,
                r.gpus,
                r.global_batch,
                SEQ_LEN,
                r.tp,
                r.pp,
                r.dp,
                r.microbatch,
                "hardware_tflops_per_gpu",
                r.tflops_per_gpu,
                FIT,
                interleave=r.interleave,
                recompute="full",
                zero=0,
                flash_attention=False,
                overlap_grad_reduce=r.overlap_grad_reduce,
                software=NARAYANAN_SOFTWARE,
            )
        )
    for r in TABLE5:
        dp = r.gpus // (r.tp * r.pp)
        for mode, value in (("full", r.full_s), ("selective", r.seqpar_selective_s)):
            rows.append(
                TrainingRow(
                    f"korthikanti2022/{r.model}/{mode}",
                    "korthikanti2022",
                    "A100",
                    r.model,
                    r.gpus,
                    r.global_batch,
                    SEQ_LEN,
                    r.tp,
                    r.pp,
                    dp,
                    r.microbatch,
                    "step_time_s",
                    value,
                    HELD_OUT,
                    interleave=r.interleave,
                    recompute=mode,
                    zero=0,
                    sequence_parallel=mode == "selective",
                    flash_attention=False,
                    overlap_grad_reduce=False,
                    software=KORTHIKANTI_SOFTWARE,
                )
            )
    return rows


def _nemo(
    key: str,
    split: str,
    gpu: str,
    model: str,
    gpus,
    gbs,
    mbs,
    seq,
    tp,
    pp,
    vp,
    cp,
    dp,
    value,
    zero=1,
    software=(),
    metric="model_tflops_per_gpu",
    recompute="none",
) -> TrainingRow:
    return TrainingRow(
        f"{key}/{gpu}/{model}/{gpus}",
        key,
        gpu,
        model,
        gpus,
        gbs,
        seq,
        tp,
        pp,
        dp,
        mbs,
        metric,
        value,
        split,
        cp=cp,
        interleave=vp,
        recompute=recompute,
        zero=zero,
        sequence_parallel=tp > 1,
        precision="fp8",
        software=TE_ASYNC_TP_BACKWARD + software,
    )


#: NeMo 24.07 (FP8, DGX-H100): the pretraining rows whose architecture is public.
NEMO_2407 = (
    _nemo("nemo2407", FIT, "H100", "gpt-175b", 128, 256, 1, 2048, 4, 8, 6, 1, 4, 782),
    _nemo("nemo2407", FIT, "H100", "gpt-175b", 512, 2048, 2, 2048, 4, 8, 6, 1, 16, 842),
    _nemo("nemo2407", FIT, "H100", "llama-2-7b", 8, 128, 1, 4096, 1, 1, 1, 1, 8, 776),
    _nemo("nemo2407", FIT, "H100", "llama-2-70b", 64, 128, 1, 4096, 4, 4, 20, 1, 4, 759),
    _nemo("nemo2407", FIT, "H100", "llama-3.1-8b", 8, 128, 1, 8192, 1, 1, 1, 2, 4, 697),
    _nemo("nemo2407", FIT, "H100", "llama-3.1-70b", 64, 128, 1, 8192, 4, 4, 5, 2, 2, 738),
)

#: Megatron-FSDP (Megatron-Core, Transformer Engine): the wgrad GEMMs add into ``main_grad``.
MEGATRON_FSDP = (("grad_accumulation_fusion", True),)

#: Megatron-Bridge, NeMo 25.11 container (FP8 current scaling): a whole held-out source.
BRIDGE_2511 = (
    _nemo(
        "bridge2511",
        HELD_OUT,
        "H100",
        "llama-3.1-8b",
        8,
        128,
        1,
        8192,
        1,
        1,
        1,
        1,
        8,
        744,
        zero=3,
        software=MEGATRON_FSDP,
    ),
    _nemo("bridge2511", HELD_OUT, "H100", "llama-3.1-70b", 64, 128, 1, 8192, 4, 8, 5, 1, 2, 719),
    _nemo("bridge2511", HELD_OUT, "H100", "llama-3.1-405b", 1024, 512, 1, 8192, 8, 8, 8, 2, 8, 737),
    _nemo("bridge2511", HELD_OUT, "B200", "llama-3.1-8b", 8, 128, 2, 8192, 1, 1, 1, 1, 8, 1576),
    _nemo("bridge2511", HELD_OUT, "B200", "llama-3.1-405b", 128, 64, 1, 8192, 4, 8, 8, 2, 2, 1667),
)

#: Megatron-Bridge archive, NeMo 25.09 container: the DGX-B200 dense rows (Blackwell fit rows).
BRIDGE_2509 = (
    _nemo("bridge2509", FIT, "B200", "llama-3.1-8b", 8, 128, 2, 8192, 1, 1, 1, 1, 8, 1544),
    _nemo("bridge2509", FIT, "B200", "llama-3.1-405b", 128, 64, 1, 8192, 4, 8, 8, 2, 2, 1676),
)

#: Megatron-Bridge MoE pre-training rows (four whole held-out sources, never fitted):
#: ``bridge2511moe`` the "25.11 NeMo Container" tables of ``docs/performance-summary.md``
#: @00b7660 (DGX-GB300, DGX-GB200, DGX-B200, DGX-H100; the H100 Qwen3-235B line lacks its
#: GBS there, 2,048 from the same table in ``docs/performance-summary-archive.md`` @067f987d,
#: which also labels the DeepSeek-V3 rows "w/o MTP" on GB300 / GB200 and "w/ MTP" on B200);
#: ``bridge2509moe`` the "25.09 NeMo Container" tables of the archive @067f987d (no precision
#: column: the unparenthesised values, FP8 with per-tensor scaling as the dense 25.09 rows; the
#: parenthesised ones are MXFP8 / blockwise, some with another layout). Both tables: "we
#: force-balance the token distribution among experts" (``moe_router_force_load_balancing``),
#: 25.11 "all benchmarks are token-dropless"; the 25.09 "tokendrop" rows ran Megatron-Bridge's
#: ``apply_moe_token_drop`` (capacity factor 1.0, inputs padded to capacity; v0.1.0rc3
#: ``scripts/performance/run_script.py``). Metric: tokens/s/GPU. Layouts from the tables; the
#: other knobs from the recipes (``scripts/performance/configs/{deepseek,qwen}/*`` @00b7660 for
#: 25.11, ``scripts/performance/run_script.py`` + ``configs/*/*.yaml`` @v0.1.0rc3 for 25.09):
#: ``grad_reduce_in_fp32 = False`` on every DeepSeek-V3 and Qwen3 recipe (bf16 gradient buffer:
#: ``grad_bytes`` 2), distributed optimizer (ZeRO-1), expert TP 1, Megatron's selective
#: recomputation for DeepSeek-V3 (modules below), none for Qwen3, ``moe_a2a_overlap`` as the
#: recipe sets it (``ep_overlap`` ``a2a``), the token dispatcher (``_dispatcher``: ``flex`` for
#: DeepEP / HybridEP, else ``alltoall``). Not modelled (named with each row): the dispatcher
#: backend's own transport (DeepEP vs HybridEP vs NCCL all-to-all), CUDA graphs but where
#: they take the experts off the host (``eager_experts`` False: the 25.09 Qwen3 rows with
#: whole-layer graphs, ``_LAYER_GRAPHS``; the full-iteration rows below), the
#: recipes' ``mlp`` / ``moe_act`` recompute modules (the model's ``selective`` re-runs norms and
#: activations, plus MLA's up-projections), Qwen3's q/k RMSNorm. The tables' DeepSeek-V3 PP x VP
#: are not all in the recipe's ``layout_map``; where they are, the stage sizes below are the
#: map's (embedding and loss not counted in the split), else balanced.
#: Every release's DeepSeek-V3 ran group-limited routing, 8 groups, top-4 groups per token
#: (``moe_router_num_groups`` / ``moe_router_group_topk``): 25.09 and 25.11 through
#: ``DeepSeekV3ModelProvider`` (v0.1.0rc3 and @00b7660 ``deepseek_provider.py``: 8 / 4),
#: 26.04.01 - 26.08 through ``AutoBridge.from_hf_pretrained("deepseek-ai/DeepSeek-V3")``,
#: which maps the config's ``n_group`` 8 / ``topk_group`` 4 (v0.4.2 - v0.6.0
#: ``model_bridge.py``); no perf preset overrides them. The model reads them from the same
#: config (``ModelSpec.router_groups``), so the rows need no keyword for it.
_DSV3 = "deepseek-v3"
_DSV3_NO_MTP = "deepseek-v3-no-mtp"
#: 25.11 DeepSeek-V3 recipe knobs: bf16 gradient buffer (``set_deepseek_v3_common_configs``).
_BRIDGE_BF16_GRADS = (("grad_bytes", 2.0),)
#: MXFP8 turns the parameter all-gather overlap off ("causes NaN grad norm") on the 25.11
#: DeepSeek-V3 GB300 / GB200 presets and the 25.11 Qwen3-235B B200 one (v0.2.0 / @00b7660).
_BRIDGE_NO_PARAM_OVERLAP = (("overlap_param_gather", False),)
_BRIDGE_A2A = (("ep_overlap", "a2a"),)
#: Transformer Engine's FP8 linear layers keep the quantized GEMM input for the backward
#: (NVIDIA/TransformerEngine ``transformer_engine/pytorch/module/linear.py``: the input
#: quantizer is set to column-wise usage when the backward needs the input, and
#: ``saved_inputmat = inputmat``, the FP8 tensor; ``GroupedLinear`` likewise per expert).
_TE_FP8_INPUTS = (("fp8_activations", True),)
#: The Qwen3 recipes pass ``CommOverlapConfig(tp_comm_overlap=True)`` (25.09 ``run_script.py``,
#: 25.11 ``qwen3_llm_pretrain.py``); DeepSeek-V3's recipe sets ``tp_comm_overlap=False``. The
#: H100 Qwen3-235B presets (TP2) pass ``tp_comm_overlap=False`` in 25.11 as in 26.04.01 (v0.2.0
#: ``qwen3_235b_a22b_h100_config``, @00b7660 ``qwen3_235b_a22b_pretrain_config_h100``; s19moe).
_QWEN3_TP_OVERLAP = (("tp_overlap", True),)
_NO_TP_OVERLAP = (("tp_overlap", False),)
_BRIDGE_TOKEN_DROP = (("capacity_factor", 1.0),)
#: 25.09 Qwen3 on GB200 (30B, 235B) and B200 (30B): ``cuda_graphs: true`` in the recipe's
#: ``perf_matrix`` (``scripts/performance/configs/qwen3/qwen3_{30b_a3b,235b_a22b}_llm_pretrain.yaml``
#: @v0.1.0rc3, unchanged for these entries in 47ff48829), which ``set_cuda_graph_overrides``
#: turns into ``model.enable_cuda_graph = True``: Megatron-Core's own graph manager with its
#: default ``cuda_graph_scope = "full"``, one graph per transformer layer, forward and backward
#: (core_v0.14.0 ``transformer_layer.py``, ``CudaGraphManager``). Dropless MoE layers cannot be
#: captured, but with ``moe_expert_capacity_factor`` and ``moe_pad_expert_input_to_capacity``
#: (the rows' token drop) they can (core_v0.14.0 ``moe/README.md``, "CUDA Graph Support"), so
#: the experts' kernels replay inside the layer's graph: no per-expert host launches
#: (``eager_experts`` False). The recipes set no recomputation (which ``enable_cuda_graph``
#: refuses). The B200 Qwen3-235B and every H100 entry say ``cuda_graphs: false``.
_LAYER_GRAPHS = (("eager_experts", False),)
#: DeepSeek-V3 on H100 (25.09 ``pipeline_model_parallel_layout: "Et|(tt|)*30mL"``, PP8 x VP4):
#: virtual stage 0 one layer, 1-30 two, 31 none (MTP + loss); stage r holds r, r+8, r+16, r+24.
_DSV3_H100_STAGES = (7, 8, 8, 8, 8, 8, 8, 6)
#: Keywords of the DeepSeek-V3 rows with published stage sizes (layout_map (16, 1) and (4, 4):
#: 4 x 15 + 1 and 16, 16, 16, 13; the H100 row also without gradient-reduce overlap).
_DSV3_PP16 = {"recompute": "selective", "stage_layers": (4,) * 15 + (1,)}
_DSV3_PP4 = {"recompute": "selective", "stage_layers": (16, 16, 16, 13)}
_DSV3_H100 = {
    "recompute": "selective",
    "stage_layers": _DSV3_H100_STAGES,
    "overlap_grad_reduce": False,
}


def _dispatcher(key: str, gpu: str, model: str) -> tuple[tuple[str, object], ...]:
    """The row's token dispatcher from its recipes (``moe_flex_dispatcher_backend``; without
    one the providers' ``moe_token_dispatcher_type = "alltoall"``) and the flex backend.

    25.11 (@00b7660): HybridEP on GB300 / GB200 only (``apply_flex_dispatcher_backend``
    skips HybridEP on other GPUs; the B200 and H100 presets set no backend). 25.09
    (v0.1.0rc3): DeepEP on the H100 DeepSeek-V3 row only (``run_script.py``: ``enable_deepep``
    on H100; the "tokendrop" rows pad to capacity through the all-to-all dispatcher).
    26.04.01 (v0.4.2): HybridEP / DeepEP on every preset but Qwen3-235B's B200 and H100 ones.
    26.06 (v0.5.0) and 26.08 (v0.6.0): on every preset entered. The backend is ``hybridep`` on
    every flex preset but DeepSeek-V3's B200 ``FP8_MX_V2`` one (v0.4.2 / v0.5.0
    ``deepseek_workload_base_configs.py``: ``moe_flex_dispatcher_backend="deepep"``) and the
    25.09 H100 row (DeepEP); v0.6.0's GB200 recipes set ``hybridep`` too
    (``recipes/qwen/gb200/qwen3_moe.py``).
    """
    flex = {
        "bridge2511moe": gpu in ("GB300", "GB200"),
        "bridge2509moe": (gpu, model) == ("H100", "deepseek-v3"),
        "bridge2604moe": not (model == "qwen3-235b-a22b" and gpu in ("B200", "H100")),
        "bridge2606moe": True,
        "bridge2608moe": True,
    }[key]
    if not flex:
        return ()
    deepep = key == "bridge2509moe" or (model == "deepseek-v3" and gpu == "B200")
    return (("dispatcher", "flex"), ("flex_backend", "deepep" if deepep else "hybridep"))


def _bridge_moe(
    key: str,
    gpu: str,
    model: str,
    precision: str,
    gpus: int,
    gbs: int,
    mbs: int,
    tp: int,
    pp: int,
    vp: int,
    ep: int,
    value: float,
    software: tuple[tuple[str, object], ...] = (),
    recompute: str = "none",
    stage_layers: tuple[int, ...] = (),
    overlap_grad_reduce: bool = True,
) -> TrainingRow:
    """One Megatron-Bridge MoE row: s = 4096, CP 1, expert TP 1, ZeRO-1, tokens/s/GPU."""
    return TrainingRow(
        id=f"{key}/{gpu}/{model}/{precision}/{gpus}",
        source=key,
        gpu=gpu,
        model=model,
        gpus=gpus,
        global_batch=gbs,
        seq_len=4096,
        tp=tp,
        pp=pp,
        dp=gpus // (tp * pp),
        microbatch=mbs,
        metric="tokens_per_s_per_gpu",
        value=value,
        split=HELD_OUT,
        interleave=vp,
        recompute=recompute,
        zero=1,
        sequence_parallel=tp > 1,
        precision="fp8" if precision.startswith("fp8") else precision,
        ep=ep,
        expert_tp=1,
        stage_layers=stage_layers,
        overlap_grad_reduce=overlap_grad_reduce,
        software=TE_ASYNC_TP_BACKWARD
        + _BRIDGE_BF16_GRADS
        + (_TE_FP8_INPUTS if precision != "bf16" else ())
        + (_QWEN3_TP_OVERLAP if model.startswith("qwen3") else ())
        + _dispatcher(key, gpu, model)
        + software,
    )


def _bridge_moe_models() -> None:
    """DeepSeek-V3 without its MTP module (the 25.11 GB200 / GB300 rows)."""
    from planner.core.io import read_json
    from planner.core.paths import models_dir

    config = read_json(models_dir() / "llm" / f"{_DSV3}.json")
    MODELS.setdefault(_DSV3_NO_MTP, {**config, "num_nextn_predict_layers": 0})


_bridge_moe_models()

#: Row keywords beyond the layout: DeepSeek-V3's selective recomputation, and with it the
#: recipe's published stage sizes or its disabled gradient-reduce overlap.
_SEL = {"recompute": "selective"}
_B11, _B09 = "bridge2511moe", "bridge2509moe"
_Q30, _Q235 = "qwen3-30b-a3b", "qwen3-235b-a22b"
_NOPG, _A2A, _DROP = _BRIDGE_NO_PARAM_OVERLAP, _BRIDGE_A2A, _BRIDGE_TOKEN_DROP
_GRAPHS09 = _LAYER_GRAPHS

#: Columns: source, GPU, model, precision, GPUs, GBS, MBS, TP, PP, VP, EP, tokens/s/GPU,
#: software, keywords. Each row's table line (model | #-GPUs | precision | GBS | MBS | s |
#: FSDP | TP | PP | CP | VP | EP | GA | tokens/s/GPU | model TFLOP/s/GPU) above it, and the
#: recipe's knobs above each group.
BRIDGE_MOE_TABLE = (
    # 25.11, DGX-GB300 (DeepSeek-V3 recipe: HybridEP, recompute_modules ["moe_act"], CUDA
    # graphs attn + router + preprocess, moe_a2a_overlap False; Qwen3: HybridEP, CUDA graphs)
    # | DeepSeekV3 | 256 | BF16 | 4096 | 1 | 4096 | 0 | 1 | 2 | 1 | 4 | 32 | 32 | 3848 | 961 |
    (_B11, "GB300", _DSV3_NO_MTP, "bf16", 256, 4096, 1, 1, 2, 4, 32, 3848, (), _SEL),
    # | DeepSeekV3 | 256 | FP8-MX | 4096 | 1 | 4096 | 0 | 1 | 2 | 1 | 4 | 32 | 32 | 4357 | 1088 |
    (_B11, "GB300", _DSV3_NO_MTP, "fp8-mx", 256, 4096, 1, 1, 2, 4, 32, 4357, _NOPG, _SEL),
    # | Qwen3_30B_a3B | 8 | FP8-MX | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 16 | 28934 | 666 |
    (_B11, "GB300", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 28934, (), {}),
    # | Qwen3_235B_a22B | 256 | BF16 | 8192 | 2 | 4096 | 0 | 1 | 4 | 1 | 12 | 16 | 32 | 6131 | 907 |
    (_B11, "GB300", _Q235, "bf16", 256, 8192, 2, 1, 4, 12, 16, 6131, (), {}),
    # 25.11, DGX-GB200 (DeepSeek-V3: HybridEP, recompute_modules ["mla_up_proj"], CUDA graphs
    # router + preprocess, no A2A overlap; stage sizes of layout_map (4, 4); Qwen3: HybridEP)
    # | DeepSeekV3 | 256 | BF16 | 4096 | 1 | 4096 | 0 | 1 | 4 | 1 | 4 | 64 | 64 | 3139 | 782 |
    (_B11, "GB200", _DSV3_NO_MTP, "bf16", 256, 4096, 1, 1, 4, 4, 64, 3139, (), _DSV3_PP4),
    # | DeepSeekV3 | 256 | FP8-MX | 4096 | 1 | 4096 | 0 | 1 | 8 | 1 | 4 | 32 | 128 | 4018 | 1003 |
    (_B11, "GB200", _DSV3_NO_MTP, "fp8-mx", 256, 4096, 1, 1, 8, 4, 32, 4018, _NOPG, _SEL),
    # | Qwen3_30B_a3B | 8 | FP8-MX | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 16 | 23766 | 547 |
    (_B11, "GB200", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 23766, (), {}),
    # | Qwen3_235B_a22B | 256 | BF16 | 8192 | 1 | 4096 | 0 | 1 | 8 | 1 | 3 | 32 | 256 | 4916 | 728 |
    (_B11, "GB200", _Q235, "bf16", 256, 8192, 1, 1, 8, 3, 32, 4916, (), {}),
    # 25.11, DGX-B200 (DeepSeek-V3: NCCL all-to-all, ["mla_up_proj"], no A2A overlap, stage
    # sizes of layout_map (16, 1); Qwen3-235B: moe_a2a_overlap True and, in MXFP8, the parameter
    # all-gather overlap off, as on GB300 / GB200 (s19moe: v0.2.0 / @00b7660
    # ``qwen3_235b_a22b_b200_config`` / ``qwen3_235b_a22b_pretrain_config_b200``: "keeping this
    # eanbled causes NaN grad norm", ``overlap_param_gather = False``))
    # | DeepSeekV3 | 256 | FP8-MX | 2048 | 1 | 4096 | 0 | 1 | 16 | 1 | 1 | 8 | 128 | 2139 | 557 |
    (_B11, "B200", _DSV3, "fp8-mx", 256, 2048, 1, 1, 16, 1, 8, 2139, (), _DSV3_PP16),
    # | Qwen3_30B_a3B | 8 | FP8-MX | 512 | 1 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 64 | 9299 | 214 |
    (_B11, "B200", _Q30, "fp8-mx", 8, 512, 1, 1, 1, 1, 8, 9299, (), {}),
    # | Qwen3_235B_a22B | 64 | FP8-MX | 1024 | 1 | 4096 | 0 | 1 | 8 | 1 | 2 | 8 | 128 | 3269 | 484 |
    (_B11, "B200", _Q235, "fp8-mx", 64, 1024, 1, 1, 8, 2, 8, 3269, _A2A + _NOPG, {}),
    # 25.11, DGX-H100 (Qwen3 recipes: moe_a2a_overlap True; 235B: tp_comm_overlap False, the
    # 30B preset's table VP 24 where v0.2.0 / @00b7660 say 12, bubble only); the 235B line has no GBS at
    # @00b7660 ("| 256 | FP8-CS | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32 | 1575 | 1575 | 233 |"),
    # the archive's copy of the table gives it:
    # | Qwen3_30B_a3B | 16 | FP8-CS | 512 | 2 | 4096 | 0 | 1 | 2 | 1 | 24 | 8 | 32 | 5275 | 121 |
    (_B11, "H100", _Q30, "fp8-cs", 16, 512, 2, 1, 2, 24, 8, 5275, _A2A, {}),
    # | Qwen3_235B_a22B | 256 | FP8-CS | 2048 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32 | 128 | 1575 | 233 |
    (_B11, "H100", _Q235, "fp8-cs", 256, 2048, 1, 2, 8, 4, 32, 1575, _A2A + _NO_TP_OVERLAP, {}),
    # 25.09, DGX-GB200 (run_script @v0.1.0rc3: token drop on B200 / GB200, NCCL all-to-all, no
    # A2A overlap; DeepSeek-V3 recompute_modules ["mla_up_proj", "mlp", "moe_act"]; Qwen3:
    # ``cuda_graphs: true``, whole-layer graphs, ``_GRAPHS09``)
    # | DeepSeekV3 (tokendrop) | 256 | 2048 | 1 | 4096 | 0 | 1 | 4 (8) | 1 | 4 (2) | 64 |
    # 32 (64) | 3454 (2835) | 899 (738) |
    (_B09, "GB200", _DSV3, "fp8", 256, 2048, 1, 1, 4, 4, 64, 3454, _DROP, _SEL),
    # | Qwen3_30B_a3B (tokendrop) | 8 | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 16 |
    # 22775 (23723) | 524 (546) |
    (_B09, "GB200", _Q30, "fp8", 8, 512, 4, 1, 1, 1, 8, 22775, _DROP + _GRAPHS09, {}),
    # | Qwen3_235B_a22B (tokendrop) | 64 | 1024 | 1 | 4096 | 0 | 2 | 1 | 1 | 1 | 64 | 32 |
    # 4452 (4416) | 659 (654) |
    (_B09, "GB200", _Q235, "fp8", 64, 1024, 1, 2, 1, 1, 64, 4452, _DROP + _GRAPHS09, {}),
    # 25.09, DGX-B200 (DeepSeek-V3: the recipe's default recompute modules; Qwen3-30B:
    # ``cuda_graphs: true``, Qwen3-235B ``false``)
    # | DeepSeekV3 (tokendrop) | 256 | 2048 | 1 | 4096 | 0 | 1 | 16 | 1 | 1 | 8 | 128 |
    # 2265 (2159) | 589 (562) |
    (_B09, "B200", _DSV3, "fp8", 256, 2048, 1, 1, 16, 1, 8, 2265, _DROP, _SEL),
    # | Qwen3_30B_a3B (tokendrop) | 8 | 512 | 1 | 4096 | 0 | 1 | 1 | 1 | 1 | 8 | 64 | 18066 | 416 |
    (_B09, "B200", _Q30, "fp8", 8, 512, 1, 1, 1, 1, 8, 18066, _DROP + _GRAPHS09, {}),
    # | Qwen3_235B_a22B (tokendrop) | 64 | 1024 | 1 | 4096 | 0 | 1 | 8 | 1 | 2 | 8 | 128 |
    # 4104 (4275) | 607 (633) |
    (_B09, "B200", _Q235, "fp8", 64, 1024, 1, 1, 8, 2, 8, 4104, _DROP, {}),
    # 25.09, DGX-H100 (DeepSeek-V3: DeepEP, force-balanced dropless, A2A overlap, recompute
    # ["mla_up_proj", "mlp"], overlap_grad_reduce False, layout "Et|(tt|)*30mL"; Qwen3: drop)
    # | DeepSeekV3 (dropless) | 1024 | 8192 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 64 | 128 | 1297 |
    # 338 (330) |
    (_B09, "H100", _DSV3, "fp8", 1024, 8192, 1, 2, 8, 4, 64, 1297, _A2A, _DSV3_H100),
    # | Qwen3_30B_a3B (tokendrop) | 16 | 512 | 2 | 4096 | 0 | 1 | 2 | 1 | 24 | 8 | 32 | 10494 | 241 |
    (_B09, "H100", _Q30, "fp8", 16, 512, 2, 1, 2, 24, 8, 10494, _DROP, {}),
    # | Qwen3_235B_a22B (tokendrop) | 256 | 2048 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32 | 128 |
    # 1204 | 178 |
    (_B09, "H100", _Q235, "fp8", 256, 2048, 1, 2, 8, 4, 32, 1204, _DROP, {}),
)
#: ``bridge2604moe``: the "26.04.01 NeMo Container" tables of the archive @067f987d (one table
#: per model; GPT-OSS 120B, Kimi-K2 and the Nemotron lines have no reader or preset), entered
#: before the model's error on them was looked at. Recipes: Megatron-Bridge v0.4.2
#: (c81012934, 2026-05-28), the first tag after the 26.04.01 table (2026-05-27) whose
#: DeepSeek-V3 B200 preset has the table's PP8 VP2 EP32 (v0.4.1 still PP16 EP8), the V2
#: presets (the tables' GBS): every Qwen3 and DeepSeek-V3 preset dropless with forced balance
#: ("all benchmarks are token-dropless"), bf16 gradient buffers, ``moe_router_fusion``; Qwen3
#: ``CommOverlapConfig(tp_comm_overlap=True)`` except on H100 235B (``False``),
#: ``moe_a2a_overlap`` only on H100 235B; DeepSeek-V3 selective recompute, A2A overlap only
#: on B200, stage sizes from the presets' ``pp_layout`` ``"Et*4|(t*4|)*14tmL"`` (GB300
#: PP2 VP8: 32 / 29 layers; B200 PP8 VP2: 7 x 8 + 5) or ``layout_map`` ((4, 4), (8, 1)),
#: MTP on (the layouts place it). Not modelled (as above): HybridEP / DeepEP, the CUDA graphs
#: (``attn``, ``moe_router``, ``moe_preprocess`` on most presets: the preprocessing's
#: token-count wait is captured), the recompute modules.
_B2604 = "bridge2604moe"
#: DeepSeek-V3 26.04.01 stage sizes (module notes above).
_DSV3_PP2V8 = {"recompute": "selective", "stage_layers": (32, 29)}
_DSV3_PP8 = {"recompute": "selective", "stage_layers": (8,) * 7 + (5,)}
BRIDGE_MOE_2604_TABLE = (
    # | DGX-GB300 | 256 | MXFP8 | 4096 | 2 | 4096 | 0 | 1 | 2 | 1 | 8 | 32 | 4992 | 1298 |
    (_B2604, "GB300", _DSV3, "fp8-mx", 256, 4096, 2, 1, 2, 8, 32, 4992, (), _DSV3_PP2V8),
    # | DGX-GB200 | 256 | MXFP8 | 4096 | 1 | 4096 | 0 | 1 | 4 | 1 | 4 | 64 | 4256 | 1106 |
    (_B2604, "GB200", _DSV3, "fp8-mx", 256, 4096, 1, 1, 4, 4, 64, 4256, (), _DSV3_PP4),
    # | DGX-B300 | 256 | MXFP8 | 4096 | 2 | 4096 | 0 | 1 | 8 | 1 | n/a | 8 | 3456 | 898 |
    (_B2604, "B300", _DSV3, "fp8-mx", 256, 4096, 2, 1, 8, 1, 8, 3456, (), _DSV3_PP8),
    # | DGX-B200 | 256 | MXFP8 | 4096 | 1 | 4096 | 0 | 1 | 8 | 1 | 2 | 32 | 3328 | 864 |
    (_B2604, "B200", _DSV3, "fp8-mx", 256, 4096, 1, 1, 8, 2, 32, 3328, _A2A, _DSV3_PP8),
    # Qwen3_30B_a3B
    # | DGX-GB300 | 8 | MXFP8 | 512 | 8 | 4096 | 0 | 1 | 1 | 1 | n/a | 8 | 31744 | 729 |
    (_B2604, "GB300", _Q30, "fp8-mx", 8, 512, 8, 1, 1, 1, 8, 31744, (), {}),
    # | DGX-GB200 | 8 | MXFP8 | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | n/a | 8 | 26112 | 599 |
    (_B2604, "GB200", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 26112, (), {}),
    # | DGX-B300 | 8 | MXFP8 | 512 | 8 | 4096 | 0 | 1 | 1 | 1 | n/a | 8 | 30720 | 704 |
    (_B2604, "B300", _Q30, "fp8-mx", 8, 512, 8, 1, 1, 1, 8, 30720, (), {}),
    # | DGX-B200 | 8 | MXFP8 | 512 | 4 | 4096 | 0 | 1 | 1 | 1 | n/a | 8 | 27136 | 619 |
    (_B2604, "B200", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 27136, (), {}),
    # | DGX-H100 | 16 | FP8 | 1024 | 1 | 4096 | 0 | 1 | 1 | 1 | n/a | 16 | 8960 | 206 |
    (_B2604, "H100", _Q30, "fp8-cs", 16, 1024, 1, 1, 1, 1, 16, 8960, (), {}),
    # Qwen3_235B_a22B
    # | DGX-GB300 | 256 | MXFP8 | 8192 | 2 | 4096 | 0 | 1 | 4 | 1 | 12 | 32 | 6944 | 1029 |
    (_B2604, "GB300", _Q235, "fp8-mx", 256, 8192, 2, 1, 4, 12, 32, 6944, (), {}),
    # | DGX-GB200 | 256 | MXFP8 | 8192 | 1 | 4096 | 0 | 1 | 8 | 1 | 3 | 32 | 5680 | 840 |
    (_B2604, "GB200", _Q235, "fp8-mx", 256, 8192, 1, 1, 8, 3, 32, 5680, (), {}),
    # | DGX-B300 | 256 | MXFP8 | 8192 | 2 | 4096 | 0 | 1 | 8 | 1 | n/a | 8 | 5936 | 878 |
    (_B2604, "B300", _Q235, "fp8-mx", 256, 8192, 2, 1, 8, 1, 8, 5936, (), {}),
    # | DGX-B200 | 256 | MXFP8 | 8192 | 1 | 4096 | 0 | 1 | 8 | 1 | n/a | 8 | 3776 | 560 |
    (_B2604, "B200", _Q235, "fp8-mx", 256, 8192, 1, 1, 8, 1, 8, 3776, (), {}),
    # | DGX-H100 | 256 | FP8 | 8192 | 1 | 4096 | 0 | 2 | 8 | 1 | 4 | 32 | 1712 | 253 |
    (_B2604, "H100", _Q235, "fp8-cs", 256, 8192, 1, 2, 8, 4, 32, 1712, _A2A + _NO_TP_OVERLAP, {}),
)
#: ``bridge2606moe``: the "26.06 NeMo Container" tables of the archive @067f987d, entered before
#: the model's error on them was looked at; recipes Megatron-Bridge v0.5.0 (fcbb60311,
#: 2026-06-16, the day of the 26.06 table). Dropless, forced balance, bf16 gradient buffers as
#: above. The MXFP8 Qwen3 presets and DeepSeek-V3's GB300 / GB200 ones now set
#: ``cuda_graph_impl="full_iteration"`` with ``cutedsl_fused_grouped_mlp`` (Transformer Engine's
#: op fuser, ``NVTE_CUTEDSL_FUSED_GROUPED_MLP=1``): the expert MLP is a device-initiated grouped
#: GEMM that reads the token counts from GPU memory, with the activation and quantization
#: fused, and the whole iteration replays as one CUDA graph (Megatron-Bridge v0.5.0
#: ``docs/training/moe-optimization.md``, "CUDA Graphs for MoE": full graphs on dropless MoE
#: need "Device-initiated Grouped GEMM: Reads shapes from GPU memory ... cuteDSL with fused
#: activation/quantization"): no per-expert host launches and no host wait for the counts,
#: i.e. ``eager_experts`` False on those rows. The same presets turn ``moe_a2a_overlap`` on
#: and, on the Qwen3 and DeepSeek-V3 GB300 ones, FP8 attention (``fp8_dot_product_attention``,
#: not modelled: the model's attention stays bf16). DeepSeek-V3 on GB300: ``recompute_modules``
#: empty (no recomputation); on B300 the v0.4.2 preset (partial graphs, eager experts). Qwen3-30B
#: on H100: the EP16 preset without graphs, as in 26.04.01. The second GB300 DeepSeek-V3 line
#: (GBS 15,360, 6,422) has no V2 preset and is left out.
_B2606 = "bridge2606moe"
#: DeepSeek-V3 on GB300 with the graphed presets: ``pp_layout`` 32 / 29 layers, no recompute.
_DSV3_PP2 = {"stage_layers": (32, 29)}
#: ``fused_experts``: the op fuser's grouped MLP is one kernel, not per-expert GEMM calls
#: (:mod:`planner.perfmodel.expert_calls`).
_GRAPHED = (("eager_experts", False), ("fused_experts", True), ("ep_overlap", "a2a"))
BRIDGE_MOE_2606_TABLE = (
    # | DGX-GB300 | 256 | MXFP8 | 4096 | 1 | 4096 | 1 | 2 | 1 | 8 | 32 | 6338 | 1648 |
    (_B2606, "GB300", _DSV3, "fp8-mx", 256, 4096, 1, 1, 2, 8, 32, 6338, _GRAPHED, _DSV3_PP2),
    # | DGX-GB200 | 256 | MXFP8 | 4096 | 1 | 4096 | 1 | 4 | 1 | 4 | 64 | 4969 | 1292 |
    (_B2606, "GB200", _DSV3, "fp8-mx", 256, 4096, 1, 1, 4, 4, 64, 4969, _GRAPHED, _DSV3_PP4),
    # | DGX-B300 | 256 | MXFP8 | 4096 | 2 | 4096 | 1 | 8 | 1 | n/a | 8 | 3541 | 920 |
    (_B2606, "B300", _DSV3, "fp8-mx", 256, 4096, 2, 1, 8, 1, 8, 3541, (), _DSV3_PP8),
    # Qwen3_30B_a3B
    # | DGX-GB300 | 8 | MXFP8 | 512 | 8 | 4096 | 1 | 1 | 1 | n/a | 8 | 45275 | 1041 |
    (_B2606, "GB300", _Q30, "fp8-mx", 8, 512, 8, 1, 1, 1, 8, 45275, _GRAPHED, {}),
    # | DGX-GB200 | 8 | MXFP8 | 512 | 4 | 4096 | 1 | 1 | 1 | n/a | 8 | 40706 | 936 |
    (_B2606, "GB200", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 40706, _GRAPHED, {}),
    # | DGX-B300 | 8 | MXFP8 | 512 | 8 | 4096 | 1 | 1 | 1 | n/a | 8 | 40769 | 938 |
    (_B2606, "B300", _Q30, "fp8-mx", 8, 512, 8, 1, 1, 1, 8, 40769, _GRAPHED, {}),
    # | DGX-H100 | 16 | FP8 | 1024 | 1 | 4096 | 1 | 1 | 1 | n/a | 16 | 8826 | 203 |
    (_B2606, "H100", _Q30, "fp8-cs", 16, 1024, 1, 1, 1, 1, 16, 8826, (), {}),
    # Qwen3_235B_a22B
    # | DGX-GB300 | 256 | MXFP8 | 8192 | 2 | 4096 | 1 | 4 | 1 | 12 | 32 | 9015 | 1335 |
    (_B2606, "GB300", _Q235, "fp8-mx", 256, 8192, 2, 1, 4, 12, 32, 9015, _GRAPHED, {}),
    # | DGX-GB200 | 256 | MXFP8 | 8192 | 1 | 4096 | 1 | 8 | 1 | 3 | 32 | 7376 | 1092 |
    (_B2606, "GB200", _Q235, "fp8-mx", 256, 8192, 1, 1, 8, 3, 32, 7376, _GRAPHED, {}),
)
#: ``bridge2608moe``: the "26.08 NeMo Container" tables of ``docs/performance-summary.md``
#: @4ab94dfad (2026-08-11; the same page at tag v0.6.0), entered before the model's error on
#: them was looked at. Recipes: Megatron-Bridge v0.6.0 (51885cf13, 2026-08-19, the first tag
#: after the table), whose presets moved to ``src/megatron/bridge/perf_recipes/<family>/<gpu>/``;
#: each line's preset has the table's layout and micro-batch. Knobs as in 26.06: the MXFP8
#: Qwen3 presets (``qwen/common.py`` ``_enable_hybridep_full_iteration_mxfp8``) and the GB300 /
#: GB200 DeepSeek-V3 ones (``deepseek/common.py`` ``_enable_deepseek_full_iteration_mxfp8``) run
#: ``cuda_graph_impl="full_iteration"`` with Transformer Engine's op fuser (device-initiated
#: grouped MLP), HybridEP and ``overlap_moe_expert_parallel_comm`` (``_GRAPHED``); dropless with
#: forced balance (``moe_router_force_load_balancing``), bf16 gradient buffers. DeepSeek-V3:
#: GB300 ``recompute_modules = []`` (none) with ``pp_layout`` ``"Et*4|(t*4|)*14tmL"`` (32 / 29
#: layers), GB200 ``["mla_up_proj"]`` (selective) with ``layout_map`` (4, 4) (16, 16, 16, 13);
#: MTP on. Not modelled (as 26.06): FP8 attention (``fp8_dot_product_attention``, on every
#: MXFP8 Qwen3 preset and DeepSeek-V3's GB300 one), ``fp8_output_proj``, the paged stash of
#: the routed tokens (``moe_paged_stash``, expert-rank capacity factor 1.5). The presets are
#: those of 26.06 (v0.5.0) re-measured: the six DeepSeek-V3 / Qwen3 lines are within 2.2 % of their 26.06 values,
#: so this source is not independent of ``bridge2606moe``. GPT-OSS 120B (preset
#: ``gpt-oss-120b``, added with these rows, before their error was looked at):
#: ``gpt_oss/common.py`` ``_apply_gpt_oss_120b_full_iter_fp8mx_configs`` (full-iteration graphs,
#: op fuser, HybridEP, ``overlap_moe_expert_parallel_comm``, ``tp_comm_overlap=False``, FP8
#: attention and output projection), s = 4096 and no recomputation from the base recipe
#: (``recipes/gpt_oss/h100/gpt_oss.py``; GB200 sets ``recompute_modules = []``). The table's
#: other lines have no reader: DeepSeek-V4 Flash, the Nemotron-3 hybrids (Mamba layers).
_B2608 = "bridge2608moe"
BRIDGE_MOE_2608_TABLE = (
    # DeepSeekV3
    # | DGX-GB300 | 256 | MXFP8 | 4096 | 1 | 4096 | 1 | 2 | 1 | 8 | 32 | 6288 | 1635 |
    (_B2608, "GB300", _DSV3, "fp8-mx", 256, 4096, 1, 1, 2, 8, 32, 6288, _GRAPHED, _DSV3_PP2),
    # | DGX-GB200 | 256 | MXFP8 | 4096 | 1 | 4096 | 1 | 4 | 1 | 4 | 64 | 4912 | 1276 |
    (_B2608, "GB200", _DSV3, "fp8-mx", 256, 4096, 1, 1, 4, 4, 64, 4912, _GRAPHED, _DSV3_PP4),
    # Qwen3_30B_a3B
    # | DGX-GB300 | 8 | MXFP8 | 512 | 8 | 4096 | 1 | 1 | 1 | n/a | 8 | 44544 | 1029 |
    (_B2608, "GB300", _Q30, "fp8-mx", 8, 512, 8, 1, 1, 1, 8, 44544, _GRAPHED, {}),
    # | DGX-GB200 | 8 | MXFP8 | 512 | 4 | 4096 | 1 | 1 | 1 | n/a | 8 | 39936 | 923 |
    (_B2608, "GB200", _Q30, "fp8-mx", 8, 512, 4, 1, 1, 1, 8, 39936, _GRAPHED, {}),
    # Qwen3_235B_a22B
    # | DGX-GB300 | 256 | MXFP8 | 8192 | 2 | 4096 | 1 | 4 | 1 | 12 | 32 | 8816 | 1306 |
    (_B2608, "GB300", _Q235, "fp8-mx", 256, 8192, 2, 1, 4, 12, 32, 8816, _GRAPHED, {}),
    # | DGX-GB200 | 256 | MXFP8 | 8192 | 1 | 4096 | 1 | 8 | 1 | 3 | 32 | 7280 | 1077 |
    (_B2608, "GB200", _Q235, "fp8-mx", 256, 8192, 1, 1, 8, 3, 32, 7280, _GRAPHED, {}),
    # GPT OSS 120B
    # | DGX-GB300 | 64 | MXFP8 | 1280 | 4 | 4096 | 1 | 1 | 1 | n/a | 16 | 33024 | 1077 |
    (_B2608, "GB300", "gpt-oss-120b", "fp8-mx", 64, 1280, 4, 1, 1, 1, 16, 33024, _GRAPHED, {}),
    # | DGX-GB200 | 64 | MXFP8 | 1280 | 4 | 4096 | 1 | 1 | 1 | n/a | 64 | 28672 | 934 |
    (_B2608, "GB200", "gpt-oss-120b", "fp8-mx", 64, 1280, 4, 1, 1, 1, 64, 28672, _GRAPHED, {}),
)
BRIDGE_MOE = tuple(
    _bridge_moe(*row[:-2], software=row[-2], **row[-1])
    for row in (
        *BRIDGE_MOE_TABLE,
        *BRIDGE_MOE_2604_TABLE,
        *BRIDGE_MOE_2606_TABLE,
        *BRIDGE_MOE_2608_TABLE,
    )
)


#: Megatron-LM README weak-scaling table (H100, bf16): name, layers, hidden, heads, TP, PP,
#: GPUs, global batch, model TFLOP/s per GPU. GPT with untied embeddings (the names'
#: parameter counts: 12 h^2 L + 2 V h), MLP 4h, vocabulary 131,072, s = 4096.
#:
#: The settings the README does not give (issues #1031, #1571 ask for them, unanswered) are
#: inferred from the README's own numbers:
#:
#: * Interleaved 1F1B on every PP > 1 row. The strong-scaling text runs the same 177B model
#:   at 47 % MFU on 96 GPUs (batch 1,152: every layout that fits 96 GPUs runs >= 576
#:   micro-batches per pipeline, so no bubble) and the table runs it at 44 % on 2,304
#:   (TP8 PP6 DP48: 24 micro-batches per pipeline). Plain 1F1B would idle (p-1)/(m+p-1) =
#:   5/29 = 17 % of that step; a 6 % drop leaves room for a bubble of at most
#:   5/(24 v) <= 6 %, i.e. v >= 4. Chunk size: two layers per virtual stage, as NVIDIA's
#:   GPT-3 175B recipe of the same month (NeMo 24.07 row in this file: VP 6 on 12-layer
#:   stages); one layer where a stage's layer count is odd (23 and 7 layers; as NeMo's
#:   Llama-2-70B recipe, VP 20 on 20-layer stages).
#: * One micro-batch per step on the PP = 1 rows (micro-batch = global batch / DP = 4): with
#:   four micro-batches of one sequence, the distributed optimizer's gradient reduce-scatter
#:   and parameter all-gather overlap only the last backward and the first forward, and the
#:   32B row (TP8 x DP48, 4B parameters per GPU: 16 GB of fp32 gradients reduced over
#:   48 nodes) would expose about 0.4 s of a 0.9 s step; its measured rate leaves no room
#:   for that. The activations of four sequences fit on every such row.
#: * No recomputation (Megatron's default; every row fits without it).
MEGATRON_README_TABLE = (
    ("gpt-1.7b", 24, 2048, 16, 1, 1, 48, 192, 408.8),
    ("gpt-7.1b", 30, 4096, 32, 2, 1, 96, 192, 465.9),
    ("gpt-16b", 32, 6144, 48, 4, 1, 192, 192, 489.1),
    ("gpt-32b", 48, 7168, 56, 8, 1, 384, 192, 459.6),
    ("gpt-70b", 84, 8192, 64, 8, 2, 768, 384, 419.7),
    ("gpt-119b", 92, 10240, 80, 8, 4, 1536, 768, 420.5),
    ("gpt-177b", 96, 12288, 96, 8, 6, 2304, 1152, 432.8),
    ("gpt-314b", 96, 16384, 128, 8, 8, 3072, 1536, 474.4),
    ("gpt-462b", 112, 18432, 144, 8, 16, 6144, 3072, 459.9),
)
#: The README's overlap flags: --tp-comm-overlap (and the default grad/param overlaps). The
#: asynchronous backward is that code's too (@f2e5db402c ``megatron/core/tensor_parallel/
#: layers.py`` ``LinearWithGradAccumulationAndAsyncCommunication``, whose
#: ``--no-async-tensor-model-parallel-allreduce`` is "DEPRECATED. This flag is ignored.", and
#: Transformer Engine's layers); under ``tp_overlap`` it changes no prediction.
MEGATRON_README_SOFTWARE = (*TE_ASYNC_TP_BACKWARD, ("tp_overlap", True))
#: README strong-scaling text: the 177B model on 96 H100 at batch 1,152 reaches 47 % MFU
#: (of the 989 TFLOP/s bf16 peak; the README rounds to whole percents). The layout is not
#: given: TP8 x PP12 (8 layers per stage, no data parallelism) is taken; any layout of
#: 96 GPUs that fits runs >= 576 micro-batches per pipeline and little DP traffic, so the
#: row measures the GEMM efficiency almost free of the inferred settings. Held out.
MEGATRON_README_STRONG_96 = ("gpt-177b", 96, 1152, 8, 12, 0.47 * 989.0)


def megatron_readme_interleave(layers_per_stage: int) -> int:
    """Virtual stages per pipeline stage of the README runs: two layers per virtual stage,
    one where the stage's layer count is odd (see :data:`MEGATRON_README_TABLE`)."""
    return layers_per_stage // 2 if layers_per_stage % 2 == 0 else layers_per_stage


def _megatron_readme_row(
    name: str, gpus: int, gbs: int, tp: int, pp: int, value: float, split: str, dims: dict
) -> TrainingRow:
    model = f"megatron-readme/{name}"
    MODELS.setdefault(
        model,
        {
            "model_type": "gpt2",
            "n_embd": dims["hidden"],
            "n_layer": dims["layers"],
            "n_head": dims["heads"],
            "n_inner": None,
            "n_positions": 4096,
            "vocab_size": 131072,
            "tie_word_embeddings": False,
        },
    )
    dp = gpus // (tp * pp)
    return TrainingRow(
        f"megatron_readme2407/H100/{name}/{gpus}",
        "megatron_readme2407",
        "H100",
        model,
        gpus,
        gbs,
        4096,
        tp,
        pp,
        dp,
        gbs // dp if pp == 1 else 1,
        "model_tflops_per_gpu",
        value,
        split,
        interleave=megatron_readme_interleave(dims["layers"] // pp) if pp > 1 else 1,
        zero=1,
        sequence_parallel=tp > 1,
        software=MEGATRON_README_SOFTWARE,
    )


def _megatron_readme_rows() -> list[TrainingRow]:
    rows = []
    dims_of = {}
    for name, layers, hidden, heads, tp, pp, gpus, gbs, value in MEGATRON_README_TABLE:
        dims_of[name] = {"layers": layers, "hidden": hidden, "heads": heads}
        rows.append(_megatron_readme_row(name, gpus, gbs, tp, pp, value, FIT, dims_of[name]))
    name, gpus, gbs, tp, pp, value = MEGATRON_README_STRONG_96
    rows.append(_megatron_readme_row(name, gpus, gbs, tp, pp, value, HELD_OUT, dims_of[name]))
    return rows


#: MPT sizes of the LLM Foundry benchmark: layers, d_model, heads (MHA, expansion ratio 4).
MPT_DIMS = {
    "mpt-125m": (12, 768, 12),
    "mpt-350m": (24, 1024, 16),
    "mpt-760m": (24, 1536, 12),
    "mpt-1b": (24, 2048, 16),
    "mpt-3b": (32, 2560, 20),
    "mpt-7b": (32, 4096, 32),
    "mpt-13b": (40, 5120, 40),
    "mpt-30b": (48, 7168, 56),
    "mpt-70b": (80, 8192, 64),
}

#: Every row of the benchmark tables, as printed.
LLMFOUNDRY_TABLE = (  # gpu, gpus, model, seq, global batch, microbatch, ZeRO, recompute, precision, tokens/s/GPU, params
    ("H100", 512, "mpt-70b", 2048, 4096, 8, 3, "full", "bf16", 1007, 64862437376),
    ("H100", 256, "mpt-70b", 2048, 2048, 8, 3, "full", "bf16", 1035, 64862437376),
    ("H100", 128, "mpt-70b", 2048, 1024, 8, 3, "full", "bf16", 1058, 64862437376),
    ("H100", 512, "mpt-30b", 2048, 4096, 8, 3, "full", "bf16", 2115, 29975214080),
    ("H100", 256, "mpt-30b", 2048, 2048, 8, 3, "full", "bf16", 2148, 29975214080),
    ("H100", 128, "mpt-30b", 2048, 1024, 8, 3, "full", "bf16", 2199, 29975214080),
    ("H100", 512, "mpt-13b", 2048, 8192, 16, 3, "full", "bf16", 4952, 12853954560),
    ("H100", 256, "mpt-13b", 2048, 4096, 16, 3, "full", "bf16", 4989, 12853954560),
    ("H100", 128, "mpt-13b", 2048, 2048, 16, 3, "full", "bf16", 5080, 12853954560),
    ("H100", 512, "mpt-7b", 2048, 3072, 6, 3, "none", "bf16", 9670, 6658859008),
    ("H100", 256, "mpt-7b", 2048, 1536, 6, 3, "none", "bf16", 10119, 6658859008),
    ("H100", 128, "mpt-7b", 2048, 768, 6, 3, "none", "bf16", 10475, 6658859008),
    ("H100", 512, "mpt-3b", 2048, 4096, 8, 2, "none", "bf16", 21664, 2651837440),
    ("H100", 256, "mpt-3b", 2048, 2048, 8, 2, "none", "bf16", 22772, 2651837440),
    ("H100", 128, "mpt-3b", 2048, 1024, 8, 2, "none", "bf16", 23422, 2651837440),
    ("H100", 512, "mpt-1b", 2048, 6144, 12, 2, "none", "bf16", 39837, 1315950592),
    ("H100", 256, "mpt-1b", 2048, 3072, 12, 2, "none", "bf16", 42555, 1315950592),
    ("H100", 128, "mpt-1b", 2048, 1536, 12, 2, "none", "bf16", 44123, 1315950592),
    ("H100", 64, "mpt-70b", 2048, 2048, 8, 3, "full", "bf16", 1039, 64862437376),
    ("H100", 32, "mpt-70b", 2048, 1024, 2, 3, "full", "bf16", 882, 64862437376),
    ("H100", 8, "mpt-30b", 8192, 168, 1, 3, "full", "bf16", 1384, 30019254272),
    ("H100", 8, "mpt-30b", 4096, 168, 1, 3, "full", "bf16", 1802, 29989894144),
    ("H100", 32, "mpt-30b", 2048, 1344, 14, 3, "full", "bf16", 2308, 29975214080),
    ("H100", 16, "mpt-30b", 2048, 480, 10, 3, "full", "bf16", 2263, 29975214080),
    ("H100", 8, "mpt-30b", 2048, 504, 3, 3, "full", "bf16", 2002, 29975214080),
    ("H100", 8, "mpt-30b", 1024, 1008, 6, 3, "full", "bf16", 2084, 29967874048),
    ("H100", 8, "mpt-13b", 32768, 24, 1, 3, "full", "bf16", 1976, 13011240960),
    ("H100", 8, "mpt-13b", 16384, 72, 3, 3, "full", "bf16", 2985, 12927354880),
    ("H100", 8, "mpt-13b", 4096, 240, 10, 3, "full", "bf16", 4717, 12864440320),
    ("H100", 64, "mpt-13b", 2048, 128, 2, 3, "none", "bf16", 4800, 12853954560),
    ("H100", 32, "mpt-13b", 2048, 64, 2, 3, "none", "bf16", 4811, 12853954560),
    ("H100", 16, "mpt-13b", 2048, 32, 2, 3, "none", "bf16", 4767, 12853954560),
    ("H100", 8, "mpt-13b", 2048, 16, 2, 3, "none", "bf16", 4792, 12853954560),
    ("H100", 8, "mpt-13b", 1024, 960, 40, 3, "full", "bf16", 5502, 12848711680),
    ("H100", 8, "mpt-7b", 65536, 16, 1, 3, "full", "bf16", 1956, 6918905856),
    ("H100", 8, "mpt-7b", 32768, 32, 2, 3, "full", "bf16", 3318, 6784688128),
    ("H100", 8, "mpt-7b", 8192, 128, 8, 3, "full", "bf16", 6935, 6684024832),
    ("H100", 8, "mpt-7b", 4096, 256, 16, 3, "full", "bf16", 8611, 6667247616),
    ("H100", 8, "mpt-7b", 2048, 48, 6, 3, "none", "bf16", 10643, 6658859008),
    ("H100", 8, "mpt-7b", 1024, 1024, 64, 3, "full", "bf16", 10203, 6654664704),
    ("H100", 8, "mpt-3b", 65536, 16, 1, 3, "full", "bf16", 3262, 2814366720),
    ("H100", 8, "mpt-3b", 32768, 144, 3, 3, "full", "bf16", 5873, 2730480640),
    ("H100", 8, "mpt-3b", 16384, 48, 1, 3, "none", "bf16", 11152, 2688537600),
    ("H100", 8, "mpt-3b", 8192, 144, 3, 3, "none", "bf16", 16578, 2667566080),
    ("H100", 8, "mpt-3b", 4096, 240, 5, 3, "none", "bf16", 20964, 2657080320),
    ("H100", 64, "mpt-3b", 2048, 1152, 6, 3, "none", "bf16", 22525, 2651837440),
    ("H100", 32, "mpt-3b", 2048, 576, 6, 3, "none", "bf16", 23021, 2651837440),
    ("H100", 16, "mpt-3b", 2048, 480, 10, 3, "none", "bf16", 24142, 2651837440),
    ("H100", 8, "mpt-3b", 1024, 960, 20, 3, "none", "bf16", 27046, 2649216000),
    ("H100", 8, "mpt-3b", 512, 1920, 40, 3, "none", "bf16", 27965, 2647905280),
    ("H100", 8, "mpt-1b", 65536, 16, 1, 3, "full", "bf16", 5506, 1445974016),
    ("H100", 8, "mpt-1b", 32768, 32, 1, 3, "none", "bf16", 12025, 1378865152),
    ("H100", 8, "mpt-1b", 16384, 64, 2, 3, "none", "bf16", 19649, 1345310720),
    ("H100", 8, "mpt-1b", 8192, 96, 3, 3, "none", "bf16", 29157, 1328533504),
    ("H100", 8, "mpt-1b", 4096, 224, 7, 3, "none", "bf16", 38535, 1320144896),
    ("H100", 64, "mpt-1b", 2048, 1280, 20, 3, "none", "bf16", 44402, 1315950592),
    ("H100", 32, "mpt-1b", 2048, 640, 20, 3, "none", "bf16", 45130, 1315950592),
    ("H100", 16, "mpt-1b", 2048, 320, 20, 3, "none", "bf16", 46037, 1315950592),
    ("H100", 8, "mpt-1b", 2048, 112, 14, 3, "none", "bf16", 45455, 1315950592),
    ("H100", 8, "mpt-1b", 1024, 576, 18, 3, "none", "bf16", 48910, 1313853440),
    ("H100", 8, "mpt-1b", 512, 1792, 56, 3, "none", "bf16", 52275, 1312804864),
    ("H100", 8, "mpt-760m", 32768, 16, 1, 3, "none", "bf16", 16291, 807656448),
    ("H100", 8, "mpt-760m", 16384, 48, 3, 3, "none", "bf16", 27815, 782490624),
    ("H100", 8, "mpt-760m", 8192, 96, 6, 3, "none", "bf16", 41825, 769907712),
    ("H100", 8, "mpt-760m", 4096, 192, 12, 3, "none", "bf16", 55459, 763616256),
    ("H100", 32, "mpt-760m", 2048, 768, 24, 3, "none", "bf16", 67971, 760470528),
    ("H100", 16, "mpt-760m", 2048, 384, 24, 3, "none", "bf16", 68551, 760470528),
    ("H100", 8, "mpt-760m", 2048, 384, 24, 3, "none", "bf16", 63147, 760470528),
    ("H100", 8, "mpt-760m", 1024, 768, 48, 3, "none", "bf16", 78581, 758897664),
    ("H100", 8, "mpt-760m", 512, 1536, 96, 3, "none", "bf16", 83749, 758111232),
    ("H100", 8, "mpt-3b", 32768, 144, 3, 3, "full", "fp8", 5856, 2730480640),
    ("H100", 8, "mpt-3b", 8192, 144, 3, 3, "none", "fp8", 19146, 2667566080),
    ("H100", 8, "mpt-3b", 2048, 480, 10, 3, "none", "fp8", 30586, 2651837440),
    ("H100", 8, "mpt-3b", 512, 1920, 40, 3, "none", "fp8", 36527, 2647905280),
    ("H100", 8, "mpt-1b", 32768, 32, 1, 3, "none", "fp8", 12580, 1378865152),
    ("H100", 8, "mpt-1b", 8192, 64, 2, 3, "none", "fp8", 32010, 1328533504),
    ("H100", 8, "mpt-1b", 512, 1792, 56, 3, "none", "fp8", 70315, 1312804864),
    ("A100", 64, "mpt-70b", 2048, 2048, 8, 3, "full", "bf16", 410, 64862437376),
    ("A100", 32, "mpt-70b", 2048, 1024, 2, 3, "full", "bf16", 373, 64862437376),
    ("A100", 8, "mpt-30b", 8192, 168, 1, 3, "full", "bf16", 574, 30019254272),
    ("A100", 8, "mpt-30b", 4096, 168, 1, 3, "full", "bf16", 814, 29989894144),
    ("A100", 8, "mpt-30b", 2048, 504, 3, 3, "full", "bf16", 916, 29975214080),
    ("A100", 8, "mpt-30b", 1024, 1008, 6, 3, "full", "bf16", 946, 29967874048),
    ("A100", 8, "mpt-30b", 512, 2016, 12, 3, "full", "bf16", 967, 29964204032),
    ("A100", 8, "mpt-13b", 32768, 24, 1, 3, "full", "bf16", 1016, 13011240960),
    ("A100", 8, "mpt-13b", 16384, 72, 3, 3, "full", "bf16", 1431, 12927354880),
    ("A100", 8, "mpt-13b", 8192, 120, 5, 3, "full", "bf16", 1795, 12885411840),
    ("A100", 8, "mpt-13b", 4096, 240, 10, 3, "full", "bf16", 2060, 12864440320),
    ("A100", 8, "mpt-13b", 2048, 48, 2, 3, "none", "bf16", 2262, 12853954560),
    ("A100", 8, "mpt-13b", 1024, 960, 40, 3, "full", "bf16", 2330, 12848711680),
    ("A100", 8, "mpt-7b", 65536, 16, 1, 3, "full", "bf16", 1013, 6918905856),
    ("A100", 8, "mpt-7b", 32768, 32, 2, 3, "full", "bf16", 1672, 6784688128),
    ("A100", 8, "mpt-7b", 16384, 64, 4, 3, "full", "bf16", 2453, 6717579264),
    ("A100", 8, "mpt-7b", 8192, 128, 8, 3, "full", "bf16", 3206, 6684024832),
    ("A100", 8, "mpt-7b", 4096, 256, 16, 3, "full", "bf16", 3684, 6667247616),
    ("A100", 8, "mpt-7b", 2048, 96, 6, 3, "none", "bf16", 4641, 6658859008),
    ("A100", 8, "mpt-7b", 1024, 1024, 64, 3, "full", "bf16", 4357, 6654664704),
    ("A100", 8, "mpt-3b", 65536, 16, 1, 3, "full", "bf16", 1767, 2814366720),
    ("A100", 8, "mpt-3b", 32768, 144, 3, 3, "full", "bf16", 3029, 2730480640),
    ("A100", 8, "mpt-3b", 16384, 48, 1, 3, "none", "bf16", 5529, 2688537600),
    ("A100", 8, "mpt-3b", 8192, 144, 3, 3, "none", "bf16", 7695, 2667566080),
    ("A100", 8, "mpt-3b", 4096, 240, 5, 3, "none", "bf16", 9457, 2657080320),
    ("A100", 8, "mpt-3b", 2048, 160, 10, 3, "none", "bf16", 10811, 2651837440),
    ("A100", 8, "mpt-3b", 1024, 960, 20, 3, "none", "bf16", 11580, 2649216000),
    ("A100", 8, "mpt-3b", 512, 1920, 40, 3, "none", "bf16", 12127, 2647905280),
    ("A100", 8, "mpt-1b", 65536, 16, 1, 3, "full", "bf16", 3044, 1445974016),
    ("A100", 8, "mpt-1b", 32768, 32, 1, 3, "none", "bf16", 6275, 1378865152),
    ("A100", 8, "mpt-1b", 16384, 64, 2, 3, "none", "bf16", 9956, 1345310720),
    ("A100", 8, "mpt-1b", 8192, 96, 3, 3, "none", "bf16", 13814, 1328533504),
    ("A100", 8, "mpt-1b", 4096, 224, 7, 3, "none", "bf16", 17807, 1320144896),
    ("A100", 8, "mpt-1b", 2048, 448, 14, 3, "none", "bf16", 20513, 1315950592),
    ("A100", 8, "mpt-1b", 1024, 576, 18, 3, "none", "bf16", 22112, 1313853440),
    ("A100", 8, "mpt-1b", 512, 1792, 56, 3, "none", "bf16", 23148, 1312804864),
    ("A100", 8, "mpt-760m", 65536, 16, 1, 3, "full", "bf16", 4143, 857988096),
    ("A100", 8, "mpt-760m", 32768, 16, 1, 3, "none", "bf16", 8802, 807656448),
    ("A100", 8, "mpt-760m", 16384, 48, 3, 3, "none", "bf16", 14274, 782490624),
    ("A100", 8, "mpt-760m", 8192, 96, 6, 3, "none", "bf16", 20933, 769907712),
    ("A100", 8, "mpt-760m", 4096, 192, 12, 3, "none", "bf16", 27351, 763616256),
    ("A100", 8, "mpt-760m", 2048, 384, 24, 3, "none", "bf16", 32434, 760470528),
    ("A100", 8, "mpt-760m", 1024, 768, 48, 3, "none", "bf16", 29765, 758897664),
    ("A100", 8, "mpt-760m", 512, 1536, 96, 3, "none", "bf16", 29446, 758111232),
    ("A100", 8, "mpt-350m", 65536, 16, 1, 3, "none", "bf16", 7524, 420997120),
    ("A100", 8, "mpt-350m", 32768, 32, 2, 3, "none", "bf16", 13652, 387442688),
    ("A100", 8, "mpt-350m", 16384, 64, 4, 3, "none", "bf16", 23559, 370665472),
    ("A100", 8, "mpt-350m", 8192, 128, 8, 3, "none", "bf16", 36569, 362276864),
    ("A100", 8, "mpt-350m", 4096, 256, 16, 3, "none", "bf16", 49555, 358082560),
    ("A100", 8, "mpt-350m", 2048, 512, 32, 3, "none", "bf16", 58782, 355985408),
    ("A100", 8, "mpt-350m", 1024, 1024, 64, 3, "none", "bf16", 64813, 354936832),
    ("A100", 8, "mpt-350m", 512, 2048, 128, 3, "none", "bf16", 69330, 354412544),
    ("A100", 8, "mpt-125m", 65536, 16, 1, 3, "none", "bf16", 20368, 174070272),
    ("A100", 8, "mpt-125m", 32768, 32, 2, 3, "none", "bf16", 36407, 148904448),
    ("A100", 8, "mpt-125m", 16384, 64, 4, 3, "none", "bf16", 60040, 136321536),
    ("A100", 8, "mpt-125m", 8192, 128, 8, 3, "none", "bf16", 90392, 130030080),
    ("A100", 8, "mpt-125m", 4096, 256, 16, 3, "none", "bf16", 118396, 126884352),
    ("A100", 8, "mpt-125m", 2048, 640, 40, 3, "none", "bf16", 142830, 125311488),
    ("A100", 8, "mpt-125m", 2048, 512, 32, 3, "none", "bf16", 141737, 125311488),
    ("A100", 8, "mpt-125m", 1024, 1024, 64, 3, "none", "bf16", 156468, 124525056),
    ("A100", 8, "mpt-125m", 512, 2048, 128, 3, "none", "bf16", 165681, 124131840),
    ("A100-40GB", 128, "mpt-70b", 2048, 512, 4, 3, "full", "bf16", 376, 64862437376),
    ("A100-40GB", 64, "mpt-70b", 2048, 128, 2, 3, "full", "bf16", 276, 64862437376),
    ("A100-40GB", 128, "mpt-30b", 2048, 768, 6, 3, "full", "bf16", 865, 29975214080),
    ("A100-40GB", 32, "mpt-30b", 2048, 128, 4, 3, "full", "bf16", 857, 29975214080),
    ("A100-40GB", 8, "mpt-13b", 8192, 128, 1, 3, "full", "bf16", 1407, 12885411840),
    ("A100-40GB", 8, "mpt-13b", 4096, 256, 2, 3, "full", "bf16", 1603, 12864440320),
    ("A100-40GB", 128, "mpt-13b", 2048, 2048, 16, 3, "full", "bf16", 1972, 12853954560),
    ("A100-40GB", 64, "mpt-13b", 2048, 1024, 16, 3, "full", "bf16", 1976, 12853954560),
    ("A100-40GB", 32, "mpt-13b", 2048, 448, 14, 3, "full", "bf16", 1998, 12853954560),
    ("A100-40GB", 16, "mpt-13b", 2048, 160, 10, 3, "full", "bf16", 1993, 12853954560),
    ("A100-40GB", 8, "mpt-13b", 2048, 512, 4, 3, "full", "bf16", 1668, 12853954560),
    ("A100-40GB", 8, "mpt-13b", 1024, 1024, 8, 3, "full", "bf16", 1727, 12848711680),
    ("A100-40GB", 8, "mpt-13b", 512, 2048, 16, 3, "full", "bf16", 1763, 12846090240),
    ("A100-40GB", 8, "mpt-7b", 16384, 32, 1, 3, "full", "bf16", 2249, 6717579264),
    ("A100-40GB", 8, "mpt-7b", 8192, 96, 3, 3, "full", "bf16", 2887, 6684024832),
    ("A100-40GB", 8, "mpt-7b", 4096, 192, 6, 3, "full", "bf16", 3366, 6667247616),
    ("A100-40GB", 128, "mpt-7b", 2048, 2304, 18, 3, "full", "bf16", 3623, 6658859008),
    ("A100-40GB", 64, "mpt-7b", 2048, 1152, 18, 3, "full", "bf16", 3665, 6658859008),
    ("A100-40GB", 32, "mpt-7b", 2048, 576, 18, 3, "full", "bf16", 3725, 6658859008),
    ("A100-40GB", 16, "mpt-7b", 2048, 256, 16, 3, "full", "bf16", 3645, 6658859008),
    ("A100-40GB", 8, "mpt-7b", 2048, 384, 12, 3, "full", "bf16", 3679, 6658859008),
    ("A100-40GB", 8, "mpt-7b", 1024, 768, 24, 3, "full", "bf16", 3854, 6654664704),
    ("A100-40GB", 8, "mpt-7b", 512, 1536, 48, 3, "full", "bf16", 3895, 6652567552),
    ("A100-40GB", 8, "mpt-3b", 32768, 32, 1, 3, "full", "bf16", 2955, 2730480640),
    ("A100-40GB", 8, "mpt-3b", 16384, 128, 2, 3, "full", "bf16", 4465, 2688537600),
    ("A100-40GB", 8, "mpt-3b", 8192, 64, 1, 3, "none", "bf16", 7149, 2667566080),
    ("A100-40GB", 8, "mpt-3b", 4096, 128, 2, 3, "none", "bf16", 8777, 2657080320),
    ("A100-40GB", 128, "mpt-3b", 2048, 768, 6, 3, "none", "bf16", 9538, 2651837440),
    ("A100-40GB", 64, "mpt-3b", 2048, 384, 6, 3, "none", "bf16", 9736, 2651837440),
    ("A100-40GB", 32, "mpt-3b", 2048, 192, 6, 3, "none", "bf16", 9914, 2651837440),
    ("A100-40GB", 16, "mpt-3b", 2048, 80, 5, 3, "none", "bf16", 9750, 2651837440),
    ("A100-40GB", 8, "mpt-3b", 2048, 320, 5, 3, "none", "bf16", 10065, 2651837440),
    ("A100-40GB", 8, "mpt-3b", 1024, 640, 10, 3, "none", "bf16", 10731, 2649216000),
    ("A100-40GB", 8, "mpt-3b", 512, 1280, 20, 3, "none", "bf16", 11324, 2647905280),
    ("A100-40GB", 8, "mpt-1b", 32768, 32, 1, 3, "full", "bf16", 5095, 1378865152),
    ("A100-40GB", 8, "mpt-1b", 16384, 64, 1, 3, "none", "bf16", 9715, 1345310720),
    ("A100-40GB", 8, "mpt-1b", 8192, 128, 2, 3, "none", "bf16", 13474, 1328533504),
    ("A100-40GB", 8, "mpt-1b", 4096, 256, 4, 3, "none", "bf16", 16856, 1320144896),
    ("A100-40GB", 128, "mpt-1b", 2048, 1280, 10, 3, "none", "bf16", 18647, 1315950592),
    ("A100-40GB", 64, "mpt-1b", 2048, 640, 10, 3, "none", "bf16", 19001, 1315950592),
    ("A100-40GB", 32, "mpt-1b", 2048, 320, 10, 3, "none", "bf16", 15555, 1315950592),
    ("A100-40GB", 16, "mpt-1b", 2048, 128, 8, 3, "none", "bf16", 19085, 1315950592),
    ("A100-40GB", 8, "mpt-1b", 2048, 512, 8, 3, "none", "bf16", 19271, 1315950592),
    ("A100-40GB", 8, "mpt-1b", 1024, 1024, 16, 3, "none", "bf16", 20959, 1313853440),
    ("A100-40GB", 8, "mpt-1b", 512, 2048, 32, 3, "none", "bf16", 21782, 1312804864),
    ("A100-40GB", 8, "mpt-760m", 32768, 32, 1, 3, "full", "bf16", 7183, 807656448),
    ("A100-40GB", 8, "mpt-760m", 16384, 32, 1, 3, "none", "bf16", 13914, 782490624),
    ("A100-40GB", 8, "mpt-760m", 8192, 96, 3, 3, "none", "bf16", 20106, 769907712),
    ("A100-40GB", 8, "mpt-760m", 4096, 192, 6, 3, "none", "bf16", 25863, 763616256),
    ("A100-40GB", 128, "mpt-760m", 2048, 1536, 12, 3, "none", "bf16", 28940, 760470528),
    ("A100-40GB", 64, "mpt-760m", 2048, 768, 12, 3, "none", "bf16", 29344, 760470528),
    ("A100-40GB", 32, "mpt-760m", 2048, 384, 12, 3, "none", "bf16", 29648, 760470528),
    ("A100-40GB", 16, "mpt-760m", 2048, 192, 12, 3, "none", "bf16", 29607, 760470528),
    ("A100-40GB", 8, "mpt-760m", 2048, 384, 12, 3, "none", "bf16", 30173, 760470528),
    ("A100-40GB", 8, "mpt-760m", 1024, 768, 24, 3, "none", "bf16", 33422, 758897664),
    ("A100-40GB", 8, "mpt-760m", 512, 1536, 48, 3, "none", "bf16", 34938, 758111232),
    ("A100-40GB", 8, "mpt-350m", 32768, 32, 1, 3, "none", "bf16", 13416, 387442688),
    ("A100-40GB", 8, "mpt-350m", 16384, 64, 2, 3, "none", "bf16", 22896, 370665472),
    ("A100-40GB", 8, "mpt-350m", 8192, 128, 4, 3, "none", "bf16", 34933, 362276864),
    ("A100-40GB", 8, "mpt-350m", 4096, 256, 8, 3, "none", "bf16", 46833, 358082560),
    ("A100-40GB", 128, "mpt-350m", 2048, 2304, 18, 3, "none", "bf16", 51934, 355985408),
    ("A100-40GB", 64, "mpt-350m", 2048, 1152, 18, 3, "none", "bf16", 52689, 355985408),
    ("A100-40GB", 32, "mpt-350m", 2048, 576, 18, 3, "none", "bf16", 53811, 355985408),
    ("A100-40GB", 16, "mpt-350m", 2048, 288, 18, 3, "none", "bf16", 55413, 355985408),
    ("A100-40GB", 8, "mpt-350m", 2048, 512, 16, 3, "none", "bf16", 55995, 355985408),
    ("A100-40GB", 8, "mpt-350m", 1024, 1024, 32, 3, "none", "bf16", 62523, 354936832),
    ("A100-40GB", 8, "mpt-350m", 512, 2048, 64, 3, "none", "bf16", 66284, 354412544),
    ("A100-40GB", 8, "mpt-125m", 32768, 32, 1, 3, "none", "bf16", 32651, 148904448),
    ("A100-40GB", 8, "mpt-125m", 16384, 48, 2, 3, "none", "bf16", 55484, 136321536),
    ("A100-40GB", 8, "mpt-125m", 8192, 120, 5, 3, "none", "bf16", 86858, 130030080),
    ("A100-40GB", 8, "mpt-125m", 4096, 312, 13, 3, "none", "bf16", 115162, 126884352),
    ("A100-40GB", 128, "mpt-125m", 2048, 3328, 26, 3, "none", "bf16", 123936, 125311488),
    ("A100-40GB", 64, "mpt-125m", 2048, 1664, 26, 3, "none", "bf16", 125234, 125311488),
    ("A100-40GB", 32, "mpt-125m", 2048, 832, 26, 3, "none", "bf16", 127122, 125311488),
    ("A100-40GB", 16, "mpt-125m", 2048, 416, 26, 3, "none", "bf16", 130535, 125311488),
    ("A100-40GB", 8, "mpt-125m", 2048, 624, 26, 3, "none", "bf16", 136334, 125311488),
    ("A100-40GB", 8, "mpt-125m", 1024, 1248, 52, 3, "none", "bf16", 148289, 124525056),
    ("A100-40GB", 8, "mpt-125m", 512, 2496, 104, 3, "none", "bf16", 156735, 124131840),
)


#: The benchmark's attention kernel: ``attn_impl: triton`` in the MPT yamls and the default
#: of ``scripts/train/benchmarking/submit_benchmarks.py`` at the tables' commit (5e85bd62,
#: 2024-01-06); ``sweep.sh`` (the tables up to 64 GPUs) never overrides it.
#: Composer wraps each MPT block in FSDP first and applies the (non-reentrant) checkpoint
#: wrapper to the block inside it, so the backward's gathered weights serve the recompute.
#: Every sweep's MPT model takes ``loss_fn``'s default ``fused_crossentropy``
#: (``llmfoundry/models/mpt/modeling_mpt.py`` @5f43bf16, @b2a43a14, @5e85bd62; no benchmark
#: YAML overrides it): flash-attention's fused cross entropy on the bf16 logits.
#: Composer's ``activation_cpu_offload`` is torch's ``offload_wrapper``
#: (composer/trainer/dist_strategy.py @v0.17.2), PyTorch's ``save_on_cpu``, which copies on the
#: compute stream (``Software.offload_streams``); no published row offloads, the plans the
#: near-best search weighs for these runs do.
#: MPT's dropouts default to probability 0 (``resid_pdrop``, ``emb_pdrop``, ``attn_pdrop`` in
#: ``configuration_mpt.py`` @5e85bd62; no benchmark YAML sets them): no masks are saved
#: (``Software.dropout_masks``; the per-block derivation is in
#: ``bench/session_runs/s20fsdp/derivation.md``).
_LLMFOUNDRY_COMMON = (
    ("fused_loss", True),
    ("offload_streams", False),
    ("dropout_masks", False),
    ("torch_fsdp", True),
)
LLMFOUNDRY_SOFTWARE = (
    ("attention_kernel", "triton"),
    ("recompute_gathers", False),
    *_LLMFOUNDRY_COMMON,
)

#: The ">= 128 GPUs" H100 table was run by ``scripts/train/benchmarking/sweep.py``, added in
#: the same commit (5e85bd62) as that table; it passes ``'--attn_impl flash'`` for 1b.yaml,
#: 3b.yaml, 7b.yaml and 70b.yaml (``'--attn_impl triton'`` for 13b and 30b), and
#: submit_benchmarks.py installs llm-foundry with ``'pip_install': '.[gpu-flash2]'``
#: (setup.py: ``flash-attn==2.4.2``), so those rows ran FlashAttention-2, through
#: ``flash_attn_fn``'s unpad / pad copies (``Software.unpadded_attention``).
LLMFOUNDRY_LARGE_SCALE_FLASH2 = ("mpt-1b", "mpt-3b", "mpt-7b", "mpt-70b")
LLMFOUNDRY_FLASH2_SOFTWARE = (
    ("attention_kernel", "fa2"),
    ("unpadded_attention", True),
    ("recompute_gathers", False),
    *_LLMFOUNDRY_COMMON,
)


#: Rows whose ``MP Mode`` column reads ``PURE`` (precision ``bf16``): the whole A100-40GB table
#: and the A100-80GB MPT-70B rows, from the April 2023 sweep (``submit_benchmarks.py``'s default,
#: mosaicml/llm-foundry @5f43bf16). Composer's ``get_mixed_precision`` then sets FSDP's
#: ``reduce_dtype`` to bf16, so gradients are reduce-scattered in bf16 (the sharded copy stays
#: fp32). The other A100-80GB rows (re-run in October 2023, b2a43a14) and the H100 tables read
#: ``amp_bf16`` / ``DEFAULT``, which reduces in fp32.
LLMFOUNDRY_PURE_REDUCE = (("reduce_bytes", 2.0),)


#: The rows of the October 2023 and January 2024 sweeps (the H100 tables, the A100-80GB rows
#: but MPT-70B) ran PyTorch 2.1 (``sweep.sh`` @b2a43a14: ``mosaicml/pytorch:2.1.0_cu121``;
#: setup.py @5e85bd62: ``torch>=2.1,<2.1.1``), whose non-reentrant checkpoint (Composer's
#: checkpoint wrapper) stops recomputing once the backward's tensors are rebuilt
#: (pytorch/pytorch#96866, default since 2.1); the April 2023 sweep ran torch 1.13.1 (setup.py
#: @5f43bf16: ``torch==1.13.1``), which re-runs the whole block.
LLMFOUNDRY_TORCH21 = (("recompute_early_stop", True),)


def llmfoundry_pure(gpu: str, model: str) -> bool:
    """The row ran Composer's ``mixed_precision: PURE`` (bf16 gradient reduction)."""
    return gpu == "A100-40GB" or (gpu == "A100" and model == "mpt-70b")


def llmfoundry_software(gpu: str, gpus: int, model: str) -> tuple[tuple[str, object], ...]:
    """The software setting of one LLM Foundry row (attention kernel, reduction precision)."""
    if gpu == "H100" and gpus >= 128 and model in LLMFOUNDRY_LARGE_SCALE_FLASH2:
        return LLMFOUNDRY_FLASH2_SOFTWARE + LLMFOUNDRY_TORCH21
    if llmfoundry_pure(gpu, model):  # the April 2023 sweep (torch 1.13.1)
        return LLMFOUNDRY_SOFTWARE + LLMFOUNDRY_PURE_REDUCE
    return LLMFOUNDRY_SOFTWARE + LLMFOUNDRY_TORCH21


def mpt_config(model: str, seq_len: int) -> dict:
    """The MPT config (Hugging Face ``mpt`` fields) of an LLM Foundry benchmark model."""
    layers, hidden, heads = MPT_DIMS[model]
    return {
        "model_type": "mpt",
        "d_model": hidden,
        "n_layers": layers,
        "n_heads": heads,
        "expansion_ratio": 4,
        "vocab_size": 50368,
        "max_seq_len": seq_len,
        "no_bias": True,
        "attn_config": {"attn_impl": "triton"},
    }


def llmfoundry_row(
    run: str,
    source: str,
    gpu: str,
    gpus: int,
    model: str,
    seq: int,
    batch: tuple[int, int],
    value: float,
    *,
    zero: int = 3,
    recompute: str = "none",
    precision: str = "bf16",
    software: tuple[tuple[str, object], ...] | None = None,
) -> TrainingRow:
    """One LLM Foundry MPT run (FSDP over every GPU) as a held-out :class:`TrainingRow`.

    ``batch`` is (global batch, micro-batch) in sequences, ``value`` tokens/s per GPU;
    ``software`` defaults to :func:`llmfoundry_software` of the run's GPU, count and model.
    """
    name = f"{model}@{seq}"
    MODELS.setdefault(name, mpt_config(model, seq))
    gbs, mbs = batch
    return TrainingRow(
        run,
        source,
        gpu,
        name,
        gpus,
        gbs,
        seq,
        1,
        1,
        gpus,
        mbs,
        "tokens_per_s_per_gpu",
        value,
        HELD_OUT,
        recompute=recompute,
        zero=zero,
        precision=precision,
        software=llmfoundry_software(gpu, gpus, model) if software is None else software,
    )


def _llmfoundry_rows() -> list[TrainingRow]:
    return [
        llmfoundry_row(
            f"llmfoundry2401/{gpu}/{model}/{seq}/{gpus}/{precision}/zero{zero}/{recompute}/b{mbs}/B{gbs}",
            "llmfoundry2401",
            gpu,
            gpus,
            model,
            seq,
            (gbs, mbs),
            value,
            zero=zero,
            recompute=recompute,
            precision=precision,
        )
        for gpu, gpus, model, seq, gbs, mbs, zero, recompute, precision, value, _p in (
            LLMFOUNDRY_TABLE
        )
    ]


#: trtllm-bench input/output lengths of the perf overview.
ISL_OSL = (
    (128, 128),
    (128, 2048),
    (128, 4096),
    (500, 2000),
    (1000, 1000),
    (1000, 2000),
    (2048, 128),
    (2048, 2048),
    (5000, 500),
    (20000, 2000),
)
#: Output tokens/s of one replica (FP8 weights, activations and KV cache) per ISL/OSL pair.
#: Llama-3.3-70B rows use the architecture of ``llama-3.1-70b``.
TRTLLM_OVERVIEW = {
    ("llama-3.1-8b", "H100", 1): (28312, 22714, 14325, 17660, 15220, 13899, 3450, 9305, 3459, 1351),
    ("llama-3.1-8b", "H200", 1): (
        27911,
        26221,
        18027,
        20770,
        17744,
        16828,
        3538,
        12194,
        3902,
        1804,
    ),
    ("llama-3.1-70b", "H100", 2): (6378, 6651, 4199, 5222, 4205, 4146, 762, 3082, 898, 437),
    ("llama-3.1-70b", "H200", 1): (3803, 4336, 2872, 3666, 2909, 2994, 442, 2003, 566, 283),
    ("llama-3.1-405b", "H100", 8): (3627, 4340, 3116, 3994, 2919, 2895, 453, 2296, 610, 345),
    ("llama-3.1-405b", "H200", 8): (3814, 5348, 4741, 4724, 3330, 3722, 456, 2948, 650, 505),
}
#: The engine option of the TensorRT-LLM performance-overview rows (this source and the held-out
#: ``trtllm_l40s`` / ``trtllm_rtxpro`` tables of the same page): ``--kv_cache_free_gpu_mem_fraction
#: 0.95``. The page at @00f37686 says "In many cases, we also use a higher KV cache percentage by
#: setting ``--kv_cache_free_gpu_mem_fraction 0.95`` in the benchmark command. This allows us to
#: obtain better performance than the default setting of ``0.90``. We fall back to ``0.90`` or
#: lower if out-of-memory errors are encountered." (its v0.17 revision: "In majority of cases,
#: ...", falling back "to ``0.90`` if we hit an out of memory issue"); which rows did is not
#: published, so every row takes the value the page says it mostly used (twenty-eighth
#: session; priced at the 0.90 default before, which put ``iteration_overhead_s`` at its bound).
TRTLLM_OVERVIEW_KV = "kv=0.95"
TRTLLM_OVERVIEW_ENGINE = f"trtllm,{TRTLLM_OVERVIEW_KV}"
#: The 405B rows are held out (as when the serving constants were first fitted).
_TRTLLM_FIT_MODELS = ("llama-3.1-8b", "llama-3.1-70b")


def _trtllm_rows() -> list[ServingRow]:
    rows = []
    for (model, gpu, tp), values in TRTLLM_OVERVIEW.items():
        split = FIT if model in _TRTLLM_FIT_MODELS else HELD_OUT
        for (isl, osl), value in zip(ISL_OSL, values, strict=True):
            rows.append(
                ServingRow(
                    f"trtllm_overview/{model}/{gpu}/{isl}-{osl}",
                    "trtllm_overview",
                    gpu,
                    model,
                    tp,
                    "fp8",
                    isl,
                    osl,
                    value,
                    split,
                    engine=TRTLLM_OVERVIEW_ENGINE,
                )
            )
    return rows


#: Llama 3 405B pre-training (Table 4): 16M tokens per step, TFLOP/s per GPU in the paper's
#: convention (causal attention). The first and the last stage hold one layer less (126
#: layers on 16 stages, paper section 3.3.2). Not in the table, set here (assumptions listed
#: in the report): microbatch 1, interleaving v = 4, selective recomputation, TP
#: communication overlapped. Meta's training stack is not public: no evidence of an
#: asynchronous backward beyond that overlap, so ``tp_bwd_overlap`` stays off (under
#: ``tp_overlap`` it would change no prediction).
_L3_STAGES = (7,) + (8,) * 14 + (7,)
_L3_SOFTWARE = (("tp_overlap", True), ("tp_bwd_overlap", False))
LLAMA3_2024 = tuple(
    TrainingRow(
        f"llama3_2024/llama-3.1-405b/{gpus}/{seq}",
        "llama3_2024",
        "H100",
        "llama-3.1-405b",
        gpus,
        2**24 // seq,
        seq,
        8,
        16,
        dp,
        1,
        "causal_model_tflops_per_gpu",
        value,
        HELD_OUT,
        cp=cp,
        interleave=4,
        recompute="selective",
        sequence_parallel=True,
        stage_layers=_L3_STAGES,
        software=_L3_SOFTWARE,
    )
    for gpus, seq, cp, dp, value in (
        (8192, 8192, 1, 64, 430),
        (16384, 8192, 1, 128, 400),
        (16384, 131072, 16, 8, 380),
    )
)

#: DeepSeek-V3 on 2,048 H800: 180K GPU-hours per trillion tokens (1,543 tokens/s per GPU, a
#: whole-run average), batch 15,360 x 4,096 after the ramp, PP16 x EP64 without TP, ZeRO-1,
#: DualPipe, FP8, bf16 Adam moments, node-limited routing (4 nodes), recomputed RMSNorm and
#: MLA up-projections. Microbatch 1 is not stated (an assumption).
DEEPSEEKV3_2024 = (
    TrainingRow(
        "deepseekv3_2024/deepseek-v3/2048",
        "deepseekv3_2024",
        "H800",
        "deepseek-v3",
        2048,
        15360,
        4096,
        1,
        16,
        128,
        1,
        "tokens_per_s_per_gpu",
        1e12 / (180e3 * 3600),
        HELD_OUT,
        ep=64,
        recompute="selective",
        precision="fp8",
        software=(
            ("moment_bytes", 2.0),
            ("fp8_activations", True),
            ("fp8_comm", True),
            ("node_limit", 4),
            ("ep_overlap", "dualpipe"),
            # its own all-to-all kernels (DeepEP), no Megatron-Core sort by local expert
            ("dispatcher", "flex"),
            # grouped GEMMs over the local experts (DeepGEMM), not per-expert TE calls
            ("fused_experts", True),
        ),
    ),
)


#: AMD Accelerator Cloud CDNA3 training runs (module notes): the only CDNA3 training rows,
#: two whole held-out sources; FP8, TP = PP = CP = 1, Megatron's step time; columns: source,
#: GPU, model, GPUs (= DP), GBS, MBS, s, step time (s), ZeRO-1 or FSDP2 + full recompute.
#: ``zero=1``: the distributed optimizer of the first two rows
#: (``--use-distributed-optimizer --overlap-param-gather``; for the MI300X run from
#: ``train_llama2.sh`` as stored at ROCm/Megatron-LM @02b8aa76, the run's @38fc8307 is not
#: stored; the MI325X run's log prints it); ``zero=3``: ``--use-torch-fsdp2``
#: with full block recomputation of every layer (``recompute_num_layers`` 80). Attention is
#: Transformer Engine's fused kernel (``transformer_impl transformer_engine``, attention
#: backend auto) on every row: the MI300X run's ``USE_FLASH_ATTN=0`` only drops the flag of
#: Megatron's legacy attention path. Quotes (log lines):
#:
#: * MI300X, Llama 2 7B, 8 GPUs, MBS 4, GBS 256, s 4096: "elapsed time per iteration:
#:   10250.497872340427" (the script's mean; iteration 50: 10235.8 ms, 590.2 TFLOP/s/GPU).
#: * MI325X, Llama 2 7B, 64 GPUs, MBS 4, GBS 2048, s 4096: "iteration 50/ 50 ... elapsed
#:   time per iteration (ms): 6403.1/6402.7 ... throughput per GPU (TFLOP/s/GPU): 943.4/943.5
#:   | tokens per GPU (tokens/s/GPU): 20470.1/20472.8" (value/running mean).
#: * MI325X, Llama 2 70B, 16 GPUs, MBS 10, GBS 640, s 4096: "iteration 50/ 50 ... elapsed
#:   time per iteration (ms): 92574.9/92631.9 ... 786.7/786.2 TFLOP/s/GPU".
#: * MI325X, Llama 3.1 70B, 64 GPUs, MBS 4, GBS 256, s 8192: iterations 3-10 "elapsed time
#:   per iteration (ms)" 19394.2, 19332.6, 19156.6, 19008.1, 18970.7, 19005.2, 19007.0,
#:   19019.0 (mean 19111.7; 830 TFLOP/s/GPU at the end).
#: The MI300X run was built from source with ``GEMM_TUNING=0``, not in AMD's training image:
#: ``tuned_kernels`` false (:class:`~planner.perfmodel.options.Software`).
_AAC_DP = {"metric": "step_time_s"}
_AAC_SOURCE_BUILD = {**_AAC_DP, "software": (("tuned_kernels", False),)}
_AAC_FSDP = {"metric": "step_time_s", "zero": 3, "recompute": "full"}
AAC_CDNA3 = tuple(
    _nemo(key, HELD_OUT, gpu, model, n, gbs, mbs, seq, 1, 1, 1, 1, n, step_s, **kw)
    for key, gpu, model, n, gbs, mbs, seq, step_s, kw in (
        ("aac_megatron2508", "MI300X", "llama-2-7b", 8, 256, 4, 4096, 10.2505, _AAC_SOURCE_BUILD),
        ("aac_primus2511", "MI325X", "llama-2-7b", 64, 2048, 4, 4096, 6.4027, _AAC_DP),
        ("aac_primus2511", "MI325X", "llama-2-70b", 16, 640, 10, 4096, 92.6319, _AAC_FSDP),
        ("aac_primus2511", "MI325X", "llama-3.1-70b", 64, 256, 4, 8192, 19.1117, _AAC_FSDP),
    )
)


#: AMD's performance-results page, MI325X multi-node Megatron-LM via Primus (module notes):
#: the CDNA3 training fit rows. 64 GPUs, s 8192, TP = PP = CP = 1, tokens/s per GPU. Quote
#: (the blog's table, "Docker container: rocm/primus:v26.1 / Release date: Jan 21, 2026";
#: columns Model | Precision | Batch | SeqLen | FSDP | TP | PP | CP | EP | 1-Node |
#: Measured 8-Node (tok/s/GPU) | ...): "Llama 3.1 8B | FP8 | 2 | 8192 | No | 1 | 1 | 1 | 1 |
#: 16,224 | 16,186", "Llama 3.1 70B | FP8 | 4 | 8192 | Yes | ... | 1,135 | 1,726",
#: "Llama 3.1 70B | BF16 | 1 | 8192 | Yes | ... | 1,135 | 1,174". The 1-node column is the
#: projection tool's own benchmark input (the same 1,135 for both 70B precisions), not a
#: page row: not used. The ROCm docs' 8-node commands for the image: 8B FP8
#: ``--global_batch_size 1024`` (recipe: ``micro_batch_size: 2``, ``overlap_grad_reduce``,
#: ``overlap_param_gather``, the module default ``use_distributed_optimizer: true``:
#: ZeRO-1); 70B FP8 ``--micro_batch_size 4 --global_batch_size 256 --recompute_num_layers 80``
#: and 70B BF16 ``--micro_batch_size 1 --global_batch_size 256 --recompute_num_layers 12``
#: (recipes: ``use_torch_fsdp2: true``, ``recompute_granularity: full``,
#: ``recompute_method: block``, ``fp8: hybrid`` in the FP8 one, Primus-Turbo attention).
#: The same commands stand in the docs of every image from v25.7 to v26.4.
def _amd(model, precision, gbs, mbs, tok_s, zero=1, recompute="none", layers=0):
    return TrainingRow(
        f"amd_primus2601/MI325X/{model}/{precision}/64",
        "amd_primus2601",
        "MI325X",
        model,
        64,
        gbs,
        8192,
        1,
        1,
        64,
        mbs,
        "tokens_per_s_per_gpu",
        tok_s,
        FIT,
        recompute=recompute,
        recompute_layers=layers,
        zero=zero,
        precision=precision,
    )


AMD_PRIMUS_2601 = (
    _amd("llama-3.1-8b", "fp8", 1024, 2, 16186.0),
    _amd("llama-3.1-70b", "fp8", 256, 4, 1726.0, zero=3, recompute="full"),
    _amd("llama-3.1-70b", "bf16", 256, 1, 1174.0, zero=3, recompute="full", layers=12),
)


#: MLPerf Training v5.1, Llama 3.1 8B on 8 x MI355X (module notes): held-out CDNA4 rows.
#: Quotes (``tracked_stats`` of the first timed run of each submitter, samples/s of the node;
#: ``global_batch_size`` 32, ``gradient_accumulation_steps`` 2, ``max_sequence_length`` 8192):
#: AMD ``result_0.txt`` blocks 2-6 "throughput": 30.619, 30.619, 30.631, 30.631, 30.646;
#: Supermicro ``result_1.txt`` blocks 2-5: 29.687, 29.675, 29.691, 29.695 (block 1 holds
#: the warm-up: 30.150 and 28.500). Value: the median steady block x 8192 / 8 tokens/s/GPU.
MLPERF_SEQ = 8192
MLPERF_TRAIN51 = tuple(
    TrainingRow(
        f"mlperf_train51/{who}/MI355X/llama-3.1-8b/fp8/8",
        "mlperf_train51",
        "MI355X",
        "llama-3.1-8b",
        8,
        32,
        MLPERF_SEQ,
        1,
        1,
        8,
        2,
        "tokens_per_s_per_gpu",
        samples_s * MLPERF_SEQ / 8,
        HELD_OUT,
        precision="fp8",
    )
    for who, samples_s in (("AMD", 30.631), ("Supermicro", 29.689))
)


#: Every training row, fit and held-out.
TRAINING_ROWS: tuple[TrainingRow, ...] = (
    *_megatron_rows(),
    *NEMO_2407,
    *BRIDGE_2511,
    *BRIDGE_2509,
    *BRIDGE_MOE,
    *_megatron_readme_rows(),
    *_llmfoundry_rows(),
    *LLAMA3_2024,
    *DEEPSEEKV3_2024,
    *AAC_CDNA3,
    *AMD_PRIMUS_2601,
    *MLPERF_TRAIN51,
)
#: Every serving row, fit and held-out.
SERVING_ROWS: tuple[ServingRow, ...] = tuple(_trtllm_rows())
#: All rows.
ROWS = (*TRAINING_ROWS, *SERVING_ROWS)
