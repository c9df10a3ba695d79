"""vLLM multi-step scheduling (``--num-scheduler-steps k``): a prompt waits for the rest of the
decode round in progress before the scheduler sees it (``capacity.multi_step_wait``)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import Engine, parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import RoleModel, multi_step_wait
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic

RATE = 6.0  # requests/s on one MI300X engine of Llama 2 70B FP8


def _role(spec: str) -> RoleModel:
    engine = EngineModel(
        load_model("llama-2-70b"), ReplicaConfig(get_gpu("MI300X"), 1), "fp8", "fp8",
        engine=parse_engine(spec),
    )  # fmt: skip
    traffic = Traffic(RATE, LengthDist.fixed(220), LengthDist.fixed(300))
    return RoleModel(engine, "both", traffic, SLO(percentile=0.99), chunk=40960)


def test_single_step_engines_wait_for_no_round():
    assert multi_step_wait(Engine("vllm"), 0.1) == 0.0
    assert multi_step_wait(Engine("trtllm"), 0.1) == 0.0
    assert multi_step_wait(Engine("vllm", scheduler_steps=9), 0.1) == pytest.approx(0.4)


def test_multi_step_rounds_delay_the_first_token_not_the_decode():
    """Same engine and load with 9 scheduler steps instead of 1 (the host terms are per step,
    so the iterations are the same): the p99 TTFT grows by at least the mean round wait,
    ``8 t0 / 2`` (the wait is uniform, so its p99 is nearly twice that), the TPOT does not."""
    # both V0 (multi-step falls back to V0, whose prompt budget leaves the decodes out:
    # decodes_in_budget), so that only the rounds differ
    one, nine = (
        _role("vllm:0.6.6,eager,tokens=40960"),
        _role("vllm:0.6.6,eager,steps=9,tokens=40960"),
    )
    a, b = one.at_rate(RATE), nine.at_rate(RATE)
    assert b.tpot_s == pytest.approx(a.tpot_s, rel=1e-9)
    assert b.batch == pytest.approx(a.batch, rel=1e-9)
    t0 = float(one.engine.base_time(np.array([a.batch]), a.batch, one.ctx)[0])  # decode step
    # the p99 of a uniform residual of mean (k - 1) t0 / 2 (on top of the one-iteration
    # residual) lies between that mean and twice it
    assert 8 * t0 / 2 < b.ttft_s - a.ttft_s <= 8 * t0 * (1 + 1e-6)
