"""Memory passes of the routed experts: fp8 operand quantization, the all-to-all dispatcher's sort."""

from __future__ import annotations

from dataclasses import replace

import pytest

import planner.train  # noqa: F401  (registers the training predictor)
from planner.core.errors import InputError
from planner.perfmodel import layer
from planner.perfmodel.calibration.published import BRIDGE_MOE
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.options import DEEPSEEK_V3, Software
from planner.perfmodel.precision import BF16, FP4, FP8
from planner.train.calibration import row_plan, row_problem
from planner.train.step_time import estimate
from tests.perfmodel.models import small_model

B200 = get_gpu("B200")
#: Qwen3-30B-like experts on the small model: hidden 1024, 768 wide, gated (fc1 1536 wide).
MOE = small_model(num_experts=128, experts_per_token=8, moe_ffn=768)


def test_bytes_follow_the_grouped_linear_tensors():
    routed = 4096 * 8
    # per element: bf16 read, row- and column-wise fp8 writes = 4 bytes
    # forward: fc1 input (hidden 1024) + fc2 input (768); backward: fc2 output gradient
    # (1024) + fc1 output gradient (gate + up, 1536)
    assert layer.expert_quant_bytes(routed, MOE, 1, FP8) == (
        routed * (1024 + 768) * 4,
        routed * (1024 + 1536) * 4,
    )
    # expert TP 2 halves the expert-wide tensors, not the hidden ones
    assert layer.expert_quant_bytes(routed, MOE, 2, FP8) == (
        routed * (1024 + 384) * 4,
        routed * (1024 + 768) * 4,
    )
    # fp4: 0.5-byte writes; bf16 GEMM inputs need no quantization
    assert layer.expert_quant_bytes(routed, MOE, 1, FP4)[0] == routed * (1024 + 768) * 3
    assert layer.expert_quant_bytes(routed, MOE, 1, BF16) == (0.0, 0.0)


def test_layer_adds_the_passes_to_its_kernels(monkeypatch):
    kw = dict(micro_batch=1, seq=4096, tp=1, ep=8, precision="fp8")
    layer.layer_cost.cache_clear()
    moe, dense = (layer.layer_cost(MOE, B200, moe=m, **kw) for m in (True, False))
    monkeypatch.setattr(layer, "expert_quant_bytes", lambda *a: (0.0, 0.0))
    layer.layer_cost.cache_clear()
    moe_off, dense_off = (layer.layer_cost(MOE, B200, moe=m, **kw) for m in (True, False))
    layer.layer_cost.cache_clear()
    routed = 4096 * 8  # one sequence, top-8, balanced
    assert moe.fwd - moe_off.fwd == pytest.approx(memory_time(B200, routed * (1024 + 768) * 4))
    assert moe.bwd - moe_off.bwd == pytest.approx(memory_time(B200, routed * (1024 + 1536) * 4))
    # dense layers: nothing added
    assert (dense.fwd, dense.bwd) == (dense_off.fwd, dense_off.bwd)


def test_all_to_all_dispatcher_sorts_by_local_expert():
    # Megatron-Core's all-to-all dispatcher: two more copies of the routed tokens (bf16 read
    # and write each) per pass than the flex dispatcher's permute / unpermute, mirrored once
    # in the backward (a permutation's gradient is one inverse permutation, not the 2x of an
    # element-wise kernel), with more than one local expert
    kw = dict(micro_batch=1, seq=4096, tp=1, moe=True, precision="bf16")
    routed = 4096 * 8
    copies = memory_time(B200, 2 * routed * 1024 * 2 * 2)
    for ep, extra in ((8, copies), (128, 0.0)):  # 16 local experts, then one
        flex = layer.layer_cost(MOE, B200, ep=ep, **kw)
        sort = layer.layer_cost(MOE, B200, ep=ep, sort_by_expert=True, **kw)
        assert sort.fwd - flex.fwd == pytest.approx(extra, abs=1e-12)
        assert sort.bwd - flex.bwd == pytest.approx(extra, abs=1e-12)


def test_dispatcher_setting_reaches_the_layer():
    assert Software().dispatcher == "alltoall" and DEEPSEEK_V3.dispatcher == "flex"
    with pytest.raises(InputError):
        Software(dispatcher="allgather")
    # a 25.09 row (NCCL all-to-all, 16 experts per GPU): the flex dispatcher skips the sort
    # copies (less compute) and prices its own kernels' all-to-all
    row = next(r for r in BRIDGE_MOE if r.id == "bridge2509moe/B200/qwen3-30b-a3b/fp8/8")
    problem = row_problem(row)
    assert problem.software.dispatcher == "alltoall"
    plan = row_plan(row, problem.model.layers)
    flex = replace(problem, software=problem.software.with_(dispatcher="flex"))
    plain, fused = estimate(problem, plan), estimate(flex, plan)
    assert fused.breakdown["compute"] < plain.breakdown["compute"]
    assert fused.breakdown["ep_comm"] != plain.breakdown["ep_comm"]
