"""Published measurements used to validate the step-time model.

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
"""

from __future__ import annotations

from dataclasses import dataclass


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

#: Sequence length of both tables.
SEQ_LEN = 2048
