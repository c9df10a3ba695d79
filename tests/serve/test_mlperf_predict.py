"""Predictions of the MLPerf rows (:func:`planner.serve.calibration.predict_mlperf`)."""

import dataclasses

import pytest

from planner.perfmodel.calibration.mlperf import MLPERF_ROWS
from planner.serve.calibration import predict_mlperf


def _row(scenario, metric, gpu="H100", model="llama-2-70b"):
    return next(
        r
        for r in MLPERF_ROWS
        if (r.scenario, r.metric, r.gpu, r.model) == (scenario, metric, gpu, model)
    )


def test_offline_system_is_its_engines_times_one_engine():
    r = _row("Offline", "output_tokens_per_s")
    one = dataclasses.replace(r, gpus=r.tp)
    assert predict_mlperf(r, 300) == pytest.approx(r.engines * predict_mlperf(one, 300))


def test_slo_capacity_stays_below_saturation():
    off = _row("Offline", "output_tokens_per_s")
    srv = _row("Server", "output_tokens_per_s")
    same = dataclasses.replace(srv, engine=off.engine, output_mean=off.output_mean)
    assert 0 < predict_mlperf(same, 300) <= predict_mlperf(off, 300)


def test_server_ttft_grows_with_the_rate_and_longer_prompts_cut_throughput():
    ttft = _row("Server", "ttft_s")
    low = dataclasses.replace(ttft, rate=ttft.rate / 4)
    assert predict_mlperf(low, 300) < predict_mlperf(ttft, 300)
    off = _row("Offline", "output_tokens_per_s")
    assert predict_mlperf(off, 800) < predict_mlperf(off, 100)


def test_default_lengths_are_the_published_sample_set():
    from planner.perfmodel.calibration.mlperf import DATASETS

    d = DATASETS["llama-2-70b"]
    off = _row("Offline", "output_tokens_per_s")
    assert predict_mlperf(off) == predict_mlperf(off, d.input_mean, d.input_std)
    # the published spread, not the grid's std = mean, is used
    assert predict_mlperf(off) != predict_mlperf(off, d.input_mean)
    mixtral = _row("Offline", "output_tokens_per_s", model="mixtral-8x7b")
    with pytest.raises(ValueError, match="not published"):
        predict_mlperf(mixtral)


def test_reserving_prompt_plus_output_admits_fewer_sequences_than_on_demand():
    # NVIDIA's harness runs TensorRT-LLM's max-utilization scheduler (KV on demand); the
    # guaranteed-no-evict reservation would cap the batch where the KV cache binds
    off = _row("Offline", "output_tokens_per_s")
    reserved = dataclasses.replace(off, kv_admission="reserve")
    assert predict_mlperf(reserved, 500) < predict_mlperf(off, 500)


def test_the_rows_batch_cap_reaches_the_model():
    # NVIDIA's H100 Offline engines were built with max_batch_size 896, below the batch the
    # KV pool admits at these lengths: the cap binds; a cap above the pool's batch does not
    off = _row("Offline", "output_tokens_per_s")
    assert off.max_batch == 896
    uncapped = dataclasses.replace(off, max_batch=None)
    assert predict_mlperf(off) < predict_mlperf(uncapped)
    loose = dataclasses.replace(off, max_batch=10**6)
    assert predict_mlperf(loose) == pytest.approx(predict_mlperf(uncapped), rel=1e-9)
