"""Public serving throughputs on the inference GPUs (issue 19), marked *held-out*.

Rows entered by helper s18infer (eighteenth session) before any prediction of them was run
(git history: this module's first commit carries no errors). They are trtllm-bench offline
saturation throughputs -- the row type of the TensorRT-LLM overview rows the serving fit sees
(:class:`~planner.perfmodel.calibration.published.ServingRow`: output tokens/s of one replica,
fixed input/output lengths, every request queued at once) -- on GPUs no fit row touches:

* ``trtllm_l40s`` -- NVIDIA TensorRT-LLM, ``docs/source/performance/perf-overview.md``, the
  version whose table says "All data in the table below was generated using version 0.17"
  (release v0.17, early 2025; the file as the search index stores it, index id 859048245),
  column ``L40S`` (FP8): Llama 3.1 8B at TP1, Llama 3.1 70B and Mixtral 8x7B at TP4 and TP8,
  nine input/output pairs each (45 rows). How they ran (the same page): ``prepare_dataset.py
  ... token-norm-dist --input-stdev=0 --output-stdev=0`` (fixed lengths; 30000 requests at
  128/128 down to 1000 at 20000/2000), engines built by ``trtllm-bench --model $model_name
  build --tp_size $tp_size --pp_size $pp_size --quantization FP8 --dataset $dataset_file``
  ("If you specify FP8 quantization, the KV cache will automatically be set to FP8 as well"),
  run by ``trtllm-bench ... throughput --dataset $dataset_file --engine_dir $engine_dir``
  ("In majority of cases, we also use a higher KV cache percentage by setting
  ``--kv_cache_free_gpu_mem_fraction 0.95``"). The build picks ``max_batch_size`` and
  ``max_num_tokens`` from the dataset's statistics ("tuning heuristics"); their values are
  not printed, so the model's trtllm engine keeps its default token budget (8192, as for the
  fit rows). The L40S has no NVLink: TP4 / TP8 all-reduces cross PCIe. The metric is the
  table's "Throughput (tokens / sec)", output tokens/s (its H100 Llama 3.1 8B 128/128 value,
  28836.77, is the same quantity as the overview's later 28312 output tokens/s). The same
  table's Mistral 7B column is not entered (no Mistral architecture in ``models/llm``); the
  older versions of the page (v0.10-v0.15) also carry L40S columns and are not entered: the
  newest software is the one closest to what a planner prices today.
* ``trtllm_rtxpro`` -- the same page at github NVIDIA/TensorRT-LLM @00f37686 (TensorRT-LLM
  1.0, PyTorch backend; the commit of the fit source ``trtllm_overview``), its "RTX 6000 Pro
  Blackwell Server Edition" tables (FP4 weights, the ``nvidia/*-FP4`` ModelOpt checkpoints):
  Llama 3.3 70B on 1 / 2 / 4 / 8 GPUs as ``TP1,PP1`` / ``TP1,PP2`` / ``TP1,PP4`` / ``TP1,PP8``
  (ten pairs each, 40 rows), Llama 3.1 405B on 8 GPUs ``TP1,PP8`` (six pairs) and
  Qwen3-30B-A3B on 1 GPU ``TP1,PP1`` (ten pairs). Run as the page says: ``trtllm-bench --tp
  $tp_size --pp $pp_size --model $model_name throughput --dataset $dataset_file --backend
  pytorch --extra_llm_api_options $llm_options`` with CUDA graphs padded to batch sizes 1 to
  8192, fixed lengths as above. KV cache: FP8, an assumption: the checkpoints'
  ``hf_quant_config.json`` was not read here; NVIDIA's later ``nvidia/Llama-3.3-70B-Instruct-
  NVFP4`` carries ``"kv_cache_quant_algo": "FP8"`` (a public deployment script checks exactly
  that at revision ec8feebb; search-index file id 63143559752), and trtllm-bench's default KV
  dtype follows the checkpoint. The choice matters: with a BF16 cache the one-GPU rows come
  out about 30 % lower (``bench/session_runs/s18infer/rtx_kv_whatif.md``, run after the rows
  were entered; the rows were not changed). The multi-GPU Qwen3-30B-A3B, Qwen3-235B-A22B, Llama 4 Scout and Llama 4
  Maverick RTX tables are not entered: the MoE command adds ``--ep $ep_size``, which the page
  does not print per table, so the expert layout is unknown. The B200 / GB200 FP4 columns of
  the same page are not entered either (not inference GPUs of issue 19).

No row of this module is fitted on: the fit (:mod:`planner.perfmodel.calibration.fit`) reads
``published.ROWS`` and the public rows marked fit, and these rows are in neither, so the
calibration report does not change with them; ``bench/serve_public.py`` predicts them (at
saturation, as the fit rows) and reports their errors by GPU.

Not found with a reproducible setup in this session (searched: NIM benchmark pages, vLLM /
SGLang issues, TensorRT-LLM overview history, vendor blogs): L4, A10G and H20 serving rows.
The H20 report found (LMSYS blog 2025-09-26, "Best Practices for Serving DeepSeek-R1 on
H20-96G") measures a prefill/decode-disaggregated two-node deployment with expert parallelism
16, single-batch overlap and FP8 FlashMLA, per-node figures only; not a replica the model's
rows express.
"""

from __future__ import annotations

from planner.perfmodel.calibration.published import (
    HELD_OUT,
    ISL_OSL,
    TRTLLM_OVERVIEW_KV,
    ServingRow,
    Source,
)

SOURCES = {
    s.key: s
    for s in (
        Source(
            "trtllm_l40s",
            "TensorRT-LLM perf overview v0.17 (docs/source/performance/perf-overview.md), "
            "L40S FP8 column",
            2025,
            "TensorRT-LLM",
            "0.17 (trtllm-bench build + throughput, C++ engines)",
        ),
        Source(
            "trtllm_rtxpro",
            "TensorRT-LLM perf overview (NVIDIA/TensorRT-LLM @00f37686), "
            "RTX 6000 Pro Blackwell Server Edition FP4 tables",
            2025,
            "TensorRT-LLM",
            "1.0 (trtllm-bench throughput, PyTorch backend)",
        ),
    )
}

#: The nine input/output pairs of the v0.17 table (``ISL_OSL`` without 1000/2000, which that
#: version did not run), in the table's order.
ISL_OSL_017 = (
    (128, 128),
    (128, 2048),
    (128, 4096),
    (500, 2000),
    (1000, 1000),
    (2048, 128),
    (2048, 2048),
    (5000, 500),
    (20000, 2000),
)

#: v0.17 L40S column, output tokens/s per pair of :data:`ISL_OSL_017`: (model, tp) -> values.
L40S_017 = {
    ("llama-3.1-8b", 1): (
        9104.61,
        5365.81,
        3025.92,
        4273.75,
        4054.71,
        1066.52,
        2225.27,
        981.2,
        327.97,
    ),
    ("llama-3.1-70b", 4): (
        1523.52,
        1942.66,
        1440.23,
        1634.72,
        1209.25,
        177.72,
        969.68,
        249.52,
        162.25,
    ),
    ("llama-3.1-70b", 8): (
        1464.03,
        2303.31,
        2018.22,
        1971.96,
        1333.62,
        176.16,
        1200.16,
        259.71,
        209.87,
    ),
    ("mixtral-8x7b", 4): (
        6921.87,
        7996.93,
        5736.09,
        6914.68,
        5251.49,
        827.62,
        3935.32,
        1092.88,
        682.48,
    ),
    ("mixtral-8x7b", 8): (
        6740.84,
        10393.3,
        8472.35,
        8660.71,
        5947.72,
        811.96,
        5136.98,
        1153.76,
        918.95,
    ),
}

#: @00f37686 RTX 6000 Pro tables, output tokens/s: (model, tp, pp) -> {pair: value}. Llama
#: 3.3 70B has Llama 3.1 70B's architecture (as in ``published.TRTLLM_OVERVIEW``).
RTXPRO = {
    ("llama-3.1-70b", 1, 1): (3264, 2422, 1349, 1856, 1787, 1594, 393, 1074, 401, 142),
    ("llama-3.1-70b", 1, 2): (6172, 4993, 2893, 4114, 3707, 2993, 813, 2336, 812, 319),
    ("llama-3.1-70b", 1, 4): (9641, 7922, 4978, 6939, 5961, 5274, 1511, 3870, 1511, 630),
    ("llama-3.1-70b", 1, 8): (11881, 9833, 7352, 9435, 8166, 6943, 2495, 6078, 2491, 1148),
    ("qwen3-30b-a3b", 1, 1): (28011, 12540, 7491, 10695, 9910, 8378, 3257, 5908, 2530, 871),
}
#: Llama 3.1 405B on 8 RTX PRO 6000 as TP1 x PP8: only these six pairs are printed.
RTXPRO_405B = {
    (128, 128): 4452,
    (128, 2048): 2981,
    (1000, 1000): 2369,
    (1000, 2000): 1931,
    (2048, 128): 579,
    (2048, 2048): 1442,
}
#: Weight / KV precision of the RTX rows (module notes: the KV precision is an assumption).
RTXPRO_PRECISION = ("fp4", "fp8")
#: The engine release of the RTX rows, as the source names it (TensorRT-LLM 1.0, PyTorch
#: backend): its pipeline loop is the blocking one of
#: :func:`~planner.perfmodel.engines.pipeline_host_s` (recorded by s19pcie; the L40S rows'
#: v0.17 C++ engines run no pipeline), with the page's KV
#: fraction (:data:`~planner.perfmodel.calibration.published.TRTLLM_OVERVIEW_ENGINE`).
RTXPRO_ENGINE = f"trtllm:1.0,{TRTLLM_OVERVIEW_KV}"
#: The engine release of the L40S rows: the page's v0.17 revision (C++ engines built by
#: ``trtllm-bench build``), so TensorRT-LLM's fixed runtime reserve, not the PyTorch flow's
#: (:mod:`planner.perfmodel.trtllm_memory`; s29review); its pipeline loop does not matter at
#: ``pp = 1``. With the page's KV fraction.
L40S_ENGINE = f"trtllm:0.17.0,{TRTLLM_OVERVIEW_KV}"


def _l40s_rows() -> list[ServingRow]:
    return [
        ServingRow(
            f"trtllm_l40s/{model}/L40S/tp{tp}/{isl}-{osl}",
            "trtllm_l40s",
            "L40S",
            model,
            tp,
            "fp8",
            isl,
            osl,
            value,
            HELD_OUT,
            engine=L40S_ENGINE,
            bench_flow="build",
        )
        for (model, tp), values in L40S_017.items()
        for (isl, osl), value in zip(ISL_OSL_017, values, strict=True)
    ]


def _rtxpro_row(model: str, tp: int, pp: int, isl: int, osl: int, value: float) -> ServingRow:
    weights, kv = RTXPRO_PRECISION
    return ServingRow(
        f"trtllm_rtxpro/{model}/RTX-PRO-6000/tp{tp}pp{pp}/{isl}-{osl}",
        "trtllm_rtxpro",
        "RTX-PRO-6000",
        model,
        tp,
        weights,
        isl,
        osl,
        value,
        HELD_OUT,
        pp=pp,
        kv_precision=kv,
        engine=RTXPRO_ENGINE,
    )


def _rtxpro_rows() -> list[ServingRow]:
    rows = [
        _rtxpro_row(model, tp, pp, isl, osl, value)
        for (model, tp, pp), values in RTXPRO.items()
        for (isl, osl), value in zip(ISL_OSL, values, strict=True)
    ]
    rows += [
        _rtxpro_row("llama-3.1-405b", 1, 8, isl, osl, value)
        for (isl, osl), value in RTXPRO_405B.items()
    ]
    return rows


#: Every row of this module (101: 45 L40S, 56 RTX PRO 6000).
INFERENCE_GPU_ROWS: tuple[ServingRow, ...] = (*_l40s_rows(), *_rtxpro_rows())
