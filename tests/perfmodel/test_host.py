"""The host's per-expert launches of Megatron-Core's MoE layer (``perfmodel/host.py``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import constants, engines, host
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.precision import BF16, FP8
from planner.train.calibration import row_estimate, row_plan, row_problem
from planner.train.step_time import estimate
from tests.perfmodel.models import small_model

B200 = get_gpu("B200")


def moe_model(experts: int = 128):
    """Qwen3-30B-like routed experts on the small model (top-8, 768 wide)."""
    return small_model(num_experts=experts, experts_per_token=8, moe_ffn=768)


def test_launch_cost_is_written_once():
    assert engines.EAGER_LAUNCH_S is host.EAGER_LAUNCH_S


def test_launches_per_expert_follow_the_grouped_linear_code():
    # forward: fc1 + fc2 GEMMs; backward: dgrad + wgrad GEMMs, placeholder, DDP hook each
    assert host.expert_launches(BF16) == (2, 8)
    # FP8 (current scaling / MXFP8): one quantization per expert and GroupedLinear each way
    assert host.expert_launches(FP8) == (4, 10)


def test_expert_gemm_call_is_te_benchmark_difference():
    # TransformerEngine PR #3134 (SM100, 8 experts x 128 tokens, N = K = 2048, "PURE" rows):
    # multi-stream cuBLASLt 0.267 ms, one single-launch grouped kernel 0.069 ms
    call = host.EXPERT_GEMM_CALL_S
    assert call == pytest.approx((0.267 - 0.069) * 1e-3 / 8)
    assert call == pytest.approx(24.75e-6)
    # a GEMM call costs more host time than one eager op, so the expert's host time grows
    assert call > host.EAGER_LAUNCH_S
    assert host.expert_gemms() == (2, 4)
    fwd, bwd = host.expert_host_seconds(BF16)
    assert fwd == pytest.approx(2 * host.EXPERT_GEMM_CALL_S)
    assert bwd == pytest.approx(4 * host.EXPERT_GEMM_CALL_S + 4 * host.EAGER_LAUNCH_S)
    fwd8, bwd8 = host.expert_host_seconds(FP8)
    assert fwd8 - fwd == pytest.approx(2 * host.EAGER_LAUNCH_S)
    assert bwd8 - bwd == pytest.approx(2 * host.EAGER_LAUNCH_S)


def test_dropless_row_waits_for_the_gemm_calls(monkeypatch):
    # 25.09 B200 Qwen3-30B's layout (micro-batch 1, 16 local experts) run eagerly and dropless:
    # after the token-count sync the experts' host calls outlast the expert segment's GPU
    # work, so pricing a GEMM call at one eager op (the tenth session's count) waits less.
    # (The row itself ran whole-layer CUDA graphs with token drop, ``eager_experts`` False:
    # s19moe. Eager with token drop the launches now hide under the layer's GPU work, which
    # includes the per-expert calls' serial time: perfmodel/expert_calls.py, s30moe.)
    graphed = next(r for r in BRIDGE_MOE if r.id == "bridge2509moe/B200/qwen3-30b-a3b/fp8/8")
    assert ("eager_experts", False) in graphed.software
    row = replace(
        graphed,
        software=tuple(
            kv for kv in graphed.software if kv[0] not in ("eager_experts", "capacity_factor")
        ),
    )
    assert not row_problem(row).software.capacity_factor
    priced = row_estimate(row).breakdown["host"]
    monkeypatch.setattr(host, "EXPERT_GEMM_CALL_S", host.EAGER_LAUNCH_S)
    with constants.override({}):  # clears the layer caches (on entry and exit)
        one_op = row_estimate(row).breakdown["host"]
    assert priced > 2 * one_op > 0


@settings(max_examples=60, deadline=None)
@given(
    local=st.integers(1, 256),
    experts_fwd=st.floats(0, 5e-3),
    extra_fwd=st.floats(0, 5e-3),
    layer_bwd=st.floats(0, 2e-2),
    sync=st.booleans(),
)
def test_wait_is_the_host_excess(local, experts_fwd, extra_fwd, layer_bwd, sync):
    layer_fwd = experts_fwd + extra_fwd
    fwd, bwd = host.expert_host_wait(
        local, FP8, experts_fwd=experts_fwd, layer_fwd=layer_fwd, layer_bwd=layer_bwd, sync=sync
    )
    # written out: per expert 2 GEMM calls + 2 quantizations forward, 4 GEMM calls + 6 other ops
    # (2 placeholders, 2 hooks, 2 quantizations) backward
    call, op = host.EXPERT_GEMM_CALL_S, host.EAGER_LAUNCH_S
    h_fwd, h_bwd = local * (2 * call + 2 * op), local * (4 * call + 6 * op)
    # written out by case: the sync leaves only the experts' own GPU work to hide the launches
    if sync:
        assert fwd == pytest.approx(max(0.0, h_fwd - experts_fwd) + host.EAGER_LAUNCH_S)
    else:
        assert fwd == pytest.approx(max(0.0, h_fwd - layer_fwd))
    assert bwd == pytest.approx(max(0.0, h_bwd - layer_bwd))
    # without the sync the wait is never longer
    no_sync, _ = host.expert_host_wait(
        local, FP8, experts_fwd=experts_fwd, layer_fwd=layer_fwd, layer_bwd=layer_bwd, sync=False
    )
    assert no_sync <= fwd + 1e-15


def test_layer_waits_for_many_small_experts_only():
    kw = dict(micro_batch=1, seq=4096, tp=1, moe=True, precision="fp8", eager_experts=True)
    many = layer_cost(moe_model(128), B200, ep=1, **kw)  # 128 local experts, 256 tokens each
    few = layer_cost(moe_model(128), B200, ep=64, **kw)  # 2 local experts
    off = layer_cost(moe_model(128), B200, ep=1, **{**kw, "eager_experts": False})
    assert many.host > 10 * few.host > 0 and off.host == 0.0
    # the wait is part of the layer's exposed non-kernel time, kernels unchanged
    assert many.fwd == off.fwd and many.bwd == off.bwd
    assert many.comm_fwd + many.comm_bwd == pytest.approx(off.comm_fwd + off.comm_bwd + many.host)
    dropped = layer_cost(moe_model(128), B200, ep=1, dropless=False, **kw)
    assert dropped.host < many.host
    dense = layer_cost(moe_model(128), B200, ep=1, **{**kw, "moe": False})
    assert dense.host == 0.0


def test_row_breakdown_has_the_host_part_and_the_switch():
    row = next(r for r in BRIDGE_MOE if r.id == "bridge2511moe/B200/qwen3-30b-a3b/fp8-mx/8")
    est = row_estimate(row)
    assert est.breakdown["host"] > 0
    problem = row_problem(row)
    assert problem.software.eager_experts and not problem.software.capacity_factor
    graphed = replace(problem, software=replace(problem.software, eager_experts=False))
    off = estimate(graphed, row_plan(row, problem.model.layers))
    assert off.breakdown["host"] == 0.0
    assert off.step_time == pytest.approx(est.step_time - est.breakdown["host"], rel=1e-9)
