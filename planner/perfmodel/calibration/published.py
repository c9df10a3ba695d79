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
    ``model_tflops_per_gpu`` or ``step_time_s``.
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
    zero: int = 1
    sequence_parallel: bool = False
    precision: str = "bf16"
    flash_attention: bool = True
    overlap_grad_reduce: bool = True


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
        "model_tflops_per_gpu",
        value,
        split,
        cp=cp,
        interleave=vp,
        zero=zero,
        sequence_parallel=tp > 1,
        precision="fp8",
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

#: Megatron-Bridge, NeMo 25.11 container (FP8 current scaling): a whole held-out source.
BRIDGE_2511 = (
    _nemo(
        "bridge2511", HELD_OUT, "H100", "llama-3.1-8b", 8, 128, 1, 8192, 1, 1, 1, 1, 8, 744, zero=3
    ),
    _nemo("bridge2511", HELD_OUT, "H100", "llama-3.1-70b", 64, 128, 1, 8192, 4, 8, 5, 1, 2, 719),
    _nemo("bridge2511", HELD_OUT, "H100", "llama-3.1-405b", 1024, 512, 1, 8192, 8, 8, 8, 2, 8, 737),
    _nemo("bridge2511", HELD_OUT, "B200", "llama-3.1-8b", 8, 128, 2, 8192, 1, 1, 1, 1, 8, 1576),
    _nemo("bridge2511", HELD_OUT, "B200", "llama-3.1-405b", 128, 64, 1, 8192, 4, 8, 8, 2, 2, 1667),
)

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
                )
            )
    return rows


#: Every training row, fit and held-out.
TRAINING_ROWS: tuple[TrainingRow, ...] = (*_megatron_rows(), *NEMO_2407, *BRIDGE_2511)
#: Every serving row, fit and held-out.
SERVING_ROWS: tuple[ServingRow, ...] = tuple(_trtllm_rows())
#: All rows.
ROWS = (*TRAINING_ROWS, *SERVING_ROWS)
