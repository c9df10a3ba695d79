"""Public serving rows: well-formed marks, and the simulated prediction of a tiny row."""

from __future__ import annotations

import pytest

from planner.perfmodel.calibration.published import FIT, HELD_OUT
from planner.perfmodel.calibration.serving_public import (
    METRICS,
    MODES,
    PUBLIC_SERVING_ROWS,
    SERVING_SOURCES,
    PublicServingRow,
)
from planner.serve.public import predict_public, statistic


def test_rows_are_well_formed_and_each_source_is_marked_whole():
    ids = [r.id for r in PUBLIC_SERVING_ROWS]
    assert len(ids) == len(set(ids))
    for r in PUBLIC_SERVING_ROWS:
        assert r.source in SERVING_SOURCES
        assert r.mode in MODES and r.metric in METRICS
        assert r.split in (FIT, HELD_OUT) and r.value > 0
        assert r.statistic if r.metric in ("ttft_s", "tpot_s", "latency_s") else not r.statistic
        assert (r.mode == "rate") == (r.rate > 0)
    # a source is fit or held out as a whole; the engine, CDNA3 and SGLang DeepSeek-V3 fit
    # sources are the only fit ones (the dstack MI300X and DeepSeek-R1 rows stay held out)
    splits = {s: {r.split for r in PUBLIC_SERVING_ROWS if r.source == s} for s in SERVING_SOURCES}
    assert all(len(v) == 1 for v in splits.values())
    fit = sorted(s for s, v in splits.items() if v == {FIT})
    assert fit == ["rocm_vllm066", "sglang_dsv3", "sglang_vllm060"]


def row(
    metric: str,
    stat: str = "",
    mode: str = "clients",
    n: int = 2,
    model: str = "llama-3.1-8b",
    ep: int = 1,
) -> PublicServingRow:
    return PublicServingRow(
        "t", "nim_llama33", "H100", model, 1, "bf16", "bf16", 256, 16, mode, n,
        6, metric, stat, 1.0, HELD_OUT, ep=ep,
    )  # fmt: skip


def test_prediction_of_a_tiny_row_is_consistent():
    """Throughput = tokens / time; more input per output raises total tokens/s over output
    tokens/s by (input + output) / output; one client has TTFT below TPOT * outputs."""
    out = predict_public(row("output_tokens_per_s"))
    total = predict_public(row("total_tokens_per_s"))
    assert total == pytest.approx(out * (256 + 16) / 16)
    one = predict_public(row("output_tokens_per_s", n=1))
    assert one < out  # a second client shares the weight reads
    ttft = predict_public(row("ttft_s", "mean", n=1))
    tpot = predict_public(row("tpot_s", "median", n=1))
    assert 0 < ttft < 16 * tpot
    # a batch of 6 prompts at once finishes faster per token than 1 client at a time
    assert predict_public(row("output_tokens_per_s", mode="batch", n=6)) > one


def test_data_parallel_attention_rows_run_on_tp_times_ep_gpus(monkeypatch):
    """An ``ep`` row is simulated as one replica of ``tp * ep`` GPUs with ``ep`` attention
    groups; the dstack R1 rows are SGLang's --tp 8 --enable-dp-attention (tp 1 x ep 8)."""
    import planner.serve.public as public

    seen = {}

    def capture(model, gpus, **kw):
        seen["gpus"] = gpus
        raise LookupError  # stop before simulating

    monkeypatch.setattr(public, "make_problem", capture)
    public.simulated_run.cache_clear()
    with pytest.raises(LookupError):
        predict_public(row("tpot_s", "median", n=4, model="mixtral-8x7b", ep=2))
    assert seen["gpus"] == "H100:2"
    r1 = [
        r
        for r in PUBLIC_SERVING_ROWS
        if r.source == "dstack_r1" and r.engine.startswith("sglang:0.4.3")
    ]
    assert r1 and all((r.tp, r.ep) == (1, 8) for r in r1)
    assert all(r.ep == 1 for r in PUBLIC_SERVING_ROWS if not r.engine.startswith("sglang:0.4.3"))


def test_statistic_names():
    import numpy as np

    x = np.arange(101.0)
    assert statistic(x, "mean") == 50.0 and statistic(x, "median") == 50.0
    assert statistic(x, "p99") == pytest.approx(99.0)
    with pytest.raises(ValueError):
        statistic(x, "mode")


def test_batch_latency_matches_the_simulated_batch():
    """The analytic ``benchmark_latency`` prediction (prefills of whole prompts within the
    token budget, then ``output - 1`` decode steps at the mean context) is the simulator's
    time for the same batch submitted at once when one iteration prefills it; with a budget
    of 3 prompts it takes three prefill iterations (vLLM without chunked prefill runs them
    alone, where the simulator would already decode the first prompts beside them)."""
    import numpy as np

    from planner.perfmodel.engines import parse_engine
    from planner.perfmodel.hardware import get_gpu
    from planner.perfmodel.readers import load_model
    from planner.perfmodel.stage import EngineModel, ReplicaConfig
    from planner.serve.calibration import batch_latency_s
    from planner.serve.public import simulated_run

    def engine_model(spec: str) -> EngineModel:
        return EngineModel(
            load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("MI300X"), 1), "fp8", "fp8",
            engine=parse_engine(spec),
        )  # fmt: skip

    b, isl, osl = 7, 256, 24
    whole = "vllm:0.6.6,tokens=2048"
    run = simulated_run("llama-3.1-8b", "MI300X", 1, "fp8", "fp8", isl, osl, "batch", b, b,
                        engine=whole)  # fmt: skip
    simulated = b * (isl + osl) / run["total_tokens_per_s"]
    assert batch_latency_s(engine_model(whole), b, isl, osl) == pytest.approx(simulated, rel=1e-9)
    eng = engine_model("vllm:0.6.6,tokens=768")
    prefill = sum(
        float(eng.base_time(np.array([n * isl], float), 0.0, 0.0)[0])
        + float(eng.prefill_attention_time(n * isl * (isl + 1) / 2))
        for n in (3, 3, 1)
    )
    step = float(eng.base_time(np.array([float(b)]), float(b), isl + osl / 2)[0])
    assert batch_latency_s(eng, b, isl, osl) == pytest.approx(prefill + (osl - 1) * step, rel=1e-12)
    with pytest.raises(ValueError, match="exceed the KV cache"):
        batch_latency_s(eng, 10**6, isl, osl)
