"""A DualPipe rank computes on the SMs its DeepEP kernels leave (stage.sm_share).

DeepSeek's training profile (deepseek-ai/profile-data train.json) launches every fp8 GEMM on
112 CTAs and every DeepEP dispatch / combine kernel on 20 of the H800's 132 SMs; the report
(arXiv 2412.19437 section 3.2.2) gives the 20 SMs. The old model priced a DualPipe layer's
kernels on the whole GPU and only ``OVERLAP_SLOWDOWN`` of the all-to-all's time on top.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel import comm
from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.options import DEEPSEEK_V3
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import TrainingStep, end_costs, layer_time, sm_share, stage_times

from .test_options import _step as options_step

H800 = get_gpu("H800")
DSV3 = load_model("deepseek-v3")


def _step(**kw) -> TrainingStep:
    """The anchor's published layout (bench/train_anchors.py): PP16 x EP64, DualPipe, fp8."""
    anchor = dict(pp=16, dp=128, ep=64, model=DSV3, seq=4096, precision="fp8")
    anchor |= dict(sequence_parallel=False, recompute="selective", microbatches=120)
    return options_step(**{"tp": 1, "software": DEEPSEEK_V3, **anchor, **kw})


def _fewer_sms(gpu, share: float):
    """The GPU with every peak scaled by ``share``: what its compute-bound kernels see on
    ``share`` of the SMs (memory bandwidth unchanged)."""
    return replace(gpu, tflops=tuple((k, v * share) for k, v in gpu.tflops))


def test_share_is_the_sms_deepep_leaves_under_dualpipe_only():
    held = comm.FLEX_SMS["deepep"]
    assert held == 20  # DeepSeek-V3 report section 3.2.2; profile-data: 20-CTA kernels
    assert sm_share(_step(), H800) == pytest.approx((132 - 20) / 132)
    # not DualPipe (Megatron-Core's A2A overlap), no expert parallelism, or NCCL's
    # all-to-all: the generic overlap price, all SMs
    a2a = replace(DEEPSEEK_V3, ep_overlap="a2a")
    assert sm_share(_step(software=a2a, pp=1, dp=2048), H800) == 1.0
    assert sm_share(_step(ep=1), H800) == 1.0
    assert sm_share(_step(software=replace(DEEPSEEK_V3, dispatcher="alltoall")), H800) == 1.0
    assert sm_share(_step(microbatches=6), H800) == 1.0  # too few microbatches: 1F1B
    hybrid = replace(DEEPSEEK_V3, flex_backend="hybridep")
    assert sm_share(_step(software=hybrid), H800) == pytest.approx(116 / 132)


def test_dense_layer_and_head_on_a_dualpipe_rank_run_as_on_112_sms():
    share = 112 / 132
    small = _fewer_sms(H800, share)
    dual = _step()
    plain = _step(software=replace(DEEPSEEK_V3, dispatcher="alltoall"))  # all SMs
    got = layer_time(dual, H800, False)
    want = layer_time(plain, small, False)
    assert got.fwd == pytest.approx(want.fwd, rel=1e-12)
    assert got.bwd == pytest.approx(want.bwd, rel=1e-12)
    assert got.recompute == pytest.approx(want.recompute, rel=1e-12)
    assert got.fwd > layer_time(plain, H800, False).fwd * 1.05  # the old price: all SMs
    _, head = end_costs(dual, Pool(H800, 2048, "H800"))
    _, head_small = end_costs(plain, Pool(small, 2048, "H800"))
    assert head.fwd == pytest.approx(head_small.fwd, rel=1e-12)


def test_moe_layer_pays_the_larger_of_the_sm_share_and_the_overlap_price():
    # (no host wait for the experts' launches, which would hide in a longer pass)
    sw = replace(DEEPSEEK_V3, eager_experts=False)
    got = layer_time(_step(software=sw), H800, True)
    # the same layer priced the old way: kernels on all SMs, OVERLAP_SLOWDOWN of the
    # all-to-all (a one-stage stub runs Megatron-Core's A2A overlap, sm_share 1)
    stub = _step(pp=1, dp=2048, microbatches=0, software=sw)
    old = layer_time(stub, H800, True)
    small = layer_time(stub, _fewer_sms(H800, 112 / 132), True)
    for new_t, old_t, small_kernels in (
        (got.forward, old.forward, small.fwd),
        (got.backward - got.recompute, old.backward - old.recompute, small.bwd),
    ):
        # rel 1e-3: the share scales every GEMM's time, also the few the roofline finds
        # memory-bound (the router's), which on the scaled GPU keep theirs (0.03 % here)
        assert new_t == pytest.approx(max(old_t, small_kernels), rel=1e-3)
    assert got.forward + got.backward > old.forward + old.backward


@settings(max_examples=20, deadline=None)
@given(dense=st.integers(0, 3), moe=st.integers(0, 5), first=st.booleans(), last=st.booleans())
def test_one_stage_stub_times_bound_the_dualpipe_stage(dense, moe, first, last):
    # the search's work per layer configuration comes from a one-stage stub (sm_share 1):
    # it must stay a lower bound of every DualPipe plan's stage times
    if not dense + moe:
        return
    pool = Pool(H800, 2048, "H800")
    stub = stage_times(_step(pp=1, dp=2048, microbatches=0), pool, dense, moe, first, last)
    dual = stage_times(_step(), pool, dense, moe, first, last)
    assert sum(stub) <= sum(dual) + 1e-12


def test_held_sms_hide_no_more_host_launches_than_all_sms():
    # Kimi-K2 on B200 in bf16 at EP 64 (6 local experts): the backward waits for the
    # host's per-expert launches. The held SMs' extra replaces the all-to-all's
    # exposed price; hiding launches under it too made the DualPipe rank 4.6 % cheaper than
    # the same layers on all SMs, under the one-stage stub the search bounds with.
    b200, k2 = get_gpu("B200"), load_model("kimi-k2")
    # per-expert calls (Megatron-Core's grouped MLP): the preset's grouped GEMMs launch none
    per_expert = replace(DEEPSEEK_V3, fused_experts=False)
    kw = dict(model=k2, precision="bf16", ep=64, seq=256, software=per_expert)
    dual, stub = _step(**kw), _step(**kw, pp=1, dp=2048, microbatches=0)
    assert sm_share(dual, b200) < 1
    assert layer_time(stub, b200, True).host > 0  # the regime: launches not hidden
    pool = Pool(b200, 4096, "B200")
    moe = k2.layers - 1  # first_k_dense_replace 1
    assert sum(stage_times(stub, pool, 1, moe, True, True)) <= sum(
        stage_times(dual, pool, 1, moe, True, True)
    )
    got, old = layer_time(dual, b200, True), layer_time(stub, b200, True)
    assert got.forward + got.backward >= old.forward + old.backward
