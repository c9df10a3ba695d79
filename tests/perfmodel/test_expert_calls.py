"""Serial time of the per-expert GEMM calls (``perfmodel/expert_calls.py``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

import planner.train  # noqa: F401  (registers the training predictor)
from planner.perfmodel import host
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.expert_calls import expert_call_seconds
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.layer import layer_cost
from planner.perfmodel.options import Software
from planner.train.calibration import row_estimate, row_plan, row_problem
from planner.train.step_time import estimate
from tests.perfmodel.models import small_model

B200 = get_gpu("B200")
KW = dict(micro_batch=1, seq=4096, tp=1, moe=True, precision="fp8")


def moe_model(experts: int = 128):
    return small_model(num_experts=experts, experts_per_token=8, moe_ffn=768)


def test_calls_are_the_cited_figure_per_gemm_call():
    fwd, bwd = expert_call_seconds(16)
    assert fwd == pytest.approx(16 * 2 * host.EXPERT_GEMM_CALL_S)
    assert bwd == pytest.approx(16 * 4 * host.EXPERT_GEMM_CALL_S)
    # frozen experts skip their weight-gradient calls, not the data-gradient ones
    assert expert_call_seconds(16, wgrad=0.0)[1] == pytest.approx(16 * 2 * host.EXPERT_GEMM_CALL_S)


def test_fused_grouped_kernel_pays_no_per_expert_calls():
    per_expert = layer_cost(moe_model(), B200, ep=8, **KW)
    fused = layer_cost(moe_model(), B200, ep=8, fused_experts=True, **KW)
    fwd, bwd = expert_call_seconds(128 / 8)
    assert per_expert.fwd == pytest.approx(fused.fwd + fwd)
    assert per_expert.bwd == pytest.approx(fused.bwd + bwd)
    # a fused kernel has no per-expert launches to wait for, eager or not
    eager_fused = layer_cost(moe_model(), B200, ep=8, fused_experts=True, eager_experts=True, **KW)
    assert eager_fused.host == 0.0 and eager_fused.fwd == fused.fwd
    # a dense layer has none either way
    dense = {**KW, "moe": False}
    assert layer_cost(moe_model(), B200, ep=8, **dense) == layer_cost(
        moe_model(), B200, ep=8, fused_experts=True, **dense
    )


def test_graphed_per_expert_calls_still_pay():
    # captured in a CUDA graph (eager_experts False) the per-expert calls keep their time
    graphed = layer_cost(moe_model(), B200, ep=8, eager_experts=False, **KW)
    fused = layer_cost(moe_model(), B200, ep=8, eager_experts=False, fused_experts=True, **KW)
    assert graphed.fwd > fused.fwd and graphed.host == fused.host == 0.0


def test_fused_rows_are_the_op_fuser_recipes():
    fused = [r for r in BRIDGE_MOE if row_problem(r).software.fused_experts]
    assert fused and all(r.source in ("bridge2606moe", "bridge2608moe") for r in fused)
    assert all(not row_problem(r).software.eager_experts for r in fused)
    # 25.09's whole-layer graphs ran the per-expert kernels: not fused
    layer_graphs = [
        r
        for r in BRIDGE_MOE
        if r.source == "bridge2509moe" and ("eager_experts", False) in r.software
    ]
    assert layer_graphs and not any(row_problem(r).software.fused_experts for r in layer_graphs)


def test_row_step_grows_with_the_calls_only_off_the_fused_path():
    row = next(r for r in BRIDGE_MOE if r.id == "bridge2509moe/B200/qwen3-30b-a3b/fp8/8")
    problem = row_problem(row)
    plan = row_plan(row, problem.model.layers)
    fused = replace(problem, software=replace(problem.software, fused_experts=True))
    assert row_estimate(row).step_time > estimate(fused, plan).step_time
    fused_row = next(r for r in BRIDGE_MOE if r.id == "bridge2606moe/GB200/qwen3-30b-a3b/fp8-mx/8")
    p2 = row_problem(fused_row)
    unfused = replace(p2, software=replace(p2.software, fused_experts=False))
    assert (
        estimate(unfused, row_plan(fused_row, p2.model.layers)).step_time
        > row_estimate(fused_row).step_time
    )


def test_default_software_runs_per_expert_calls():
    assert Software().fused_experts is False
    assert Software.from_dict({"fused_experts": True}, where="t").fused_experts is True


def test_deepseek_v3_runs_grouped_gemms_not_per_expert_calls():
    """DeepSeek-V3's own stack groups its experts' GEMMs in one kernel (DeepGEMM's contiguous
    layout, ``options.DEEPSEEK_V3``): neither its preset nor its report row pays Transformer
    Engine's per-expert call time (s30review2; both paid it after s30moe)."""
    from planner.perfmodel.calibration.published import DEEPSEEKV3_2024
    from planner.perfmodel.options import PRESETS

    assert PRESETS["deepseek-v3"].fused_experts is True
    assert all(row_problem(r).software.fused_experts for r in DEEPSEEKV3_2024)
