"""Serving a sliding-window model: KV admission, memory fit and the simulator hold only the
window on the windowed layers when the engine frees the rest (gpt-oss: up to 2x less)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import make_problem
from planner.serve.candidates import layouts
from planner.serve.capacity import RoleModel
from planner.serve.simulate import _Engine, _grow, _kv_need, _Request
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic, held_kv_moments

OSS = load_model("gpt-oss-20b")


def engine(name="vllm:0.10.1", gpu="H100"):
    return EngineModel(OSS, ReplicaConfig(get_gpu(gpu), 1), "bf16", engine=parse_engine(name))


def held(c: float) -> float:
    """Tokens of KV a gpt-oss-20b sequence of context c holds, written out layer by layer."""
    return sum(c if i % 2 else min(c, 128) for i in range(24)) / 24


TRAFFIC = Traffic(
    2.0,
    LengthDist((40.0, 300.0, 2000.0), (0.5, 0.3, 0.2)),
    LengthDist((1.0, 50.0, 400.0), (0.2, 0.5, 0.3)),
)


def brute_moments(reserve: bool) -> tuple[float, float]:
    """E[sum over decode iterations of held(context)] and of its square, by enumeration."""
    m1 = m2 = 0.0
    for p, wp in zip(TRAFFIC.prompt.values, TRAFFIC.prompt.weights, strict=True):
        for o, wo in zip(TRAFFIC.output.values, TRAFFIC.output.weights, strict=True):
            d = int(o) - 1
            ctx = [p + o] * d if reserve else [p + k for k in range(1, d + 1)]
            m1 += wp * wo * sum(held(c) for c in ctx)
            m2 += wp * wo * sum(held(c) ** 2 for c in ctx)
    return m1, m2


@pytest.mark.parametrize("reserve", [False, True])
def test_held_kv_moments_match_enumeration(reserve):
    got = held_kv_moments(TRAFFIC, engine(), reserve)
    assert got == pytest.approx(brute_moments(reserve))
    # an engine that keeps every layer's full context: the traffic's own moments
    full = (TRAFFIC.res1, TRAFFIC.res2) if reserve else (TRAFFIC.kv1, TRAFFIC.kv2)
    assert held_kv_moments(TRAFFIC, engine("vllm:0.8.5"), reserve) == full


def test_role_model_charges_the_windowed_kv():
    """The queueing model's KV footprint per request (was the full context on every layer)."""
    slo = SLO(2.0, 0.1)
    new = RoleModel(engine(), "both", TRAFFIC, slo)
    old = RoleModel(engine("vllm:0.8.5"), "both", TRAFFIC, slo)
    assert new.m1 == pytest.approx(brute_moments(False)[0])
    assert old.m1 == pytest.approx(TRAFFIC.kv1)
    assert new.memory_batch_limit() > 1.5 * old.memory_batch_limit()
    # a waiting prompt holds its windowed footprint too
    p, w = np.asarray(TRAFFIC.prompt.values), np.asarray(TRAFFIC.prompt.weights)
    assert new.ep_held == pytest.approx(float(np.dot(w, [held(x) for x in p])))


def test_a_request_the_windowed_cache_holds_is_planned():
    """gpt-oss-20b in bf16 on one L40S (46068 MiB) leaves about 11,700 full-context tokens of
    KV: a request of 16,000 tokens fits once the windowed layers keep 128 (vLLM >= 0.9.2), not
    under vLLM 0.8.5, which keeps the whole context on every layer."""

    def reason(name):
        problem = make_problem(
            "gpt-oss-20b", "L40S:1", prompt_tokens=14000, output_tokens=2000, engine=name
        )
        (layout,) = [x for x in layouts(problem) if x.config.gpus == 1]
        return layout.reason

    assert reason("vllm:0.10.1") == ""
    assert "one request needs 16,000" in reason("vllm:0.8.5")


def test_simulator_holds_the_windowed_kv():
    e = _Engine("both", engine(), 2048, 1e6, False)
    req = _Request(0, 0.0, 65536, 10, 65536)
    need = _kv_need(e, req)
    assert need == pytest.approx(held(65536))
    e.kv_used, req.held = need, need
    req.generated = 1
    _grow(e, req, 1)
    assert req.held == pytest.approx(held(65537)) and e.kv_used == pytest.approx(held(65537))
    reserve = _Engine("both", engine(), 2048, 1e6, True)
    assert _kv_need(reserve, req) == pytest.approx(held(65536 + 10))
    full = _Engine("both", engine("vllm:0.8.5"), 2048, 1e6, False)
    assert _kv_need(full, req) == 65537
