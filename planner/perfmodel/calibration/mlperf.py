"""MLPerf Inference datacenter LLM results, marked *held-out* (sources ``mlperf_inf41``, v4.1,
and ``mlperf_inf51``, v5.1: :data:`RUNS_V51`).

Rows entered by helper s17pub (seventeenth session) before any prediction of them was run
(git history: this module's first commit carries no errors; the v5.1 rows were added after
the v4.1 sensitivity table, without predictions of them). Source: the MLCommons results
repository github mlcommons/inference_results_v4.1 @198fc467 (round published 2024-08-28),
``closed/<submitter>/results/<system>/<benchmark>/<scenario>/performance/run_1/
mlperf_log_summary.txt`` (read by ``bench/session_runs/s17pub/mlperf_read.py``, output beside
it), with each system's configuration from the same repository:

* NVIDIA ``DGX-H100_H100-SXM-80GBx8_TRT`` and ``H200-SXM-141GBx8_TRT`` (TensorRT 10.2.0,
  CUDA 12.4; ``closed/NVIDIA/systems/*.json``), TensorRT-LLM engines built by
  ``closed/NVIDIA/code/<benchmark>/tensorrt/builder.py``: FP8 weights and FP8 KV cache
  (``use_fp8 = True``; the README's quantization ``--qformat fp8 --kv_cache_dtype fp8`` for
  llama2-70b, ``--kv_cache_dtype=fp8`` in the Mixtral builder), paged KV cache, in-flight
  batching with ``max_num_tokens`` tokens per iteration. Layout per
  ``closed/NVIDIA/configs/<benchmark>/<scenario>/__init__.py``: llama2-70b on H100
  ``H100_SXM_80GB_TP2x4`` (4 engines of TP2), on H200 ``H200_SXM_141GBx8`` (8 engines of
  TP1), ``max_num_tokens = 4096`` (``configs/llama2-70b/__init__.py``); Mixtral-8x7B on both
  ``..x8`` with TP1 (8 engines), ``max_num_tokens`` 8192 where the class sets it (H100
  Offline, H200 Server), else the base 16384.
* AMD ``8xMI300X_2xEPYC-9374F`` (``closed/AMD/systems``: "vLLM 0.4.3+rocm614, PyTorch 2.3.0,
  ROCm 6.1.2", vllm-a8cff57), llama2-70b: ``TP=1``, ``DP=8`` (the harness scripts
  ``code/llama2-70b-99/test_VllmFp8/test_VllmFp8_*_perf.sh``, the submission's
  ``run_scenarios.sh`` running the Offline and SyncServer ones), Quark FP8 weights and
  activations, ``--kv-cache-dtype fp8`` with the README's KV-cache scales, ``--enforce-eager
  True``, ``--gpu-memory-utilization 0.99``, no chunked prefill and the harness default
  ``max_num_batched_tokens = 65536`` (``VllmFp8/mainVllmFp8_Offline.py``). Entered
  first (commit f5b0fe4) as plain ``vllm:0.4.3`` (graphs, no token budget); corrected to
  ``vllm:0.4.3,eager,tokens=65536`` from those scripts after the first sensitivity table had
  been run (helper s17pub; the correction is read in the code, not chosen by its effect).
  The Server run differs (helper s20mlperf, twentieth session, read after the rows had been
  scored): ``test_VllmFp8_SyncServer_perf.sh`` passes neither ``--enforce-eager`` nor a token
  budget, so ``mainVllmFp8_SyncServer.py``'s own argument defaults apply --
  ``--max-num-batched-tokens 49152``, ``--max-num-seqs 1024``, ``--max-seq-len-to-capture
  512``, ``--gpu-memory-utilization 0.97`` -- and HIP graphs are on (``enforce_eager`` stays
  the ``DefaultEngineInput`` value ``False``); the harness also batches arriving queries for up
  to 0.3 s or 96 samples (``--enable-batcher``, ``sync_sut.py``) and deals the batches to the
  8 engines in turn. Entered as ``tokens=49152`` and still ``eager``: vLLM 0.4.3's V0 runner
  replays a graph only for a decode batch whose longest sequence is within
  ``max_seq_len_to_capture`` (512 here) and whose size is a captured one (at most 256), and
  at the run's 384 sequences per engine of up to 2,048 tokens neither holds (the model's
  graph rule, :func:`planner.perfmodel.engines.replays_graph`, knows neither limit of this
  harness). Not modelled: the harness batcher's wait (up to 0.3 s before a prompt reaches
  an engine) and its round-robin bursts, the 1,024-sequence cap (the run's batch is 384).

Metrics (one row each): Offline ``Tokens per second`` (output tokens, at saturation: the whole
sample set is one query); Server ``Completed tokens per second`` (output tokens/s at the
largest Poisson rate whose p99 TTFT and p99 TPOT met the limits: the submitter's own search,
``Scheduled samples per second``), and that run's p99 first-token latency and p99 time per
output token at its scheduled rate. Limits (``ttft_latency`` / ``tpot_latency`` in the logs;
inference_rules.adoc of mlcommons/inference_policies): 2 s and 200 ms for both benchmarks.

Lengths. What the rules and the reference implementation print
(mlcommons/inference_policies ``inference_rules.adoc`` @ac93e89, the benchmark table;
mlcommons/inference ``language/*/README.md`` and ``docs/index.md`` @b66003e1): llama2-70b
runs 24,576 OpenOrca (GPT-4 split) samples, ``max_seq_len=1024`` for the input, at most 1024
output tokens (NVIDIA's ``generation_config.json``), reference output 294.45 tokens per sample;
Mixtral-8x7B 15,000 samples (5,000 each of OpenOrca, GSM8K, MBXP, ``max_seq_len=2048``),
reference 144.84 (145.9 in the submission checker). The mean *input* length of either set is
printed in none of them (nor in the MLCommons blog excerpts, AMD's v4.1 write-up, "up to 1,024
input and output tokens", or the submitters' READMEs). The output mean of each row is its own
run's (tokens/s over samples/s of the same log).

llama2-70b input lengths (entered by helper s18mlperf, eighteenth session, before any
prediction at them was computed; ``bench/session_runs/s18mlperf/openorca_lengths.py``, output
beside it): MLPerf's own calibration subset, ``open_orca_gpt4_tokenized_llama.calibration_1000
.pkl``, is public in git history: github AI-Hypercomputer/JetStream @909361b ("Accuracy eval
mlperf", 2024-05-07; blob cde4330e, 3,708,395 bytes, later replaced by a Git LFS pointer in
8cae8a1). mlcommons/inference ``language/llama2-70b/processorca.py`` (since 94b0cc48,
2024-01-08) draws it as ``sampled_df.sample(n=1000, random_state=12345)`` from the 24,576-sample
set itself, and the file is that processing's output (every ``tok_input`` ends in the token
29871 that commit appends; origins cot 248, flan 243, niv 244, t0 265 of the set's equal
6,144 each). Its ``tok_input_length`` (the Llama 2 tokens a submitter's engine prefills):
mean 219.74, standard deviation 171.14, min 51, median 153.5, max 1020 over the 1,000 samples
(standard error of the mean 5.4). Cross-check, independent: the JetStream commit 8cae8a1
("[benchmark] Increase offline benchmarking batch size from 160 to 320", #196, 2025-02-19)
logs 2,219,196 input tokens for 10,000 prompts drawn at random from
``open_orca_gpt4_tokenized_llama.sampled_24576.pkl`` and tokenized by its Llama 2 tokenizer:
221.9 per sample; and JetStream 5dd2b91 (#210, 2025-02-26) logs 5,311,936 for 24,000 distinct
samples of the 24,576 (``random.sample``), 221.33 per sample under Hugging Face's Llama 2
tokenizer, which is MLPerf's ``tok_input`` less the appended 29871: 222.33 in MLPerf's count,
a near-census found after the entry (errors at it move by at most 1.7 points, no count:
``bench/session_runs/s18mlperf/census_sensitivity.md``). :data:`DATASETS` enters the
calibration subset's mean and standard deviation (the only published spread).
Mixtral-8x7B: no public copy of its sample set or of its calibration subset found (the rows
printed anywhere are single samples in the docstrings of NVIDIA's Mixtral scripts, 139 to 662
tokens), so its ``input_mean`` stays ``None`` and its rows are not scored.

Tuned GEMMs of the AMD runs (entered by helper s19amd, nineteenth session, after the rows had
been scored; narrowed by the lead the same session to the runs whose own configuration turns
the tuning on; widened by helper s20mlperf, twentieth session, to the v5.1 MI300X llama2-70b
engines, from the hipBLASLt build they run, after those rows had been scored): the option
``tuned`` (``Engine.tuned_gemms`` of :mod:`planner.perfmodel.engines`) prices a build's GEMMs at
AMD's published Max-Achievable FLOPs (MAF) of the GPU
(:func:`planner.perfmodel.kernels.tuned_serving_efficiency`), a cited figure, instead of the
CDNA3 serving efficiency fitted on the public vLLM 0.6.6 build. It is on for the v5.1
llama2-70b engines of both GPUs and off for v4.1 and for Mixtral, by one rule: the engine's
hipBLASLt is the build AMD measured the MAF with, or a later one. Evidence:

* What the MAF is. AMD's blog ("Measuring Max-Achievable FLOPs - Part 2", ROCm blog
  2025-02-28, Appendix B and footnote 4) measured it with plain ``hipblaslt-bench`` at one
  large shape, hipBLASLt's default kernel selection (no tuning table, no override file),
  hipBLASLt commit db8e93b4 on ROCm 6.3.0, on 2025-02-25: the rate of that library build, not
  of a per-shape tuning.
* Which hipBLASLt each build runs. ROCm/vllm ``Dockerfile.rocm_base`` pins it: 4d40e36 from
  2025-01-21 (the fit rows' ``rocm/vllm-dev:main`` of 2025-01-24 on ROCm 6.3.1, 7a292f9b0),
  db8e93b4 from 2025-02-25 (18689d8a2, ROCm/vllm #448: the MAF build), 0f5d6c6d from
  2025-04-17, aa0bda7b from 2025-04-28 (8bd7ee18f, #528). The v5.1 submission builds on
  ``rocm/vllm-dev:nightly_0610`` (``closed/AMD/setup/build_submission_llama2_70b.sh``), whose
  vLLM commit 71faa1880 pins aa0bda7b (``docker/Dockerfile.rocm_base``), and every v5.1 AMD
  system declares "hipblaslt 0.15.0-aa0bda7b" (``closed/AMD/systems/8xMI300X_2xEPYC_9575F.json``
  and the MI325X ones): a build after the MAF one in that sequence (its ancestry in hipBLASLt's
  own history was not checked: the stored copy of ROCm/hipBLASLt ends in October 2024). The
  v4.1 build pins hipBLASLt 8b71e7a8 (2024-07-18, ``closed/AMD/docker/build_llama2.sh``),
  before the MAF build: it keeps the fitted efficiency (and the v4.1 fork's per-shape FP8
  solutions, ``Fp8RocmConfig`` at ROCm/vllm 799388d7, are read from ``/tmp/tuned_fp8_16.csv``,
  which neither the image nor the harness provides). The v5.1 Mixtral engines build on another
  image (``rocm/vllm-dev:nightly_aiter_integration_final_20250325_634``, ROCm 6.3.4) and run
  their experts in AITER / CK MoE kernels, not hipBLASLt: not ``tuned`` (and not scored).
* The clocks. The submission's ``scripts/power_settings.sh`` sets performance determinism at
  1,400 / 1,300 MHz (MI300X Offline / Server) and 1,700 / 1,600 MHz (MI325X), above the MAF
  runs' median clocks under FP8 GEMMs (1,230 and 1,464 MHz): the caps do not lower the rate.
* The MI325X configs also set a shipped hipBLASLt tuning table (``scripts/
  llama2-mi325x-server-tuning.txt`` as ``HIPBLASLT_TUNING_OVERRIDE_FILE``, Server yaml) and
  torchao-swizzled FP8 weights (``VLLM_MLPERF_SWIZZLE_FP8_LINEAR``, ``Swizzle-fp8-linear.patch``);
  the MI300X yamls set neither. Those tables' FP8 GEMMs run at 1.0-1.5 PFLOP/s from 700 tokens
  on (``bench/session_runs/s19amd/hipblaslt_tuning.py``), at a median 0.90 of the MAF rule's
  time on MI325X: a check of the rate, not its source, and no extra speed-up is priced for them.
* A bound that needs no model of the kernels: the measured v5.1 MI300X Offline run sustained at
  least 824 TFLOP/s in its linear layers alone, averaged over the run (output tokens/s per GPU
  and the sample set's 220-token prompts times two FLOPs per parameter;
  ``bench/session_runs/s20mlperf/gemm_rate_bound.py``), above the fitted large-GEMM rate the
  model gave it (658 TFLOP/s): with every host term at zero the untuned prediction was still
  -30 %. (The v4.1 Offline run sustained at least 705 TFLOP/s, also above the fitted rate,
  which no evidence above lets the model change.)

KV cache of the NVIDIA runs: NVIDIA's harness runs TensorRT-LLM's capacity scheduler as
``kMAX_UTILIZATION`` (``closed/NVIDIA/code/harness/harness_llm/main_llm.cc``:
``trtllm_batch_sched_policy`` defaults to ``max_util``; the llama2-70b and Mixtral configs do
not set it), which allocates KV blocks as tokens are generated and pauses requests when the
cache is full, not TensorRT-LLM's default guaranteed-no-evict reservation of prompt + output:
:attr:`MLPerfRow.kv_admission` is ``on-demand`` for every row (vLLM's own behaviour for AMD).

Batch caps and memory shares (entered by helper s29mlp, twenty-ninth session, from the
submissions' configurations, read before any prediction with them was run; the rows had been
scored without them): :attr:`MLPerfRow.max_batch` is the most sequences an engine runs at once,
and the AMD engines' ``mem=F`` (:attr:`~planner.perfmodel.engines.Engine.memory_utilization`)
is vLLM's ``--gpu-memory-utilization``, which the model had taken at vLLM's default 0.9.

* NVIDIA (inference_results_v4.1 @198fc467): each config class's ``gpu_batch_size`` is the
  engine's ``max_batch_size`` (``closed/NVIDIA/code/llama2-70b/tensorrt/builder.py`` line 182,
  ``--max_batch_size={self.batch_size}``; the harness reads it back from the engine's
  ``build_config``, ``code/harness/harness_llm/main_llm.cc`` line 181). llama2-70b:
  ``configs/llama2-70b/Offline/__init__.py`` line 69 (``H100_SXM_80GB_TP2x1``, 896, inherited
  by ``TP2x4``) and line 158 (``H200_SXM_141GBx1``, 806, inherited by ``x8``);
  ``Server/__init__.py`` line 69 (H100, 1024) and line 158 (H200, 896). Mixtral-8x7B:
  ``configs/mixtral-8x7b/Offline/__init__.py`` line 58 (H100, 896) and 87 (H200, 3072);
  ``Server/__init__.py`` line 59 (H100, 896) and 77 (H200, 1200). The other settings these
  classes and their bases set are already the rows': ``kvcache_free_gpu_mem_frac = 0.90``
  (``Offline/__init__.py`` and ``Server/__init__.py`` line 36, passed to the harness by
  ``code/llama2-70b/tensorrt/harness.py`` line 32: the model's default ``kv=0.9``),
  ``max_num_tokens = 4096`` (``configs/llama2-70b/__init__.py`` line 34), TP1 / TP2 and PP1,
  FP8 (``use_fp8``); the builder enables FP16 context FMHA (``--context_fmha=enable``, no
  FP8 context FMHA), and the harness builds TensorRT-LLM's scheduler without chunked context
  (``code/harness/harness_llm/llm_core.cc`` line 77-78: a ``SchedulerConfig`` of the policy
  alone): a prompt (at most 1,024 tokens here) is not split over iterations, which the model's
  chunked budget of ``4096 - B`` prompt tokens approximates. Not modelled: ``vboost_slider = 1``
  (every H100 / H200 class here; a clock setting with no published figure).
* AMD v4.1: ``max_num_seqs`` 2,048 Offline (``VllmFp8/mainVllmFp8_Offline.py`` line 79,
  ``DefaultEngineInput``; ``test_VllmFp8_Offline_perf.sh`` passes none) and 1,024 Server
  (``mainVllmFp8_SyncServer.py`` line 54); ``--gpu-memory-utilization`` 0.99 Offline
  (``test_VllmFp8_Offline_perf.sh`` line 67) and 0.97 Server (``mainVllmFp8_SyncServer.py``
  line 56). Not modelled: the Offline script's ``VLLM_SCHED_PREFILL_KVC_FREEPCT=31.0`` (line
  17, a scheduler knob of AMD's vLLM fork) and its descending sort of the prompts.
* AMD v5.1 (inference_results_v5.1 @965182b0, ``closed/AMD/code/<benchmark>/harness_llm/
  models/<benchmark>/<scenario>_<gpu>.yaml``, ``gpu_memory_utilization`` / ``max_num_seqs``):
  llama2-70b MI300X Offline 0.98 / 1,792, Server 1.0 / 650; MI325X Offline 0.98 / 2,700,
  Server 1.0 / 1,024; Mixtral-8x7B MI300X Offline 0.97 / 5,000, Server 0.99 / 4,096; MI325X
  Offline 0.96 / 4,736, Server 0.96 / 2,560.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.perfmodel.calibration.published import HELD_OUT, Source

SOURCE = Source(
    "mlperf_inf41",
    "MLCommons inference_results_v4.1 @198fc467 (closed division, datacenter), summary logs",
    2024,
    "TensorRT-LLM / vLLM (ROCm)",
    "NVIDIA TensorRT 10.2 + TensorRT-LLM; AMD vLLM 0.4.3+rocm614",
)
SOURCE_V51 = Source(
    "mlperf_inf51",
    "MLCommons inference_results_v5.1 @965182b0 (closed division, datacenter), AMD summary logs",
    2025,
    "vLLM (ROCm)",
    "vLLM 0.9.0.2.dev108+g71faa1880 (rocm641), AMD's MLPerf scheduler",
)
SOURCES = {s.key: s for s in (SOURCE, SOURCE_V51)}


@dataclass(frozen=True)
class Dataset:
    """What MLPerf publishes about a benchmark's sample set (module notes)."""

    samples: int
    max_input: int
    max_output: int
    reference_output: float
    #: Mean prompt tokens; ``None``: not published in the sources read.
    input_mean: float | None
    #: Standard deviation of the prompt tokens; ``None``: not published.
    input_std: float | None = None


DATASETS = {
    # input: MLPerf's calibration subset (1,000 of the 24,576 samples), module notes
    "llama-2-70b": Dataset(24576, 1024, 1024, 294.45, 219.743, 171.140),
    "mixtral-8x7b": Dataset(15000, 2048, 2048, 144.84, None),
}


@dataclass(frozen=True)
class MLPerfRow:
    """One MLPerf LLM figure of one system (``gpus / tp`` engines of ``tp`` GPUs each)."""

    id: str
    submitter: str
    system: str
    gpu: str
    gpus: int
    model: str
    tp: int
    precision: str
    kv_precision: str
    engine: str
    scenario: str  # "Offline" or "Server"
    metric: str  # "output_tokens_per_s", "ttft_s" or "tpot_s"
    statistic: str  # "" for throughputs, "p99" for latencies
    value: float
    #: Output tokens per sample of the same run (tokens/s over samples/s of its log).
    output_mean: float
    #: Server: the scheduled Poisson rate of the run (samples/s of the whole system).
    rate: float = 0.0
    #: How a running request holds KV blocks (module notes: NVIDIA's harness runs
    #: TensorRT-LLM's max-utilization scheduler; vLLM allocates on demand).
    kv_admission: str = "on-demand"
    #: Most sequences one engine runs at once (TensorRT-LLM ``max_batch_size``, vLLM
    #: ``max_num_seqs``; module notes); ``None``: no cap but the KV cache's.
    max_batch: int | None = None
    ttft_limit_s: float = 2.0
    tpot_limit_s: float = 0.2
    source: str = SOURCE.key
    split: str = HELD_OUT

    @property
    def engines(self) -> int:
        """Independent engines (replicas) of the system."""
        return self.gpus // self.tp


#: The TensorRT-LLM the NVIDIA v4.1 engines were built with and ran on: inference_results_v4.1
#: @a2f5d66d ``closed/NVIDIA/Makefile.build`` (``USE_RELEASE_TRTLLM ?= 1``: the public
#: repository at ``TRTLLM_PUBLIC_HASH = 2d234357c6e69fa514f6e9b4d4a5ad3bc431c4a6``, "7/16/2024
#: Github main (final drop)"), whose ``tensorrt_llm/version.py`` reads ``0.12.0.dev2024071600``
#: (NVIDIA/TensorRT-LLM @2d234357). Named so that the rows take the engine flow's fixed runtime
#: reserve (TensorRT engines on the C++ runtime), not the PyTorch flow's of releases from 1.0
#: (:mod:`planner.perfmodel.trtllm_memory`); until 2026-12-07 they named no release.
NVIDIA_V41_TRTLLM = "trtllm:0.12.0.dev2024071600"

#: (submitter, system, gpu, model, tp, engine, Offline (tokens/s, samples/s),
#: Server (completed tokens/s, completed samples/s, scheduled samples/s, p99 TTFT ns,
#: p99 TPOT ns), (Offline, Server) batch caps) -- ``mlperf_read.txt``; the caps and the AMD
#: engines' ``mem=F``: the module notes.
RUNS = (
    (
        "NVIDIA",
        "DGX-H100_H100-SXM-80GBx8_TRT",
        "H100",
        "llama-2-70b",
        2,
        (f"{NVIDIA_V41_TRTLLM},tokens=4096", f"{NVIDIA_V41_TRTLLM},tokens=4096"),
        (24524.9, 84.4792),
        (21605.79, 74.42, 75.10, 461278089, 175354317),
        (896, 1024),
    ),
    (
        "NVIDIA",
        "H200-SXM-141GBx8_TRT",
        "H200",
        "llama-2-70b",
        1,
        (f"{NVIDIA_V41_TRTLLM},tokens=4096", f"{NVIDIA_V41_TRTLLM},tokens=4096"),
        (31302.7, 107.477),
        (29228.22, 100.35, 101.25, 452744202, 146040006),
        (806, 896),
    ),
    (
        "NVIDIA",
        "DGX-H100_H100-SXM-80GBx8_TRT",
        "H100",
        "mixtral-8x7b",
        1,
        (f"{NVIDIA_V41_TRTLLM},tokens=8192", f"{NVIDIA_V41_TRTLLM},tokens=16384"),
        (52415.9, 359.173),
        (50795.57, 348.06, 348.37, 628885054, 123136641),
        (896, 896),
    ),
    (
        "NVIDIA",
        "H200-SXM-141GBx8_TRT",
        "H200",
        "mixtral-8x7b",
        1,
        (f"{NVIDIA_V41_TRTLLM},tokens=16384", f"{NVIDIA_V41_TRTLLM},tokens=8192"),
        (59022.3, 404.431),
        (57177.20, 391.79, 392.18, 539748890, 167039660),
        (3072, 1200),
    ),
    (
        "AMD",
        "8xMI300X_2xEPYC-9374F",
        "MI300X",
        "llama-2-70b",
        1,
        ("vllm:0.4.3,eager,tokens=65536,mem=0.99", "vllm:0.4.3,eager,tokens=49152,mem=0.97"),
        (23514.8, 80.15),
        (21028.23, 71.74, 73.66, 1604171041, 197873909),
        (2048, 1024),
    ),
)


#: MLPerf Inference v5.1 (``mlperf_inf51``), AMD only (NVIDIA's v5.1 LLM systems are B200 /
#: GB200 / GB300 with FP4 weights): 8 x MI300X and 8 x MI325X (``closed/AMD/systems``: "vLLM
#: 0.9.0.2.dev108+g71faa1880 ... rocm641"), 8 vLLM instances of TP1 (``device_count: 8``), one
#: per GPU, each with the harness's engine settings (``closed/AMD/code/<benchmark>/
#: harness_llm/models/<benchmark>/<scenario>_<gpu>.yaml``): no chunked prefill,
#: ``max_num_batched_tokens`` tokens per prefill iteration, ``num_scheduler_steps`` multi-step
#: scheduling, ``enforce_eager`` as set there (llama2-70b eager throughout; Mixtral Offline with
#: HIP graphs, Server eager). llama2-70b also runs AMD's MLPerf decode-batch scheduler
#: (``VLLM_LLAMA2_MLPERF_SCHED``), not modelled. FP8 weights and activations (Quark
#: ``w_fp8_a_fp8``); KV cache FP8: Mixtral's yaml sets ``kv_cache_dtype: fp8``; llama2-70b's sets
#: none, but its checkpoint is quantized with ``--kv_cache_dtype fp8``
#: (``closed/AMD/setup/dataset_and_model/quantize_llama2_70b.sh``): entered as FP8, an
#: assumption (vLLM's default ``auto`` would keep the model dtype unless the checkpoint's
#: quantization config sets it). ``gpu_memory_utilization`` 0.96-1.0 and ``max_num_seqs``:
#: entered (``mem=F``, the batch caps) by helper s29mlp, module notes; the model had taken
#: vLLM's default 0.9 until then.
RUNS_V51 = (
    (
        "AMD",
        "8xMI300X_2xEPYC_9575F",
        "MI300X",
        "llama-2-70b",
        1,
        (
            "vllm:0.9.0,eager,steps=11,tokens=40960,tuned,mem=0.98",
            "vllm:0.9.0,eager,steps=9,tokens=40960,tuned,mem=1.0",
        ),
        (27803.9, 92.1544),
        (24593.77, 81.68, 83.90, 1914647645, 193380124),
        (1792, 650),
    ),
    (
        "AMD",
        "8xMI300X_2xEPYC_9575F",
        "MI300X",
        "mixtral-8x7b",
        1,
        (
            "vllm:0.9.0,steps=9,tokens=51200,mem=0.97",
            "vllm:0.9.0,eager,steps=8,tokens=32000,mem=0.99",
        ),
        (53017.3, 369.007),
        (47804.28, 333.12, 334.53, 1527654395, 151775607),
        (5000, 4096),
    ),
    (
        "AMD",
        "8xMI325X_2xEPYC_9575F_1",
        "MI325X",
        "llama-2-70b",
        1,
        (
            "vllm:0.9.0,eager,steps=7,tokens=65536,tuned,mem=0.98",
            "vllm:0.9.0,eager,steps=9,tokens=40960,tuned,mem=1.0",
        ),
        (34520.4, 114.7),
        (32027.57, 106.28, 109.52, 1755256090, 198309854),
        (2700, 1024),
    ),
    (
        "AMD",
        "8xMI325X_2xEPYC_9575F_1",
        "MI325X",
        "mixtral-8x7b",
        1,
        (
            "vllm:0.9.0,steps=13,tokens=51200,mem=0.96",
            "vllm:0.9.0,eager,steps=10,tokens=32000,mem=0.96",
        ),
        (68781.4, 479.775),
        (59783.64, 415.76, 420.16, 1960620330, 194606227),
        (4736, 2560),
    ),
)


def _rows(source: str, runs: tuple) -> list[MLPerfRow]:
    rows = []
    for submitter, system, gpu, model, tp, engines, offline, server, caps in runs:
        (off_eng, srv_eng), (off_cap, srv_cap) = engines, caps
        tps, sps = offline
        base = dict(
            submitter=submitter,
            system=system,
            gpu=gpu,
            gpus=8,
            model=model,
            tp=tp,
            precision="fp8",
            kv_precision="fp8",
            source=source,
        )
        prefix = f"{source}/{submitter}/{system}/{model}"
        rows.append(
            MLPerfRow(
                f"{prefix}/Offline/output_tokens_per_s",
                **base,
                engine=off_eng,
                max_batch=off_cap,
                scenario="Offline",
                metric="output_tokens_per_s",
                statistic="",
                value=tps,
                output_mean=tps / sps,
            )
        )
        ctps, csps, sched, ttft_ns, tpot_ns = server
        for metric, stat, value in (
            ("output_tokens_per_s", "", ctps),
            ("ttft_s", "p99", ttft_ns / 1e9),
            ("tpot_s", "p99", tpot_ns / 1e9),
        ):
            rows.append(
                MLPerfRow(
                    f"{prefix}/Server/{(stat + '_') if stat else ''}{metric}",
                    **base,
                    engine=srv_eng,
                    max_batch=srv_cap,
                    scenario="Server",
                    metric=metric,
                    statistic=stat,
                    value=value,
                    output_mean=ctps / csps,
                    rate=sched,
                )
            )
    return rows


#: Every MLPerf row of this module.
MLPERF_ROWS: tuple[MLPerfRow, ...] = (
    *_rows(SOURCE.key, RUNS),
    *_rows(SOURCE_V51.key, RUNS_V51),
)
