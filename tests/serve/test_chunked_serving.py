"""Serving Llama 4's chunked attention and P/D servers' KV: decode keys averaged over a
request's positions, the KV an engine that frees earlier chunks holds, and a KV connector
switching vLLM's hybrid manager off (checked against enumerations)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import make_problem
from planner.serve.capacity import RoleModel, engine_for, engine_key
from planner.serve.instance import ReplicaGroup
from planner.serve.slo import SLO
from planner.serve.traffic import LengthDist, Traffic, decode_attention_keys, held_kv_moments

SCOUT = load_model("llama-4-scout")  # 48 layers, 8192-token chunks, every 4th layer full
OSS = load_model("gpt-oss-20b")


def scout_keys(c: int) -> float:
    """Keys the query at position c attends on Scout, enumerated layer by layer."""
    per_layer = [c if i % 4 == 3 else (c - 1) % 8192 + 1 for i in range(48)]
    return sum(per_layer) / 48


TRAFFIC = Traffic(
    1.0,
    LengthDist((3000.0, 9000.0, 20000.0), (0.3, 0.5, 0.2)),
    LengthDist((1.0, 300.0, 4000.0), (0.2, 0.5, 0.3)),
)


def enumerate_decode(traffic: Traffic, f) -> tuple[float, float, float]:
    """E[sum f(context)], E[sum f(context)^2] over a request's decode iterations and E[O - 1]."""
    s1 = s2 = n = 0.0
    for p, wp in zip(traffic.prompt.values, traffic.prompt.weights, strict=True):
        for o, wo in zip(traffic.output.values, traffic.output.weights, strict=True):
            ctx = [p + k for k in range(1, int(o))]
            s1 += wp * wo * sum(f(int(c)) for c in ctx)
            s2 += wp * wo * sum(f(int(c)) ** 2 for c in ctx)
            n += wp * wo * len(ctx)
    return s1, s2, n


def engine(model, name="vllm", role="both"):
    e = parse_engine(name).for_role(role)
    return EngineModel(model, ReplicaConfig(get_gpu("H100"), 8), "bf16", engine=e)


def test_decode_keys_are_the_mean_over_positions():
    """Was the keys at the mean context (min(ctx, 8192) on the chunked layers): the prompts
    past one chunk attend far fewer keys than a whole chunk."""
    s1, _, n = enumerate_decode(TRAFFIC, scout_keys)
    got = decode_attention_keys(TRAFFIC, SCOUT)
    assert got == pytest.approx(s1 / n, rel=1e-9)
    assert got < 0.8 * float(SCOUT.attention_span(TRAFFIC.decode_context))
    # gpt-oss's sliding window: the same sums over min(c, 128)
    s1, _, n = enumerate_decode(
        TRAFFIC, lambda c: sum(c if i % 2 else min(c, 128) for i in range(24)) / 24
    )
    assert decode_attention_keys(TRAFFIC, OSS) == pytest.approx(s1 / n, rel=1e-9)
    # the queueing model's decode step uses them: shorter than at the mean context's keys
    rm = RoleModel(engine(SCOUT), "both", TRAFFIC, SLO(10.0, 0.1))
    assert rm.keys == pytest.approx(decode_attention_keys(TRAFFIC, SCOUT))
    b = np.array([64.0])
    e = engine(SCOUT)
    assert float(e.base_time(b, 64.0, rm.ctx, keys=rm.keys)[0]) < float(
        e.base_time(b, 64.0, rm.ctx, keys=float(SCOUT.attention_span(rm.ctx)))[0]
    )


def test_chunked_kv_held_matches_enumeration():
    """vLLM (current release) frees the chunks left of the current one: a request holds the
    layers' mean of (c - 1) mod 8192 + 1 and c; vLLM 0.10.1 keeps every layer's context."""
    s1, s2, _ = enumerate_decode(TRAFFIC, scout_keys)
    assert held_kv_moments(TRAFFIC, engine(SCOUT), False) == pytest.approx((s1, s2), rel=1e-9)
    assert held_kv_moments(TRAFFIC, engine(SCOUT, "vllm:0.10.1"), False) == (
        TRAFFIC.kv1,
        TRAFFIC.kv2,
    )
    # reserved: the whole request's context held for its O - 1 iterations
    r1 = r2 = 0.0
    for p, wp in zip(TRAFFIC.prompt.values, TRAFFIC.prompt.weights, strict=True):
        for o, wo in zip(TRAFFIC.output.values, TRAFFIC.output.weights, strict=True):
            r1 += wp * wo * (o - 1) * scout_keys(int(p + o))
            r2 += wp * wo * (o - 1) * scout_keys(int(p + o)) ** 2
    assert held_kv_moments(TRAFFIC, engine(SCOUT), True) == pytest.approx((r1, r2), rel=1e-9)
    assert float(engine(SCOUT).kv_held(20000.0)) == pytest.approx(scout_keys(20000))


def test_pd_servers_of_vllm_0_10_1_hold_every_layers_context():
    """A prefill / decode group of a plan under vLLM 0.10.1 runs with --kv-transfer-config,
    which turns the hybrid KV manager off: its engine keeps gpt-oss's full context on every
    layer, the colocated group only the window on the windowed layers."""
    problem = make_problem(
        "gpt-oss-20b", "H100:4", prompt_tokens=8000, output_tokens=1000, engine="vllm:0.10.1"
    )
    held = {}
    for role in ("both", "prefill", "decode"):
        group = ReplicaGroup("H100", 1, 1, 1, 1, role, 0 if role == "decode" else 2048)
        held[role] = float(engine_for(*engine_key(problem, group)).kv_held(65536))
    assert held["prefill"] == held["decode"] == 65536 > 1.9 * held["both"]
    current = make_problem(
        "gpt-oss-20b", "H100:4", prompt_tokens=8000, output_tokens=1000, engine="vllm"
    )
    group = ReplicaGroup("H100", 1, 1, 1, 1, "decode", 0)
    assert float(engine_for(*engine_key(current, group)).kv_held(65536)) == held["both"]
