"""TensorRT-LLM 1.0-1.1's blocking pipeline loop (s19pcie): each stage's host iteration in
series with its GPU work."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.calibration.inference_gpus import INFERENCE_GPU_ROWS
from planner.perfmodel.engines import (
    TRTLLM_HOST_PER_SEQUENCE_S,
    TRTLLM_SCHEDULE_PER_ACTIVE_S,
    blocking_pipeline,
    parse_engine,
    pipeline_host_s,
)
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import pipeline_round
from planner.perfmodel.stage import EngineModel, ReplicaConfig


@pytest.mark.parametrize(
    ("spec", "blocks"),
    [
        ("trtllm:1.0", True),
        ("trtllm:1.0.0rc4", True),
        ("trtllm:1.1.2", True),
        ("trtllm", False),  # the current release: PR #10349's non-blocking loop
        ("trtllm:1.2", False),
        ("trtllm:0.17", False),
        ("vllm:0.6.3", False),
        ("sglang", False),
    ],
)
def test_the_blocking_window_is_trtllm_1_0_to_1_1(spec, blocks):
    assert blocking_pipeline(parse_engine(spec)) is blocks


def test_host_per_sequence_is_pr_10273s_host_step():
    assert pytest.approx(45.11e-3 / 1536) == TRTLLM_HOST_PER_SEQUENCE_S
    engine = parse_engine("trtllm:1.0")
    # the micro-batch's host step plus the scheduler's walk over the 7 other micro-batches
    walk = 7 * 200 * 0.044 * 45.11e-3 / 1536
    assert pipeline_host_s(engine, 200.0, 8) == pytest.approx(200 * 45.11e-3 / 1536 + walk)
    assert pipeline_host_s(engine, 200.0, 1) == 0.0  # pp = 1 runs the overlap loop
    assert pipeline_host_s(parse_engine("trtllm"), 200.0, 8) == 0.0


def test_the_schedulers_walk_covers_every_micro_batchs_requests():
    # PR #10273: the C++ scheduler is ~4.4 % of the 45.11 ms host step at 1536 sequences,
    # 1.29 us per active request; the PP loop walks all pp x B of them once per micro-batch
    assert pytest.approx(1.292e-6, rel=1e-3) == TRTLLM_SCHEDULE_PER_ACTIVE_S
    engine = parse_engine("trtllm:1.0")
    b = np.array([50.0, 126.0])
    deeper = pipeline_host_s(engine, b, 8) - pipeline_host_s(engine, b, 2)
    assert deeper == pytest.approx(6 * b * TRTLLM_SCHEDULE_PER_ACTIVE_S)
    # per sequence of the micro-batch, the host step grows with the depth, and only there
    per_seq = [float(pipeline_host_s(engine, 100.0, pp)) / 100 for pp in (2, 4, 8)]
    assert per_seq[0] < per_seq[1] < per_seq[2]
    assert per_seq[0] > TRTLLM_HOST_PER_SEQUENCE_S
    assert pipeline_host_s(parse_engine("trtllm:1.2"), b, 8) == 0.0


def test_a_blocking_stage_adds_its_host_work_in_series():
    # 8 stages of 10 ms, 0.2 ms hand-offs, 6 ms of host work per stage and micro-batch: the
    # round is 8 x (10 + 0.2 + 6) ms, not 8 x max(10 + 0.2, 6)
    rnd = pipeline_round(80e-3, 10e-3, 0.2e-3, 0.0, 8, stage_host=6e-3)
    assert rnd == pytest.approx(8 * 16.2e-3)
    assert pipeline_round(80e-3, 10e-3, 0.2e-3, 0.0, 8) == pytest.approx(8 * 10.2e-3)
    # one stage: the overlap loop, nothing added
    assert pipeline_round(80e-3, 80e-3, 0.0, 0.0, 1, stage_host=6e-3) == pytest.approx(80e-3)


def test_engine_round_grows_by_the_stages_host_work():
    model, gpu = load_model("llama-3.1-70b"), get_gpu("RTX-PRO-6000")
    cfg = ReplicaConfig(gpu, 1, 8)
    old = EngineModel(model, cfg, "fp4", "fp8", engine=parse_engine("trtllm"))
    new = EngineModel(model, cfg, "fp4", "fp8", engine=parse_engine("trtllm:1.0"))
    b = 200.0
    n = np.array([b])
    t_old = float(old.base_time(n, b, 1100.0)[0])
    t_new = float(new.base_time(n, b, 1100.0)[0])
    per_stage = b * (TRTLLM_HOST_PER_SEQUENCE_S + 7 * TRTLLM_SCHEDULE_PER_ACTIVE_S)
    assert t_new - t_old == pytest.approx(8 * per_stage, rel=1e-6)
    one = ReplicaConfig(gpu, 1, 1)
    a = EngineModel(model, one, "fp4", "fp8", engine=parse_engine("trtllm"))
    c = EngineModel(model, one, "fp4", "fp8", engine=parse_engine("trtllm:1.0"))
    assert float(a.base_time(n, b, 1100.0)[0]) == float(c.base_time(n, b, 1100.0)[0])


def test_the_rtx_rows_name_their_release():
    rtx = [r for r in INFERENCE_GPU_ROWS if r.gpu == "RTX-PRO-6000"]
    assert {(e.name, e.version) for e in map(parse_engine, (r.engine for r in rtx))} == {
        ("trtllm", "1.0")
    }
    # the L40S rows ran v0.17's C++ engines (s29review: they name it, for the KV reserve's
    # scope), a release outside the blocking pipeline loop's
    l40s = {parse_engine(r.engine) for r in INFERENCE_GPU_ROWS if r.gpu == "L40S"}
    assert {(e.name, e.version) for e in l40s} == {("trtllm", "0.17.0")}
    assert not any(blocking_pipeline(e) for e in l40s)
