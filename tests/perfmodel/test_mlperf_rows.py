"""The MLPerf Inference v4.1 rows (source ``mlperf_inf41``): integrity of the entered figures."""

from planner.perfmodel.calibration.mlperf import DATASETS, MLPERF_ROWS, SOURCES
from planner.perfmodel.calibration.published import HELD_OUT
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.readers import load_model


def test_every_row_is_held_out_and_names_a_known_model():
    assert len(MLPERF_ROWS) == 36
    assert len({r.id for r in MLPERF_ROWS}) == 36
    assert {r.split for r in MLPERF_ROWS} == {HELD_OUT}
    assert {r.source for r in MLPERF_ROWS} == set(SOURCES)
    for r in MLPERF_ROWS:
        load_model(r.model)  # raises on an unknown model
        assert r.gpus % r.tp == 0 and r.value > 0


def test_output_means_pass_mlperf_own_length_check():
    # MLPerf accepts a run only if its tokens per sample lie within 90-110 % of the
    # reference (inference_rules.adoc): a mistyped tokens/s or samples/s figure fails this.
    for r in MLPERF_ROWS:
        ref = DATASETS[r.model].reference_output
        assert 0.9 * ref <= r.output_mean <= 1.1 * ref, r.id


def test_server_rows_carry_their_scheduled_rate_and_meet_the_limits():
    for r in MLPERF_ROWS:
        if r.scenario == "Server":
            assert r.rate > 0
            if r.metric == "ttft_s":
                assert r.value <= r.ttft_limit_s
            if r.metric == "tpot_s":
                assert r.value <= r.tpot_limit_s
        else:
            assert r.rate == 0


def test_h100_llama2_runs_four_tp2_engines():
    r = next(r for r in MLPERF_ROWS if r.gpu == "H100" and r.model == "llama-2-70b")
    assert (r.tp, r.engines) == (2, 4)


def test_llama2_prompt_lengths_lie_within_the_benchmark_limits():
    # the calibration subset's statistics (module notes): a mean above MLPerf's 1,024-token
    # input cap, or a spread wider than a lognormal with that cap allows, is a typo
    d = DATASETS["llama-2-70b"]
    assert 0 < d.input_mean < d.max_input
    assert 0 < d.input_std < d.max_input
    # the independent JetStream count (221.9 per sample over 10,000 draws) within 2 s.e.
    assert abs(d.input_mean - 2_219_196 / 10_000) < 2 * d.input_std / 1000**0.5
    assert DATASETS["mixtral-8x7b"].input_mean is None


def test_every_row_holds_kv_on_demand():
    # NVIDIA's harness runs TensorRT-LLM's max-utilization scheduler; vLLM allocates on demand
    assert {r.kv_admission for r in MLPERF_ROWS} == {"on-demand"}


def test_every_row_carries_its_submissions_batch_cap_and_memory_share():
    """The caps of the module notes: NVIDIA's ``gpu_batch_size`` per config class and
    scenario (the engine's ``max_batch_size``), AMD's ``max_num_seqs``; AMD's
    ``--gpu-memory-utilization`` as ``mem=F`` (the NVIDIA engines keep ``kv=0.9``'s default:
    their configs set ``kvcache_free_gpu_mem_frac = 0.90``)."""
    caps = {
        ("mlperf_inf41", "H100", "llama-2-70b"): (896, 1024),
        ("mlperf_inf41", "H200", "llama-2-70b"): (806, 896),
        ("mlperf_inf41", "H100", "mixtral-8x7b"): (896, 896),
        ("mlperf_inf41", "H200", "mixtral-8x7b"): (3072, 1200),
        ("mlperf_inf41", "MI300X", "llama-2-70b"): (2048, 1024),
        ("mlperf_inf51", "MI300X", "llama-2-70b"): (1792, 650),
        ("mlperf_inf51", "MI300X", "mixtral-8x7b"): (5000, 4096),
        ("mlperf_inf51", "MI325X", "llama-2-70b"): (2700, 1024),
        ("mlperf_inf51", "MI325X", "mixtral-8x7b"): (4736, 2560),
    }
    memory = {
        ("mlperf_inf41", "MI300X", "llama-2-70b"): (0.99, 0.97),
        ("mlperf_inf51", "MI300X", "llama-2-70b"): (0.98, 1.0),
        ("mlperf_inf51", "MI300X", "mixtral-8x7b"): (0.97, 0.99),
        ("mlperf_inf51", "MI325X", "llama-2-70b"): (0.98, 1.0),
        ("mlperf_inf51", "MI325X", "mixtral-8x7b"): (0.96, 0.96),
    }
    assert {(r.source, r.gpu, r.model) for r in MLPERF_ROWS} == set(caps)
    for r in MLPERF_ROWS:
        key, scenario = (r.source, r.gpu, r.model), 0 if r.scenario == "Offline" else 1
        assert r.max_batch == caps[key][scenario], r.id
        e = parse_engine(r.engine)
        if r.submitter == "NVIDIA":
            assert e.kv_free_fraction == 0.9 and e.memory_fraction is None, r.id
        else:
            assert e.memory_fraction == memory[key][scenario], r.id


def test_amd_v41_engines_follow_their_own_harness_scripts():
    """v4.1 AMD: the Offline script passes ``--enforce-eager True`` and keeps the 65,536-token
    budget of ``mainVllmFp8_Offline.py``; the SyncServer script passes neither, so
    ``mainVllmFp8_SyncServer.py``'s argument default of 49,152 tokens applies (graphs on, but
    no decode batch of the run fits their 256-sequence / 512-token capture: eager)."""
    amd = [r for r in MLPERF_ROWS if r.source == "mlperf_inf41" and r.submitter == "AMD"]
    assert amd
    for r in amd:
        e = parse_engine(r.engine)
        assert not e.cuda_graphs and e.scheduler_steps == 1, r.id
        assert e.batched_tokens == (65536 if r.scenario == "Offline" else 49152), r.id


def test_nvidia_v41_rows_name_the_tensorrt_llm_they_ran():
    """The NVIDIA v4.1 engines ran TensorRT engines on the C++ runtime (TensorRT-LLM
    0.12.0.dev2024071600, the submission's Makefile.build): they take the engine flow's fixed
    reserve, not the PyTorch flow's that an unnamed release (the current one) gets."""
    from planner.perfmodel.trtllm_memory import runs_pytorch_flow

    nvidia = [r for r in MLPERF_ROWS if r.source == "mlperf_inf41" and r.submitter == "NVIDIA"]
    assert nvidia
    engines = {parse_engine(r.engine) for r in nvidia}
    assert {(e.name, e.version) for e in engines} == {("trtllm", "0.12.0.dev2024071600")}
    assert not any(runs_pytorch_flow(e) for e in engines)
