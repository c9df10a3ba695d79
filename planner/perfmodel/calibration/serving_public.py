"""Public serving measurements beyond the TensorRT-LLM overview, marked *fit* or *held-out*.

The serving rows of :mod:`planner.perfmodel.calibration.published` are offline saturation
throughputs of one framework (trtllm-bench). These rows add six sources with other
frameworks, other GPUs and latency under load, each setup known (model, GPU, count,
tensor parallelism, weight precision, input/output lengths, load, engine and its options).
Three sources are *held-out* whole: the calibration fit never sees them; they measure the
model. Three are *fit*: the vLLM and SGLang rows of ``sglang_vllm060`` determine the host
overhead of those engines (:mod:`planner.perfmodel.engines`), which no TensorRT-LLM row can,
the MI300X rows of ``rocm_vllm066`` the CDNA3 terms, which no NVIDIA row can, and SGLang's
own DeepSeek-V3 batches of ``sglang_dsv3`` the fixed time of SGLang 0.4's block-FP8 MoE
layers, which no dense row can. The marks were committed before any fit or comparison was
run (git history shows it).

Sources (rows collected by helper "lit", /work notes source ids S11, S13, S14):

* ``nim_llama33`` -- NVIDIA, *NIM LLM Benchmarking -- Performance* (docs v1.0.0,
  https://docs.nvidia.com/nim/benchmarking/llm/1.0.0/performance.html): Llama-3.3-70B-Instruct
  NIM 1.8.0 (TensorRT-LLM engine) on 2 x H100 80GB, FP8, TP2; 5000 input / 500 output tokens
  at concurrency 1-250 and 500 / 2000 at concurrency 1, closed-loop clients (AIPerf). TTFT and
  ITL in ms (the statistic is not printed: AIPerf's default summary is the mean, assumed
  here), throughput = output tokens/s of the instance. Steady state: at concurrency 25 the
  mean TTFT (0.69 s) is far below what a first round of 25 simultaneous 5000-token prompts
  would show (several seconds), so the first round is outside the measurement.
* ``dstack_405b`` -- dstack, *Exploring inference memory saturation effect: H100 vs MI300x*
  (blog 2024-12-05) with raw data github dstackai/benchmarks @06c957ab
  ``comparison/h100sxm5_vs_mi300x/csv_data/throughput_comparsion.csv`` and the commands of
  ``comparison/h100sxm5_vs_mi300x/README.md``: Llama 3.1 405B FP8 with vLLM
  ``benchmark_throughput.py --tensor-parallel-size 8 --max-model-len 91680`` on 8 x H100 SXM5
  and 8 x MI300X; ``N`` fixed-length prompts submitted at once (offline), metric = (input +
  output) tokens/s over the run. H100 (csv ``8xH100 1FP8-meta``): meta-llama/Llama-3.1-405B-FP8,
  vLLM 0.6.3.post2 ``--num-scheduler-step 1`` (CUDA graphs). That checkpoint is Meta's mixed
  FP8 format: only the feed-forward weights of layers 1 to n-2 are FP8 (rowwise), attention
  and the first and last layers stay BF16 (Llama 3 paper, section 6.2 "FP8 quantization";
  llama-models' fp8 loader skips ``layer_id == 0 or layer_id == n_layers - 1`` and quantizes
  only ``feed_forward.w1/w2/w3``), so the rows' weight precision is ``fp8-mixed``, not ``fp8``
  (entered as ``fp8`` until 2026-12-05), KV cache BF16. MI300X (csv ``8xMi300 1FP8-amd``):
  amd/Llama-3.1-405B-Instruct-FP8-KV (all linear layers FP8), vLLM 0.6.4.dev4 (ROCm)
  ``--enforce-eager --num-scheduler-step 1``, KV cache BF16: the checkpoint carries KV-cache
  scales, but the page's command (and no file of the comparison) sets ``--kv-cache-dtype``,
  whose default ``auto`` stores the cache in the model's dtype (vLLM 0.6 engine arguments;
  ``benchmark_throughput.py`` takes the engine arguments), so the rows' KV precision is bf16
  (entered as fp8 until 2026-12-05, helper s7pub). Until 2026-12-05 the MI300X rows were the
  csv's ``8xMi300x 1FP8-meta`` runs (the meta-llama checkpoint on ROCm, ``--enforce-eager
  --num-scheduler-step 15``), which the page itself sets aside: "If we are serving Llama
  3.1-405B-Fp8 with Mi300x, we have to go with amd/Llama-3.1-405B-Instruct-FP8-KV and not with
  meta-llama/Llama-3.1-405B-FP8" (README, finding 3); they ran 2-4x slower than the amd
  checkpoint of the same size on the same GPUs (a software path, not the hardware), so the
  amd-checkpoint runs replace them, same lengths and batch sizes.
* ``dstack_r1`` -- dstack, *DeepSeek R1 inference performance: MI300X vs. H200* (blog
  2025-03-18) with raw data github dstackai/benchmarks branch deepseek-r1-benchmark @7f37e669
  ``Deepseek-R1/raw_data/online_results.csv`` (rows ``h200,sglang,random``): DeepSeek-R1 (FP8
  block-scaled checkpoint, BF16 KV cache) with SGLang 0.4.3.post2 on 8 x H200,
  ``sglang.bench_serving`` with 500 random prompts of exactly 3200 input / 800 output tokens
  (``random_range_ratio`` 1) at max concurrency 4-128: output tokens/s (total output tokens /
  duration), median TPOT, p99 TTFT. The server was launched (``Deepseek-R1/README.md``, task
  ``sg-h200``) as ``sglang.launch_server --model deepseek-ai/DeepSeek-R1 --tp 8
  --enable-dp-attention``: data-parallel attention, each of the 8 GPUs running attention for its
  own requests with the experts shared by all 8. The planner writes that layout as ``tp 1 x ep
  8`` (8 attention groups, experts over the 8 ranks; :mod:`planner.serve.export` emits
  ``--enable-dp-attention`` for it), so the rows are ``tp = 1, ep = 8``; until 2026-12-05 they
  were entered as plain TP8 (attention sharded by heads), which the launch command contradicts.
  ``tp 1 x ep 8`` is the nearest layout the planner has, not the exact one (read in the
  0.4.3.post2 wheel, 2026-12-07, helper s29r1): without ``--enable-ep-moe`` the experts stay
  tensor-parallel over the 8 ranks, each layer all-gathering every group's hidden states
  before its MLP / MoE and all-reducing the MoE output (``DeepseekV2DecoderLayer.forward``,
  ``DeepseekV2MoE.forward``) where the planner's ``ep 8`` prices two all-to-alls (about
  2 ms a decode step apart, ``bench/session_runs/s29r1/dp_moe_comm.py``). 0.4.3.post2 keeps the
  overlap scheduler under DP attention (0.4.1.post2 turned it off), replays CUDA graphs only
  when every group decodes (``can_run_dp_cuda_graph``), runs MLA in Triton (no
  ``--enable-flashinfer-mla``) and no speculative decoding.
  The same csv's ``h200,vllm,random`` rows (3200 / 800, concurrency 4-128) are entered too
  (2026-12-05, held out with the source): vLLM ``0.7.4.dev181+gf35f8e22`` (the nightly the
  README's ``vllm-h200`` task installs) serving ``vllm serve deepseek-ai/DeepSeek-R1
  --tensor-parallel-size 8`` with ``VLLM_ATTENTION_BACKEND=FLASHMLA``: attention and experts
  tensor-parallel over the 8 GPUs (no expert parallelism), so ``tp = 8, ep = 1``. The
  ``h200,trt-llm`` rows are not entered: ``trtllm-serve --backend pytorch --tp_size 8
  --ep_size 4`` shards the experts 4 ways by expert and 2 by tensor, a layout the model's
  ``tp x ep`` replicas do not express.
* ``sglang_dsv3`` (*fit*) -- SGLang, pull request #2643 "chore: bump v0.4.1.post2" (github
  sgl-project/sglang, 2024-12-29, its description, "TLDR: Using CUDA Graph and FP8 GEMM
  Tuning"): DeepSeek-V3 (the FP8 block-scaled checkpoint, BF16 KV cache: SGLang's
  ``--kv-cache-dtype auto``) at TP8, "batch 1, input 128, output 256: 30.29 token/s",
  "batch 8 ...: 206.32 token/s", "batch 32 ...: 760.52 token/s". Read as
  ``sglang.bench_one_batch_server``'s output throughput, ``batch x output / latency`` of one
  batch submitted at once (the figures' wording is that tool's), so each row is the
  ``latency_s`` of its batch, ``batch x 256 / (token/s)``: 8.45, 9.93 and 10.77 s. The GPU is
  not named; H200 is assumed: the FP8 checkpoint (about 690 GB with embeddings) does not fit
  8 x 80 GB, and the SGLang DeepSeek-V3 launch page of that month ran it on one 8 x H200 node
  (``benchmark/deepseek_v3/README.md``: "A single H200 with 8 devices can run DeepSeek V3").
  The launch command of these three figures is not printed beside them; the description's
  "Offline" section launches ``--tp 8 --trust-remote-code --enable-dp-attention``. They are
  entered as plain TP8 (attention sharded by heads), an assumption: read as tp 1 x ep 8 the
  fitted constant would be 0.33 instead of 0.49 ms per MoE layer (the three rows then within
  -11 / +7 / +11 % instead of +0.1 / -5.3 / +6.7 %).
  The offline ShareGPT row of the same description (``--enable-dp-attention``, 5000 prompts,
  2673.55 output token/s) is not entered (its length distribution is not printed). These rows
  fit one constant, the fixed GPU time of a block-FP8 MoE layer of SGLang 0.4.x
  (:mod:`planner.perfmodel.engines`), in a stage of their own; they are the only rows that
  constant acts on besides the held-out ``dstack_r1`` SGLang rows.
* ``sglang_vllm060`` (*fit*) -- SGLang, *How to reproduce the benchmark results for SGLang
  v0.3.0 compared to vLLM v0.6.0* (github sgl-project/sglang @120affb9
  ``benchmark/benchmark_vllm_060/README.md``, 2024-09): Llama 3.1 8B Instruct on 1 x A100
  80GB and Llama 3.1 70B Instruct on 4 x H100 80GB (TP4), bf16, ``sglang.bench_serving`` on
  ShareGPT: Poisson arrivals at 4 and 8 requests/s (median TPOT) and 5000 prompts at once
  (output tokens/s). SGLang 0.3.0 (CUDA graphs, ``--enable-torch-compile`` on 8B, radix
  cache off); vLLM 0.6.0 with ``--num-scheduler-steps 10`` (multi-step scheduling; chunked
  prefill off, as 0.6.0 requires with multi-step). ShareGPT lengths: the mean output, 194.3
  tokens, is the page's own (output tokens/s / requests/s of its offline table: 4281.51 /
  22.03, 3856.01 / 19.84, 4132.37 / 21.27); the mean prompt, 219 tokens, scales it by the
  prompt/output ratio of ShareGPT that the vLLM team printed for its own 500-prompt sample
  (202 input / 179 output tokens, "vLLM v0.6.0: 2.7x Throughput Improvement and 5x Latency
  Reduction", vLLM blog 2024-09-05, Dataset): 194.3 x 202 / 179 = 219; an assumption, as
  both samplers filter ShareGPT differently. Both are taken lognormal with a standard
  deviation equal to the mean (an assumption: ShareGPT lengths are long-tailed). Median TTFT rows are not used (vLLM's multi-step scheduling delays the
  first token by up to 10 steps, which the model does not represent).
* ``rocm_vllm066`` (*fit*) -- AMD, *vllm FP8 Latency and Throughput benchmarks with vLLM on the
  AMD Instinct MI300X accelerator* (github ROCm/vllm @7a292f9b0, 2025-01-29,
  ``docs/dev-docker/README.md``, "Performance Results", the first version of that page with
  tables): the ``rocm/vllm-dev:main`` image of 2025-01-24 (ROCm 6.3.1, vLLM 0.6.6, built from
  ROCm/vllm @8e87b08c2) on 8 x MI300X (192 GB, 750 W), amd/Llama-3.1-70B-Instruct-FP8-KV and
  amd/Llama-3.1-405B-Instruct-FP8-KV (every linear layer FP8), TP8. "Latency Measurements":
  ``benchmark_latency.py`` as the page's command runs it (``--quantization fp8 --kv-cache-dtype
  fp8 --dtype float16 --gpu-memory-utilization 0.9 --num-iters-warmup 3 --num-iters 5``):
  ``batch`` random prompts of ``input`` tokens submitted at once, each generating exactly
  ``output`` tokens (``ignore_eos``), metric = mean seconds of the whole batch ("Avg latency",
  ``MI300X Latency (ms)`` on the page), batch 1-128 at 128/2048 and 2048/2048. Engine: HIP
  graphs (no ``--enforce-eager``; both lengths are under the default
  ``max_seq_len_to_capture`` of 8192), one scheduler step, no chunked prefill (the ``LLM``
  class leaves it off), so ``max_num_batched_tokens = max(max_model_len, 2048)`` = 131072
  (Llama 3.1's context) prompt tokens per iteration. The page labels the 405B latency rows
  "(amd/Llama-3.1-70B-Instruct-FP8-KV)", a slip: they sit under "Llama 3.1 405B" and are 2.7x
  the 70B times. Its "Throughput Measurements" table (``benchmark_throughput.py``, 500-3200
  prompts, ``--num-scheduler-steps 10``) is not entered: the script prints both total and
  output tokens/s and the page does not say which one it tabulates. Later versions of the
  page (vLLM 0.7.3 to 0.9.1) measure later software and are not used; the 2025-01-29 one is
  the closest to the vLLM 0.6.x of the held-out dstack MI300X rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.perfmodel.calibration.published import FIT, HELD_OUT, Source

SERVING_SOURCES = {
    s.key: s
    for s in (
        Source(
            "nim_llama33",
            "NVIDIA NIM LLM Benchmarking - Performance (docs v1.0.0), Llama-3.3-70B, 2 x H100",
            2025,
            "NVIDIA NIM (TensorRT-LLM)",
            "NIM 1.8.0",
        ),
        Source(
            "dstack_405b",
            "dstack blog 2024-12-05 + dstackai/benchmarks @06c957ab throughput_comparsion.csv",
            2024,
            "vLLM",
            "0.6.3 (benchmark_throughput.py)",
        ),
        Source(
            "sglang_vllm060",
            "SGLang benchmark/benchmark_vllm_060/README.md @120affb9 (SGLang 0.3.0 vs vLLM 0.6.0)",
            2024,
            "SGLang / vLLM",
            "SGLang 0.3.0, vLLM 0.6.0 (--num-scheduler-steps 10)",
        ),
        Source(
            "rocm_vllm066",
            "ROCm/vllm docs/dev-docker/README.md @7a292f9b0 (2025-01-29), Performance Results",
            2025,
            "vLLM (ROCm)",
            "0.6.6 (rocm/vllm-dev:main 2025-01-24, benchmark_latency.py)",
        ),
        Source(
            "dstack_r1",
            "dstack blog 2025-03-18 + dstackai/benchmarks @7f37e669 online_results.csv",
            2025,
            "SGLang / vLLM",
            "SGLang 0.4.3.post2, vLLM 0.7.4.dev (bench_serving, 500 prompts)",
        ),
        Source(
            "sglang_dsv3",
            "SGLang PR #2643 (v0.4.1.post2 release note, 2024-12-29), DeepSeek-V3 TP8",
            2024,
            "SGLang",
            "0.4.1.post2 (one batch, 128 in / 256 out)",
        ),
    )
}

#: Modes: ``clients`` = ``concurrency`` closed-loop clients (a new request as soon as one
#: finishes); ``batch`` = ``requests`` prompts submitted at time 0 (offline); ``rate`` =
#: Poisson arrivals at ``rate`` requests/s.
MODES = ("clients", "batch", "rate")
#: Metrics (SI units): output or input+output tokens/s of the replica, TTFT / TPOT seconds.
#: ``latency_s``: seconds from submitting a ``batch`` to its last token (vLLM
#: ``benchmark_latency.py``).
METRICS = ("output_tokens_per_s", "total_tokens_per_s", "ttft_s", "tpot_s", "latency_s")


@dataclass(frozen=True)
class PublicServingRow:
    """One published serving measurement of one replica under a stated load."""

    id: str
    source: str
    gpu: str
    model: str
    tp: int
    precision: str
    kv_precision: str
    input_tokens: int
    output_tokens: int
    mode: str
    concurrency: int
    requests: int
    metric: str
    statistic: str  # "mean", "median", "p99" for latencies; "" for throughputs
    value: float
    split: str
    #: Measured in steady state (the tool's measurement window excludes the first round of
    #: requests, which all arrive at once); else over every request of the run.
    steady_state: bool = False
    #: The serving engine and its options (:func:`planner.perfmodel.engines.parse_engine`).
    engine: str = "trtllm"
    #: Length distributions when the lengths were not fixed (``lognormal:MEAN,STD``, the
    #: serving traffic syntax); ``input_tokens`` / ``output_tokens`` then hold the means.
    input_dist: str = ""
    output_dist: str = ""
    #: Poisson arrival rate of ``rate`` mode (requests/s).
    rate: float = 0.0
    #: Attention groups of the replica (``tp * ep`` GPUs): ``ep > 1`` is data-parallel
    #: attention with the experts spread over every rank (SGLang ``--enable-dp-attention``).
    ep: int = 1


def _metric_rows(
    prefix: str,
    source: str,
    setup: tuple,
    metrics: tuple[tuple[str, str, float], ...],
    *,
    steady_state: bool = False,
    engine: str = "trtllm",
    ep: int = 1,
) -> list[PublicServingRow]:
    """One row per ``(metric, statistic, value)`` of one measured setup.

    ``setup`` = (gpu, model, tp, precision, kv_precision, input, output, mode, concurrency,
    requests).
    """
    return [
        PublicServingRow(
            f"{prefix}/{metric}",
            source,
            *setup,
            metric,
            stat,
            value,
            HELD_OUT,
            steady_state,
            engine,
            ep=ep,
        )
        for metric, stat, value in metrics
    ]


def _nim() -> list[PublicServingRow]:
    # concurrency, TTFT ms, ITL ms, output tokens/s (5000 in / 500 out), then 500 / 2000
    table = (
        (5000, 500, 1, 406.77, 18.58, 51.67),
        (5000, 500, 5, 546.7, 21.83, 218.48),
        (5000, 500, 25, 688.69, 38.75, 623.4),
        (5000, 500, 50, 834.51, 59.73, 814.37),
        (5000, 500, 100, 7996.25, 92.91, 917.26),
        (5000, 500, 150, 34794.22, 92.86, 920.9),
        (5000, 500, 200, 61680.22, 93.06, 920.54),
        (5000, 500, 250, 88605.32, 93.2, 920.12),
        (500, 2000, 1, 47.77, 18.91, 52.85),
    )
    rows = []
    for isl, osl, n, ttft, itl, tps in table:
        # AIPerf's request count is not printed; 4 rounds of the clients (at least 20).
        # Llama 3.3 70B has Llama 3.1 70B's architecture; the KV precision is not printed on
        # the page: FP8 assumed (the FP8 TensorRT-LLM profile).
        setup = ("H100", "llama-3.1-70b", 2, "fp8", "fp8", isl, osl, "clients", n, max(20, 4 * n))
        metrics = (
            ("output_tokens_per_s", "", tps),
            ("ttft_s", "mean", ttft / 1e3),
            ("tpot_s", "mean", itl / 1e3),
        )
        rows += _metric_rows(
            f"nim_llama33/{isl}-{osl}/c{n}", "nim_llama33", setup, metrics, steady_state=True
        )
    return rows


#: (gpu, input, output, prompts, (input+output) tokens/s) of throughput_comparsion.csv, TP8:
#: H100 = the ``8xH100 1FP8-meta`` rows, MI300X = the ``8xMi300 1FP8-amd`` rows (module notes).
DSTACK_405B = (
    ("H100", 32784, 2048, 4, 590.0635218),
    ("H100", 32784, 2048, 8, 608.8225492),
    ("H100", 32784, 2048, 16, 642.8337308),
    ("H100", 2048, 2048, 4, 224.3991082),
    ("H100", 2048, 2048, 8, 416.0803779),
    ("H100", 2048, 2048, 16, 781.5082372),
    ("H100", 2048, 2048, 32, 911.1295814),
    ("H100", 2048, 2048, 64, 998.7796751),
    ("H100", 2048, 2048, 128, 1105.487042),
    ("H100", 2048, 2048, 256, 1196.345439),
    ("H100", 128, 2048, 4, 122.1203704),
    ("H100", 128, 2048, 8, 231.9335981),
    ("H100", 128, 2048, 16, 459.1652319),
    ("H100", 128, 2048, 32, 888.5026806),
    ("H100", 128, 2048, 64, 1130.839668),
    ("H100", 128, 2048, 128, 1297.443),
    ("H100", 128, 2048, 256, 1393.8654),
    ("MI300X", 32784, 2048, 4, 1077.391207),
    ("MI300X", 32784, 2048, 8, 1763.113542),
    ("MI300X", 32784, 2048, 16, 2497.33797),
    ("MI300X", 32784, 2048, 32, 3157.271284),
    ("MI300X", 32784, 2048, 64, 3094.600169),
    ("MI300X", 2048, 2048, 4, 239.6032283),
    ("MI300X", 2048, 2048, 8, 464.5394101),
    ("MI300X", 2048, 2048, 16, 832.7548117),
    ("MI300X", 2048, 2048, 32, 1360.274537),
    ("MI300X", 2048, 2048, 64, 2091.173866),
    ("MI300X", 2048, 2048, 128, 2806.199221),
    ("MI300X", 2048, 2048, 256, 3134.806905),
    ("MI300X", 128, 2048, 4, 128.3952055),
    ("MI300X", 128, 2048, 8, 253.3977842),
    ("MI300X", 128, 2048, 16, 476.4952304),
    ("MI300X", 128, 2048, 32, 853.0866271),
    ("MI300X", 128, 2048, 64, 1401.496028),
    ("MI300X", 128, 2048, 128, 2115.901414),
    ("MI300X", 128, 2048, 256, 2450.880809),
)


#: ``benchmark_throughput.py`` of vLLM 0.6 passes ``enable_chunked_prefill=False`` unless
#: ``--enable-chunked-prefill`` is given (it is not on the page's commands), so vLLM runs
#: whole prompts with ``max_num_batched_tokens = max(max_model_len, 2048)`` = 91680 tokens per
#: iteration, and profiles that many tokens' activations before sizing the KV cache
#: (vLLM 0.6 ``SchedulerConfig``, ``Worker.determine_num_available_blocks``). Had the script
#: left the flag unset (``None``, as scripts that pass ``EngineArgs`` through do since vLLM PR
#: #9529, opened 2024-10-19; which script dstack ran is not printed), vLLM 0.6.3.post1's
#: ``EngineArgs.create_engine_config`` turns chunked prefill on for ``max_model_len > 32768``
#: and ``SchedulerConfig`` then takes 512 tokens per iteration. The setup rules that out
#: (twentieth session, ``bench/session_runs/s20vllm``): 91680 is, within 0.1 %, the largest
#: ``--max-model-len`` that starts with a whole-length profile (the model's 91,734; vLLM
#: refuses a length its cache cannot hold), a cap a 512-token profile would not impose. (The
#: rows agree, a check made after that argument: with a 512-token profile the modelled H100
#: cache holds 240.9k tokens instead of 91.8k and the cache-bound H100 rows come out 52-156 %
#: fast instead of 2-15 %.)
VLLM06_BATCHED_TOKENS = 91680
#: Weight / KV precision and engine of each GPU's runs (README commands and environments).
DSTACK_405B_SETUP = {
    "H100": ("fp8-mixed", "bf16", f"vllm:0.6.3,tokens={VLLM06_BATCHED_TOKENS}"),
    "MI300X": ("fp8", "bf16", f"vllm:0.6.4,eager,tokens={VLLM06_BATCHED_TOKENS}"),
}


def _dstack_405b() -> list[PublicServingRow]:
    return [
        PublicServingRow(
            f"dstack_405b/{gpu}/{isl}-{osl}/b{n}",
            "dstack_405b",
            gpu,
            "llama-3.1-405b",
            8,
            DSTACK_405B_SETUP[gpu][0],
            DSTACK_405B_SETUP[gpu][1],
            isl,
            osl,
            "batch",
            n,
            n,
            "total_tokens_per_s",
            "",
            value,
            HELD_OUT,
            engine=DSTACK_405B_SETUP[gpu][2],
        )
        for gpu, isl, osl, n, value in DSTACK_405B
    ]


#: SGLang on 8 x H200, 3200 / 800 tokens, 500 prompts: max concurrency, output tokens/s,
#: median TPOT (ms), p99 TTFT (ms).
DSTACK_R1 = (
    (4, 82.62628352, 43.14762804, 4952.690987),
    (8, 164.144702, 43.48452974, 4018.389975),
    (16, 256.254165, 50.90542678, 17861.85665),
    (32, 405.5433975, 61.18636742, 15693.10289),
    (64, 590.7787657, 76.49795418, 34723.10733),
    (128, 802.5429047, 108.3526393, 59383.93759),
)


#: The same for vLLM 0.7.4.dev on 8 x H200 (``h200,vllm,random`` rows, TP8).
DSTACK_R1_VLLM = (
    (4, 148.581247, 25.73463239, 1030.92695),
    (8, 237.589178, 31.32708064, 1835.67439),
    (16, 294.0662875, 49.75211769, 3418.156963),
    (32, 512.8554233, 51.99512878, 9404.517406),
    (64, 758.3782529, 64.41520109, 16084.03625),
    (128, 744.7829125, 66.85374147, 88937.0968),
)


#: Data-parallel attention groups of the SGLang H200 server (``--tp 8 --enable-dp-attention``).
DSTACK_R1_ATTENTION_GROUPS = 8
#: Its engine: SGLang 0.4.3 sets ``chunked_prefill_size`` 8192 on GPUs over 25 GB and halves
#: it under ``--enable-dp-attention`` ("DP attention is enabled. The chunked prefill size is
#: adjusted to ...", ``ServerArgs.__post_init__``), so each attention group prefills up to
#: 4096 prompt tokens per iteration: a whole 3200-token prompt in one.
DSTACK_R1_SGLANG_ENGINE = "sglang:0.4.3,tokens=4096"


#: The vLLM H200 server's prompt budget: whole prompts, ``max(max_model_len, 2048)`` tokens per
#: iteration, with DeepSeek-R1's 163840-token context (``max_seq_len=163840`` in the V0 engine
#: log of DeepSeek-R1 at TP8 quoted in vLLM PR #14921; the launch
#: command ``vllm serve deepseek-ai/DeepSeek-R1 --trust-remote-code --tensor-parallel-size 8``
#: sets neither ``--max-model-len`` nor ``--enable-chunked-prefill`` nor
#: ``--max-num-batched-tokens``). The build, 0.7.4.dev181+gf35f8e22 (built by 2025-03-03),
#: predates vLLM PR #13726 (2025-03-14, "enables V1 by default"), so ``VLLM_USE_V1`` defaulted
#: to ``"0"`` and the V0 engine ran. V0 chunked prefill for MLA models, read at both ends:
#: v0.7.3 ``VllmConfig.__post_init__`` forces it off ("If MLA is enabled, force disable chunked
#: prefill and prefix caching": ``self.scheduler_config.enable_chunked_prefill = False``);
#: v0.8.0 ``EngineArgs._set_default_args_v0`` leaves it off unless asked ("Chunked prefill not
#: supported for Multimodal or MLA in V0." / ``if model_config.is_multimodal_model or
#: model_config.use_mla: self.enable_chunked_prefill = False``, ahead of the > 32K rule that
#: turns it on for other long-context models). In between, PR #12639 (288cc6c2, 2025-02-21,
#: "Need to do more benchmarking to see if this makes sense to be on by default in V0")
#: dropped the forced rule and edited ``arg_utils.py`` (+3/-4; that diff was not read), and
#: PR #13844 (2025-02-26) restored the rule on non-CUDA platforms only. With chunked prefill
#: off, ``SchedulerConfig.__post_init__`` (v0.7.3 and v0.8.0 alike): ``else: ...
#: self.max_num_batched_tokens = max(self.max_model_len, 2048)``. Measured side: the c4 wave's
#: first tokens arrive together (p99 TTFT 1.03 s), as one whole-prompt prefill of the 4 prompts.
DSTACK_R1_VLLM_BATCHED_TOKENS = 163840
DSTACK_R1_VLLM_ENGINE = f"vllm:0.7.4,tokens={DSTACK_R1_VLLM_BATCHED_TOKENS}"


#: The two H200 servers of ``dstack_r1``: (table, row id prefix, tp, engine, attention groups).
#: SGLang: DeepSeek-R1 has DeepSeek-V3's architecture; ``--tp 8 --enable-dp-attention`` is
#: tp 1 x ep 8. vLLM: ``--tensor-parallel-size 8``, attention and experts over the 8 GPUs.
DSTACK_R1_SERVERS = (
    (DSTACK_R1, "dstack_r1/H200", 1, DSTACK_R1_SGLANG_ENGINE, DSTACK_R1_ATTENTION_GROUPS),
    (DSTACK_R1_VLLM, "dstack_r1/H200/vllm", 8, DSTACK_R1_VLLM_ENGINE, 1),
)


def _dstack_r1() -> list[PublicServingRow]:
    rows = []
    for table, prefix, tp, engine, ep in DSTACK_R1_SERVERS:
        for n, tps, tpot, ttft in table:
            setup = ("H200", "deepseek-v3", tp, "fp8", "bf16", 3200, 800, "clients", n, 500)
            metrics = (
                ("output_tokens_per_s", "", tps),
                ("tpot_s", "median", tpot / 1e3),
                ("ttft_s", "p99", ttft / 1e3),
            )
            rows += _metric_rows(
                f"{prefix}/3200-800/c{n}", "dstack_r1", setup, metrics, engine=engine, ep=ep
            )
    return rows


#: SGLang v0.4.1.post2 DeepSeek-V3 at TP8 (``sglang_dsv3``): batch, output token/s of one batch
#: of 128-token prompts generating 256 tokens each.
SGLANG_DSV3 = ((1, 30.29), (8, 206.32), (32, 760.52))
#: Prompt and output tokens of those batches.
SGLANG_DSV3_LENGTHS = (128, 256)


def _sglang_dsv3() -> list[PublicServingRow]:
    isl, osl = SGLANG_DSV3_LENGTHS
    return [
        PublicServingRow(
            f"sglang_dsv3/deepseek-v3/H200x8/{isl}-{osl}/b{n}/latency_s",
            "sglang_dsv3",
            "H200",
            "deepseek-v3",
            8,
            "fp8",
            "bf16",
            isl,
            osl,
            "batch",
            n,
            n,
            "latency_s",
            "mean",
            n * osl / tps,  # output token/s = batch x output / latency (module notes)
            FIT,
            engine="sglang:0.4.1",
        )
        for n, tps in SGLANG_DSV3
    ]


#: ShareGPT lengths of ``sglang_vllm060`` (see the module notes): mean prompt (assumed) and
#: mean output (from the page's offline table).
SHAREGPT_PROMPT_MEAN = 219
SHAREGPT_OUTPUT_MEAN = 194.3

#: (model, gpu, tp, engine, requests/s or None for 5000 prompts at once, metric, value):
#: median TPOT in ms, output tokens/s.
SGLANG_VLLM060 = (
    ("llama-3.1-8b", "A100", 1, "sglang", 4, "tpot_s", 13.17),
    ("llama-3.1-8b", "A100", 1, "vllm", 4, "tpot_s", 14.14),
    ("llama-3.1-8b", "A100", 1, "sglang", 8, "tpot_s", 17.85),
    ("llama-3.1-8b", "A100", 1, "vllm", 8, "tpot_s", 17.09),
    ("llama-3.1-70b", "H100", 4, "sglang", 4, "tpot_s", 25.03),
    ("llama-3.1-70b", "H100", 4, "vllm", 4, "tpot_s", 23.58),
    ("llama-3.1-70b", "H100", 4, "sglang", 8, "tpot_s", 33.07),
    ("llama-3.1-70b", "H100", 4, "vllm", 8, "tpot_s", 29.15),
    ("llama-3.1-8b", "A100", 1, "sglang", None, "output_tokens_per_s", 4281.51),
    ("llama-3.1-8b", "A100", 1, "vllm", None, "output_tokens_per_s", 4132.37),
    ("llama-3.1-70b", "H100", 4, "sglang", None, "output_tokens_per_s", 3856.01),
    ("llama-3.1-70b", "H100", 4, "vllm", None, "output_tokens_per_s", 3700.64),
)
#: Engine options of the two servers (launch commands of the page): vLLM ``--num-scheduler-steps
#: 10 --max_model_len 4096``, without chunked prefill (0.6.0 cannot combine it with multi-step),
#: so ``max_num_batched_tokens = max(4096, 2048)`` tokens per iteration.
SGLANG_VLLM060_ENGINES = {"sglang": "sglang:0.3.0", "vllm": "vllm:0.6.0,steps=10,tokens=4096"}


def _sglang_vllm060() -> list[PublicServingRow]:
    rows = []
    p, o = SHAREGPT_PROMPT_MEAN, SHAREGPT_OUTPUT_MEAN
    for model, gpu, tp, engine, rps, metric, value in SGLANG_VLLM060:
        mode, load = ("rate", f"rps{rps}") if rps else ("batch", "offline")
        n = 300 * rps if rps else 5000
        rows.append(
            PublicServingRow(
                f"sglang_vllm060/{model}/{gpu}x{tp}/{engine}/{load}/{metric}",
                "sglang_vllm060",
                gpu,
                model,
                tp,
                "bf16",
                "bf16",
                p,
                round(o),
                mode,
                n if mode == "batch" else 0,
                n,
                metric,
                "median" if metric == "tpot_s" else "",
                value / 1e3 if metric == "tpot_s" else value,
                FIT,
                engine=SGLANG_VLLM060_ENGINES[engine],
                input_dist=f"lognormal:{p},{p}",
                output_dist=f"lognormal:{o},{o}",
                rate=float(rps or 0.0),
            )
        )
    return rows


#: Mean seconds of one batch (``MI300X Latency (ms)`` / 1000) of ``rocm_vllm066``:
#: (model, input, output, {batch: seconds}).
ROCM_VLLM066 = (
    (
        "llama-3.1-70b",
        128,
        2048,
        {
            1: 19.08859,
            2: 19.61046,
            4: 19.91130,
            8: 21.85880,
            16: 23.53759,
            32: 25.34294,
            64: 32.54819,
            128: 45.21637,
        },
    ),
    (
        "llama-3.1-70b",
        2048,
        2048,
        {
            1: 19.15443,
            2: 19.67060,
            4: 19.97632,
            8: 22.48563,
            16: 25.24627,
            32: 28.96708,
            64: 39.92041,
            128: 59.51425,
        },
    ),
    (
        "llama-3.1-405b",
        128,
        2048,
        {
            1: 51.73970,
            2: 52.76915,
            4: 54.55707,
            8: 56.90186,
            16: 60.43212,
            32: 67.35301,
            64: 81.08533,
            128: 116.13851,
        },
    ),
    (
        "llama-3.1-405b",
        2048,
        2048,
        {
            1: 52.21776,
            2: 53.22747,
            4: 55.51244,
            8: 59.93141,
            16: 66.89014,
            32: 80.68764,
            64: 108.50312,
            128: 168.84550,
        },
    ),
)
#: ``benchmark_latency.py``'s engine in that image: vLLM 0.6.6 with HIP graphs, one scheduler
#: step, no chunked prefill, ``max_num_batched_tokens`` = Llama 3.1's 131072-token context.
ROCM_VLLM066_ENGINE = "vllm:0.6.6,tokens=131072"


def _rocm_vllm066() -> list[PublicServingRow]:
    return [
        PublicServingRow(
            f"rocm_vllm066/{model}/MI300X/{isl}-{osl}/b{n}/latency_s",
            "rocm_vllm066",
            "MI300X",
            model,
            8,
            "fp8",
            "fp8",
            isl,
            osl,
            "batch",
            n,
            n,
            "latency_s",
            "mean",
            seconds,
            FIT,
            engine=ROCM_VLLM066_ENGINE,
        )
        for model, isl, osl, table in ROCM_VLLM066
        for n, seconds in table.items()
    ]


#: Every public serving row of this module.
PUBLIC_SERVING_ROWS: tuple[PublicServingRow, ...] = (
    *_nim(),
    *_dstack_405b(),
    *_dstack_r1(),
    *_sglang_vllm060(),
    *_rocm_vllm066(),
    *_sglang_dsv3(),
)
