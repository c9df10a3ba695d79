"""The serving engine term: parsing, host overhead per engine, eager launches, overlap."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.perfmodel import constants
from planner.perfmodel.engines import (
    EAGER_ALL_REDUCE_KERNELS,
    EAGER_FP8_QUANT_KERNELS,
    EAGER_KERNELS_PER_LAYER,
    EAGER_LAUNCH_S,
    KERNEL_FLOOR_S,
    SMALL_KERNELS_PER_LAYER,
    VLLM_GRAPH_MAX_SEQ_LEN,
    Engine,
    eager_quant_kernels,
    host_overhead_s,
    launch_overhead_s,
    parse_engine,
    replays_graph,
    version_tuple,
)
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.memory import RUNTIME_RESERVED_GIB
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.perfmodel.trtllm_memory import TRTLLM_PYTORCH_RESERVE_GIB

HOSTS = {
    "iteration_overhead_s": 0.002,
    "host_overhead_vllm_s": 0.02,
    "host_overhead_sglang_s": 0.01,
    "host_per_sequence_vllm_s": 0.0,
    "host_per_sequence_sglang_s": 0.0,
}


def step(spec: str, b: float = 4.0, model: str = "llama-3.1-8b") -> float:
    e = EngineModel(
        load_model(model), ReplicaConfig(get_gpu("H100"), 1), "bf16", engine=parse_engine(spec)
    )
    return float(e.base_time(np.array([b]), b, 512.0)[0])


def eager_floor(model: str, gpu: str, tp: int, precision: str) -> float:
    """Seconds of an eager vLLM iteration whose GPU work and host time are negligible: the
    CPU's kernel launches."""
    with constants.override({**HOSTS, "host_overhead_vllm_s": 0.0}):
        e = EngineModel(
            load_model(model),
            ReplicaConfig(get_gpu(gpu), tp),
            precision,
            engine=parse_engine("vllm,eager"),
        )
        return float(e.round_time((np.array([1e-4]), np.array([1e-4])), np.array([1.0]))[0])


def test_parse_engine_forms_and_aliases():
    assert parse_engine(None) == parse_engine("") == Engine()
    assert parse_engine("nim").name == "trtllm"
    e = parse_engine("vllm:0.6.3,eager,steps=15")
    assert (e.name, e.version, e.cuda_graphs, e.scheduler_steps) == ("vllm", "0.6.3", False, 15)
    assert parse_engine(e.to_dict()) == e
    assert e.label() == "vllm 0.6.3 (eager, 15 steps)"
    assert version_tuple("0.6.3.post2.dev308") == (0, 6, 3)
    assert version_tuple("0.4.3post2") == (0, 4, 3)


@pytest.mark.parametrize("spec", ["nim:1.0", "NIM:1.3.0,eager", {"name": "nim", "version": "1.0"}])
def test_nim_with_a_version_is_refused(spec):
    """A NIM release number is the container's, not TensorRT-LLM's: ``nim:1.0`` was read as
    TensorRT-LLM 1.0 (s14bad); a bare ``nim`` is still the TensorRT-LLM alias."""
    with pytest.raises(InputError, match="NIM container release, not a TensorRT-LLM version"):
        parse_engine(spec)
    assert parse_engine("nim,eager").name == "trtllm"
    assert parse_engine({"name": "nim"}).name == "trtllm"


@pytest.mark.parametrize(
    "bad",
    [
        "tgi",
        "vllm,fast",
        "vllm,steps=0",
        "vllm,tokens=-5",
        "sglang:abc",
        "trtllm,steps=4",  # multi-step scheduling is vLLM's only
        {"name": "sglang", "scheduler_steps": 8},
        "vllm,steps=4,steps=8",  # a repeated option would silently take the last value
        "vllm,tokens=4096,tokens=8192",
        "vllm,eager,graphs",
        {"name": "vllm", "speed": 2},
        {"cuda_graphs": "no"},
        {"name": "vllm", "batched_tokens": 1.5},
        "vllm:",  # an empty version was read as no version (s28bad)
        "sglang: ,eager",
        3,
    ],
)
def test_bad_engines_are_input_errors(bad):
    with pytest.raises(InputError, match="engine"):
        parse_engine(bad)


def test_release_tags_read_as_versions():
    """``v0.4.1`` is SGLang 0.4.1 (with its overlapped scheduler), not an unknown version."""
    tagged = parse_engine("sglang:v0.4.1")
    assert tagged == parse_engine("sglang:0.4.1")
    assert tagged.overlaps_host


def test_host_overhead_per_engine_and_multi_step():
    with constants.override(HOSTS):
        assert host_overhead_s(parse_engine("trtllm")) == pytest.approx(0.002)
        assert host_overhead_s(parse_engine("vllm")) == pytest.approx(0.02)
        # multi-step scheduling is recorded, not modelled (engines module notes)
        assert host_overhead_s(parse_engine("vllm,steps=10")) == pytest.approx(0.02)
        # the step time differs by exactly the host overheads (no overlap before SGLang 0.4)
        base = step("trtllm")
        assert step("vllm:0.6.0") - base == pytest.approx(0.018, rel=1e-6)
        assert step("sglang:0.3.0") - base == pytest.approx(0.008, rel=1e-6)


def test_sglang_overlap_scheduler_hides_host_work_behind_the_gpu():
    with constants.override({**HOSTS, "host_overhead_sglang_s": 0.003}):
        serial = step("sglang:0.3.0")
        overlapped = step("sglang:0.4.3")
        assert parse_engine("sglang:0.4.3").overlaps_host
        assert parse_engine("sglang").overlaps_host  # no version: the current release
        assert not parse_engine("sglang:0.3.0").overlaps_host
        assert overlapped == pytest.approx(serial - 0.003, rel=1e-6)  # GPU time > host time
    with constants.override({**HOSTS, "host_overhead_sglang_s": 1.0}):
        assert step("sglang:0.4.3") == pytest.approx(1.0)  # the host is the bottleneck


def test_eager_mode_waits_for_kernel_launches():
    layers = load_model("llama-3.1-405b").layers  # 126
    launches = layers * EAGER_KERNELS_PER_LAYER * EAGER_LAUNCH_S
    eager = parse_engine("vllm,eager")
    assert launch_overhead_s(eager, layers, tp=8) == pytest.approx(launches)
    # without tensor parallelism no all-reduce (copy + kernel, twice) is launched
    single = layers * (EAGER_KERNELS_PER_LAYER - EAGER_ALL_REDUCE_KERNELS) * EAGER_LAUNCH_S
    assert launch_overhead_s(eager, layers, tp=1) == pytest.approx(single)
    assert launch_overhead_s(parse_engine("vllm"), layers, tp=8) == 0.0
    with constants.override(HOSTS):
        # the iteration lasts the longer of the GPU work and the CPU's launches (tp 1)
        per_layer = EAGER_KERNELS_PER_LAYER - EAGER_ALL_REDUCE_KERNELS
        small = load_model("llama-3.1-8b").layers * per_layer * EAGER_LAUNCH_S
        graphs, eager = step("vllm", 1.0), step("vllm,eager", 1.0)
        assert eager >= graphs
        assert eager == pytest.approx(max(graphs, small + 0.02), rel=1e-6)
    assert eager_floor("llama-3.1-8b", "H100", 1, "bf16") == pytest.approx(small)


def test_small_kernel_floor_slows_small_batches_only():
    """At batch 1 the element-wise kernels run at their floor (the floor adds its full amount
    per layer); at a large prefill chunk their roofline exceeds the floor (it adds nothing)."""
    e = EngineModel(load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1), "bf16")
    no_floor = copy.copy(e)
    no_floor.small_kernels = 0.0
    one = np.array([1.0])
    added = float(e.base_time(one, 1.0, 512.0)[0] - no_floor.base_time(one, 1.0, 512.0)[0])
    assert added == pytest.approx(
        e.model.layers * SMALL_KERNELS_PER_LAYER * KERNEL_FLOOR_S, rel=0.01
    )
    big = np.array([8192.0])
    assert float(e.base_time(big, 0.0, 0.0)[0]) == float(no_floor.base_time(big, 0.0, 0.0)[0])


def test_host_time_per_running_sequence():
    with constants.override({**HOSTS, "host_per_sequence_vllm_s": 1e-4}):
        assert host_overhead_s(parse_engine("vllm"), 64) == pytest.approx(0.02 + 64e-4)
        assert host_overhead_s(parse_engine("vllm,steps=10"), 64) == pytest.approx(0.02 + 64e-4)
        # TensorRT-LLM's C++ runtime has no per-sequence term
        assert host_overhead_s(parse_engine("trtllm"), 64) == pytest.approx(0.002)
        assert step("vllm", 64.0) - step("vllm", 1.0) == pytest.approx(
            63e-4 + step("trtllm", 64.0) - step("trtllm", 1.0), rel=1e-6
        )


def test_tokens_option_sets_the_workspace_the_engine_profiles():
    e = parse_engine("vllm:0.6.3,tokens=91680")
    assert e.batched_tokens == 91680 and parse_engine(e.to_dict()) == e
    assert "91680 tokens/iteration" in e.label()
    model, config = load_model("llama-3.1-70b"), ReplicaConfig(get_gpu("H100"), 4)
    small = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.6.3,tokens=8192"))
    large = EngineModel(model, config, "fp8", engine=e)
    ratio = (large.workspace_bytes - small.workspace_bytes) / (91680 - 8192)
    # per token: residual + normed copy + the larger of the attention / MLP intermediates, bf16
    h, mlp = model.hidden, 3 * model.ffn / 4
    assert ratio == pytest.approx((2 * h + mlp) * 2.0)
    assert large.kv_tokens < small.kv_tokens


def test_engine_memory_rules():
    """vLLM uses 90 % of the GPU (at least the model's 4 GiB reserve stays unused); TensorRT-LLM
    gives its KV cache 90 % of what is free after weights, reserve and workspace (the PyTorch
    flow's reserve by TP from 1.0, the fixed 4 GiB before). All of them count from the total
    the CUDA runtime reports (79.22 GiB on an H100 80GB), not 80 GiB."""
    model, config = load_model("llama-3.1-70b"), ReplicaConfig(get_gpu("H100"), 2)
    trt = EngineModel(model, config, "fp8", engine=parse_engine("trtllm"))
    trt_017 = EngineModel(model, config, "fp8", engine=parse_engine("trtllm:0.17.0"))
    vllm = EngineModel(model, config, "fp8", engine=parse_engine("vllm"))
    sglang = EngineModel(model, config, "fp8", engine=parse_engine("sglang"))
    memory = config.gpu.runtime_bytes
    assert memory == pytest.approx(79.22 * 2**30)
    rest = memory - trt.weight_bytes - trt.workspace_bytes
    assert sglang.free_bytes == pytest.approx(rest - 4 * 2**30)
    assert trt.free_bytes == pytest.approx(0.9 * (rest - TRTLLM_PYTORCH_RESERVE_GIB[2] * 2**30))
    assert trt_017.free_bytes == pytest.approx(0.9 * (rest - 4 * 2**30))
    assert vllm.free_bytes == pytest.approx(rest - 0.1 * memory)
    for e in (trt, vllm, sglang):
        parts = e.memory_breakdown()
        assert parts["weights"] + parts["reserved"] + parts["workspace"] + parts[
            "kv_cache"
        ] == pytest.approx(parts["total"])


def test_meta_mixed_fp8_keeps_attention_and_ends_in_bf16():
    """fp8-mixed: the inner layers' feed-forward weights take 1 byte, everything else 2."""
    model, config = load_model("llama-3.1-405b"), ReplicaConfig(get_gpu("H100"), 8)
    mixed = EngineModel(model, config, "fp8-mixed")
    fp8 = EngineModel(model, config, "fp8")
    bf16 = EngineModel(model, config, "bf16")
    assert mixed.kv_precision.name == "bf16"
    ffn_per_layer = 3 * model.hidden * model.ffn / 8
    expected = bf16.weight_bytes - (model.layers - 2) * ffn_per_layer
    assert mixed.weight_bytes == pytest.approx(expected)
    assert fp8.weight_bytes < mixed.weight_bytes < bf16.weight_bytes
    # decode streams the heavier weights: slower than fp8, faster than bf16
    one = np.array([1.0])
    times = [float(e.base_time(one, 1.0, 512.0)[0]) for e in (fp8, mixed, bf16)]
    assert times[0] < times[1] < times[2]


def test_eager_fp8_weights_launch_one_quantization_per_linear_layer():
    """vLLM on CUDA quantizes each FP8 linear layer's input in its own kernel: 4 more launches
    per Llama layer for W8A8, 2 on the inner layers of Meta's mixed FP8, none for bf16 / int4;
    an eager 405B FP8 iteration on 8 H100 waits for 126 x 19 launches."""
    assert eager_quant_kernels("fp8") == EAGER_FP8_QUANT_KERNELS == 4
    assert eager_quant_kernels("bf16") == eager_quant_kernels("int4") == 0.0
    assert eager_quant_kernels("fp8", ffn_only=True, layers=126) == pytest.approx(2 * 124 / 126)
    eager = parse_engine("vllm,eager")
    assert launch_overhead_s(eager, 126, 4, tp=8) == pytest.approx(126 * 19 * EAGER_LAUNCH_S)
    assert launch_overhead_s(parse_engine("vllm"), 126, 4, tp=8) == 0.0
    for precision, launches in (("fp8", 19), ("bf16", 15)):
        floor = eager_floor("llama-3.1-405b", "H100", 8, precision)
        assert floor == pytest.approx(126 * launches * EAGER_LAUNCH_S)


def test_eager_fp8_on_amd_launches_no_quantization_kernels():
    """The ROCm fork (the MI300X builds, c9fc1608 and 8e87b08c2) fuses the FP8 input
    quantization into the RMSNorm, SiLU-and-multiply and paged-attention kernels that produce
    the inputs, so an eager FP8 iteration on MI300X launches as many kernels as a bf16 one:
    126 x 15."""
    assert eager_quant_kernels("fp8", architecture="CDNA3") == 0.0
    assert eager_quant_kernels("fp8", architecture="Hopper") == EAGER_FP8_QUANT_KERNELS
    fp8 = eager_floor("llama-3.1-405b", "MI300X", 8, "fp8")
    assert fp8 == pytest.approx(eager_floor("llama-3.1-405b", "MI300X", 8, "bf16"))
    assert fp8 == pytest.approx(126 * EAGER_KERNELS_PER_LAYER * EAGER_LAUNCH_S)
    assert EAGER_KERNELS_PER_LAYER == 15


def test_eager_mixed_fp8_launches_its_feed_forward_quantization():
    """Meta's mixed FP8 (precision name ``fp8-mixed``, GEMM format fp8) launches the two
    feed-forward quantization kernels of each inner layer in eager mode (the count used to be
    looked up by the precision's name, which gave 0)."""
    t = eager_floor("llama-3.1-405b", "H100", 8, "fp8-mixed")
    assert t == pytest.approx(126 * (EAGER_KERNELS_PER_LAYER + 2 * 124 / 126) * EAGER_LAUNCH_S)


@pytest.mark.parametrize(
    ("gpu", "precision", "spec", "quant"),
    [
        ("H100", "fp8-mixed", "vllm", 2 * 124 / 126),  # the inner layers' two FFN inputs
        ("H100", "fp8", "vllm", 4.0),  # QKV, output, gate/up and down inputs
        ("H100", "bf16", "vllm", 0.0),
        ("H100", "fp8", "trtllm", 0.0),  # fused into the producing kernels (assumed)
        ("MI300X", "fp8", "vllm", 0.0),  # the CDNA3 fit rows reject the term
        ("MI355X", "fp8", "vllm", 0.0),  # nor on CDNA4: the sources measured NVIDIA GPUs
    ],
)
def test_vllm_fp8_input_quantization_runs_at_the_kernel_floor(gpu, precision, spec, quant):
    """With CUDA graphs too, vLLM quantizes each FP8 linear layer's input in a kernel of its
    own: at batch 1 every layer pays one more small-kernel floor per quantized linear layer,
    at a large prefill chunk nothing."""
    e = EngineModel(
        load_model("llama-3.1-405b"),
        ReplicaConfig(get_gpu(gpu), 8),
        precision,
        "bf16",
        engine=parse_engine(spec),
    )
    base = copy.copy(e)
    base.small_kernels = SMALL_KERNELS_PER_LAYER * KERNEL_FLOOR_S
    one = np.array([1.0])
    added = float(e.base_time(one, 1.0, 512.0)[0] - base.base_time(one, 1.0, 512.0)[0])
    assert added == pytest.approx(126 * quant * KERNEL_FLOOR_S, rel=1e-6, abs=1e-12)
    big = np.array([16384.0])
    assert float(e.base_time(big, 0.0, 0.0)[0]) == float(base.base_time(big, 0.0, 0.0)[0])


def test_cdna3_terms_act_on_cdna3_gpus_only_and_have_their_own_fit_stage():
    """MI300X GEMMs and weight streams use the CDNA3 constants; an H100's do not move when
    they change; a serving row on MI300X is fitted in the ``cdna3`` stage."""
    from planner.perfmodel import constants
    from planner.perfmodel.calibration.fit import kind_of
    from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
    from planner.perfmodel.hardware import get_gpu
    from planner.perfmodel.kernels import gemm_efficiency, stream_efficiency

    mi, h100 = get_gpu("MI300X"), get_gpu("H100")
    with constants.override({"gemm_efficiency_cdna3": 0.4, "weight_stream_efficiency_cdna3": 0.6}):
        assert gemm_efficiency(mi, "bf16") == 0.4
        assert stream_efficiency(mi) == 0.6
        h = (gemm_efficiency(h100, "bf16"), stream_efficiency(h100))
    assert h == (constants.FITTED["gemm_efficiency_hopper"],
                 constants.FITTED["weight_stream_efficiency"])  # fmt: skip
    stages = {r.source: kind_of(r) for r in PUBLIC_SERVING_ROWS if r.split == "fit"}
    assert stages == {
        "sglang_vllm060": "serving",
        "rocm_vllm066": "cdna3",
        "sglang_dsv3": "sglang_moe",
    }


def test_vllm_cache_holds_the_max_model_len_it_started_with():
    """vLLM 0.6 refuses to start when ``--max-model-len`` exceeds the tokens its KV cache holds
    (``raise_if_cache_size_invalid``); dstack's 8 x H100 run of Meta's FP8 405B started with
    ``--max-model-len 91680`` and no chunked prefill (91680 tokens profiled), so its cache held
    at least 91680 tokens. Sized from the datasheet's 80 GiB the model had 103.5k."""
    model, config = load_model("llama-3.1-405b"), ReplicaConfig(get_gpu("H100"), 8)
    e = EngineModel(
        model, config, "fp8-mixed", "bf16", engine=parse_engine("vllm:0.6.3,tokens=91680")
    )
    assert 91680 <= e.kv_tokens < 95000
    on_datasheet = 0.9 * config.gpu.memory_bytes - e.weight_bytes - e.workspace_bytes
    assert on_datasheet / e.kv_bytes_per_token > 103000


def test_sglang04_block_fp8_moe_term_acts_on_its_releases_moe_layers_only():
    """The fixed time per MoE layer of SGLang 0.4.0-0.4.3's Triton block-FP8 path adds
    ``moe_layers`` times the constant to a DeepSeek-V3 FP8 step on those releases and
    nothing on later SGLang, on vLLM, on BF16 weights or on a dense model."""
    from planner.perfmodel.engines import moe_layer_latency_s

    value = 3e-4
    model = load_model("deepseek-v3")
    cfg = ReplicaConfig(get_gpu("H200"), 8)

    def dsv3(spec: str, precision: str = "fp8") -> float:
        e = EngineModel(model, cfg, precision, "bf16", engine=parse_engine(spec))
        return float(e.base_time(np.array([4.0]), 4.0, 1000.0)[0])

    with constants.override({"moe_fp8_layer_latency_sglang04_s": 0.0}):
        off = dsv3("sglang:0.4.1"), dsv3("sglang:0.4.5")
    with constants.override({"moe_fp8_layer_latency_sglang04_s": value}):
        assert moe_layer_latency_s(parse_engine("sglang:0.4.3.post2"), "fp8") == value
        for spec, prec in (("sglang:0.4.5", "fp8"), ("sglang", "fp8"), ("vllm:0.7.3", "fp8"),
                           ("sglang:0.3.6", "fp8"), ("sglang:0.4.1", "bf16")):  # fmt: skip
            assert moe_layer_latency_s(parse_engine(spec), prec) == 0.0
        on, later = dsv3("sglang:0.4.1"), dsv3("sglang:0.4.5")
        dense = step("sglang:0.4.1"), step("sglang:0.4.5")
    # only the release with the Triton path pays the term (its experts' GEMMs differ too)
    assert on - off[0] == pytest.approx(model.moe_layers * value, rel=1e-9)
    assert later == off[1]
    assert dense[0] == dense[1]


def test_triton_fused_moe_releases_run_their_experts_at_the_measured_triton_rate():
    """vLLM 0.7.x and SGLang 0.4.0-0.4.3 compute scaled-FP8 routed experts in Triton's
    fused MoE: the kernel figure reproduces SGLang PR #3893's H200 block-FP8 GEMM times within
    the model's shape factor; a DeepSeek-V3 prefill slows on those releases by the experts'
    GEMMs only, a decode step far less, and other releases, BF16 weights and dense models not."""
    from planner.perfmodel.engines import TRITON_BLOCK_FP8_GEMM_EFFICIENCY, moe_gemm_efficiency
    from planner.perfmodel.kernels import gemm_time

    h200 = get_gpu("H200")
    for (m, n, k), measured in (((4096, 2304, 7168), 463.7e-6), ((4096, 1536, 7168), 295.0e-6)):
        t = gemm_time(h200, m, n, k, "fp8", compute_efficiency=TRITON_BLOCK_FP8_GEMM_EFFICIENCY)
        assert t == pytest.approx(measured, rel=0.05)
    on = ("vllm:0.7.4", "vllm:0.7.3", "sglang:0.4.3.post2", "sglang:0.4.0")
    off = ("vllm:0.8.0", "vllm:0.6.6", "vllm", "sglang:0.4.5", "trtllm:0.17")
    for spec in on:
        assert moe_gemm_efficiency(parse_engine(spec), "fp8") == TRITON_BLOCK_FP8_GEMM_EFFICIENCY
        assert moe_gemm_efficiency(parse_engine(spec), "bf16") is None
    for spec in off:
        assert moe_gemm_efficiency(parse_engine(spec), "fp8") is None

    model, cfg = load_model("deepseek-v3"), ReplicaConfig(h200, 8)

    def times(spec: str, precision: str = "fp8") -> tuple[float, float, float]:
        e = EngineModel(model, cfg, precision, "bf16", engine=parse_engine(spec))
        e.block_fp8 = False  # vLLM 0.7's dense block-FP8 floor: tests/perfmodel/test_block_fp8.py
        e.absorbed = (
            None  # vLLM 0.7's absorbed MLA decode: tests/perfmodel/test_vllm07_mla_memory.py
        )
        prefill = float(e.base_time(np.array([8192.0]), 0.0, 0.0)[0])
        decode = float(e.base_time(np.array([8.0]), 8.0, 2000.0)[0])
        return prefill, decode, float(e.layer_times(np.array([8192.0]))[0][0])

    new, old = times("vllm:0.7.4"), times("vllm:0.8.0")
    assert new[0] > 1.25 * old[0]  # prefill: the experts' GEMMs are compute-bound
    assert new[1] == old[1]  # a decode step's experts stream weights or under-fill tiles
    assert new[2] == old[2]  # the dense layers are untouched
    assert times("vllm:0.7.4", "bf16") == times("vllm:0.8.0", "bf16")
    assert step("vllm:0.7.4") == step("vllm:0.8.0")  # a dense model


def test_vllm_v0_decodes_eager_beyond_its_graph_context():
    """vLLM's V0 engine (before 0.8.0) replays its CUDA graphs only for decode-only batches
    whose longest sequence fits ``max_seq_len_to_capture`` (8192): beyond it, and in any
    iteration with prompt tokens, it launches every kernel as ``--enforce-eager`` does. Later
    releases, vLLM without a version and the other engines keep their graphs."""
    v0 = parse_engine("vllm:0.6.3")
    assert replays_graph(v0, VLLM_GRAPH_MAX_SEQ_LEN)
    assert not replays_graph(v0, VLLM_GRAPH_MAX_SEQ_LEN + 1)
    assert not replays_graph(v0, 100.0, prefill_tokens=512.0)
    assert list(replays_graph(v0, np.array([100.0, 9000.0]))) == [True, False]
    for spec in ("vllm:0.8.0", "vllm", "trtllm", "sglang:0.4.3"):
        assert replays_graph(parse_engine(spec), 1e6, prefill_tokens=512.0) is True
    assert replays_graph(parse_engine("vllm:0.6.3,eager"), 100.0) is False

    def decode(spec: str, ctx: float, longest: float | None = None) -> float:
        # 8B at TP8: a decode step's GPU work (~1 ms) is shorter than its 480 launches
        e = EngineModel(
            load_model("llama-3.1-8b"),
            ReplicaConfig(get_gpu("H100"), 8),
            "bf16",
            engine=parse_engine(spec),
        )
        return float(e.base_time(np.array([1.0]), 1.0, ctx, longest=longest)[0])

    launches = 32 * EAGER_KERNELS_PER_LAYER * EAGER_LAUNCH_S
    with constants.override(HOSTS):
        short, long = decode("vllm:0.6.3", 4000.0), decode("vllm:0.6.3", 9000.0)
        assert short < launches + 0.02 - 1e-4  # graphs: the GPU's work and the host time
        assert long == pytest.approx(launches + 0.02, rel=1e-6)  # eager: the CPU's launches
        assert long == pytest.approx(decode("vllm:0.6.3,eager", 9000.0), rel=1e-9)
        # the longest sequence decides, not the mean context
        assert decode("vllm:0.6.3", 4000.0, longest=9000.0) == pytest.approx(long, rel=1e-9)
        assert decode("vllm:0.8.0", 9000.0) < launches + 0.02 - 1e-4


def test_kv_fraction_option_sizes_tensorrt_llms_kv_pool():
    """``kv=F`` is TensorRT-LLM's ``--kv_cache_free_gpu_mem_fraction``: the KV pool is that
    share of the memory left after weights, reserve and workspace (0.90 without it)."""
    e = parse_engine("trtllm:1.0,kv=0.95")
    assert e.kv_fraction == 0.95 and e.kv_free_fraction == 0.95
    assert parse_engine(e.to_dict()) == e and "KV fraction 0.95" in e.label()
    assert parse_engine("trtllm").kv_free_fraction == 0.9
    assert "kv_fraction" not in parse_engine("trtllm").to_dict()  # old files read the same
    model, config = load_model("llama-3.1-70b"), ReplicaConfig(get_gpu("H100"), 2)
    default = EngineModel(model, config, "fp8", engine=parse_engine("trtllm"))
    higher = EngineModel(model, config, "fp8", engine=e)
    assert higher.free_bytes == pytest.approx(default.free_bytes * 0.95 / 0.9)
    assert higher.kv_tokens > default.kv_tokens


@pytest.mark.parametrize(
    "bad",
    [
        "trtllm,kv=0",
        "trtllm,kv=1.5",
        "trtllm,kv=-0.1",
        "trtllm,kv=abc",
        "trtllm,kv=nan",
        "trtllm,kv=0.9,kv=0.95",
        "vllm,kv=0.9",  # vLLM's memory share is --gpu-memory-utilization, of the whole GPU
        {"name": "sglang", "kv_fraction": 0.9},
        {"name": "trtllm", "kv_fraction": "0.9"},
        {"name": "trtllm", "kv_fraction": True},
    ],
)
def test_bad_kv_fractions_are_input_errors(bad):
    with pytest.raises(InputError, match="kv"):
        parse_engine(bad)


def test_memory_utilization_option_sizes_vllms_kv_cache():
    """``mem=F`` is vLLM's ``--gpu-memory-utilization``: weights, workspace and KV cache share
    ``F`` of the runtime's total (0.9 without it), so the cache grows by the extra share."""
    e = parse_engine("vllm:0.4.3,eager,mem=0.99")
    assert e.memory_utilization == 0.99 and e.memory_fraction == 0.99
    assert parse_engine(e.to_dict()) == e and "GPU memory utilization 0.99" in e.label()
    assert parse_engine("vllm").memory_fraction == 0.9
    assert parse_engine("trtllm").memory_fraction is None
    assert "memory_utilization" not in parse_engine("vllm").to_dict()  # old files read the same
    model, gpu = load_model("llama-2-70b"), get_gpu("MI300X")
    config = ReplicaConfig(gpu, 1)
    default = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.4.3,eager"))
    higher = EngineModel(model, config, "fp8", engine=e)
    # the engine leaves 1 - F of the total unused, but never less than the runtime reserve
    total, reserve = gpu.runtime_bytes, RUNTIME_RESERVED_GIB * 2**30
    gained = 0.1 * total - max(reserve, 0.01 * total)
    assert higher.free_bytes - default.free_bytes == pytest.approx(gained)
    assert higher.kv_tokens > default.kv_tokens
    # above 1 - reserve / total only the model's runtime reserve stays out: 0.99 and 1.0
    # size the same cache on a 192 GB GPU (1 % of it is less than the 4 GiB reserve)
    full = EngineModel(model, config, "fp8", engine=parse_engine("vllm:0.4.3,eager,mem=1"))
    assert full.free_bytes == pytest.approx(higher.free_bytes)


@pytest.mark.parametrize(
    "bad",
    [
        "vllm,mem=0",
        "vllm,mem=1.01",
        "vllm,mem=abc",
        "vllm,mem=nan",
        "vllm,mem=0.9,mem=0.95",
        "trtllm,mem=0.9",  # TensorRT-LLM's pool is kv=F, of the memory left after the weights
        "sglang,mem=0.9",  # SGLang's mem_fraction_static follows its release
        {"name": "vllm", "memory_utilization": "0.9"},
        {"name": "vllm", "memory_utilization": True},
        {"name": "vllm", "memory_utilization": 2},
    ],
)
def test_bad_memory_utilizations_are_input_errors(bad):
    with pytest.raises(InputError, match="mem"):
        parse_engine(bad)


@pytest.mark.parametrize("precision", ["fp8", "int4", "fp8-mixed"])
def test_quantized_checkpoints_time_their_lm_head_in_16_bits(monkeypatch, precision):
    """The engines keep a quantized checkpoint's LM head in the model's 16-bit dtype (memory.
    end_weight_bytes); the decode step streams and multiplies it at 16 bits, not at the
    layers' width."""
    model, config = load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1)
    engine = EngineModel(model, config, precision)
    seen = []
    original = EngineModel._gemm

    def spy(self, N, n, k, batch=1.0, precision=None):
        if (n, k) == tuple(self.shapes.head):
            seen.append(precision.name if precision is not None else self.precision.name)
        return original(self, N, n, k, batch, precision)

    monkeypatch.setattr(EngineModel, "_gemm", spy)
    engine.gpu_time(np.array([64.0]), 64.0, 1024.0)
    assert seen == ["bf16"]
