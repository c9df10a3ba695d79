"""ZeRO-2/3 (FSDP) per-microbatch terms: where the collectives hide, and the gradient passes."""

from __future__ import annotations

import pytest

from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.options import Software
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN, exposed_after
from planner.perfmodel.stage import (
    TrainingStep,
    sharded_exposed,
    sharded_grad_bytes,
    stage_cost,
)

from .models import small_model

#: Composer's FSDP setup of the LLM Foundry runs: bf16 reductions (``PURE``), the backward's
#: gathered weights serve the recomputed forward.
FSDP = Software(reduce_bytes=2, recompute_gathers=False)


def _step(**kw) -> TrainingStep:
    args = dict(
        tp=1,
        pp=1,
        dp=64,
        model=small_model(max_seq=4096),
        seq=512,
        precision="bf16",
        microbatch=2,
        zero=3,
        recompute="full",
        software=FSDP,
    )
    args.update(kw)
    return TrainingStep(**args)


def _pool(gpu: str = "A100-40GB", gpus: int = 64) -> Pool:
    return Pool(get_gpu(gpu), gpus, gpu)


def test_forward_gathers_hide_behind_the_forward_only():
    # 64 A100-40GB over the NICs, micro-batch 2: each layer's gather takes longer than its
    # forward, while the backward (with the recomputed forward) hides its re-gather and
    # reduce-scatter. The forward exposes at least g - (1 - k) F whatever the backward
    # leaves free; the old rule hid all of it behind forward + backward together.
    k = OVERLAP_SLOWDOWN
    st = stage_cost(_step(), _pool(), 4, 0, False, False)
    g, s = st.param_gather, st.grad_sync
    assert g > st.fwd and g + s < (1 - k) * st.bwd  # the regime the test is about
    dp = dict(st.parts)["dp_comm"]
    assert dp >= g - (1 - k) * st.fwd + k * (g + s)
    old = exposed_after(2 * g + s, st.fwd + st.bwd)  # both passes as one window
    assert dp > old * 1.2


def test_first_gather_and_last_reduction_wait():
    # with far more compute than communication only the first unit's gather and the last
    # unit's reduce-scatter are exposed in full; the rest costs k of its time
    k = OVERLAP_SLOWDOWN
    assert sharded_exposed(10.0, 20.0, 4.0, 6.0, 1.0, 0.5) == pytest.approx(
        1.0 + k * 3.0 + k * 5.5 + 0.5
    )
    # a forward shorter than its gathers exposes the difference even with an idle backward
    assert sharded_exposed(1.0, 100.0, 4.0, 0.0, 0.0, 0.0) == pytest.approx(4.0 - (1 - k))
    # one unit: its gather and reduction are all there is
    assert sharded_exposed(5.0, 5.0, 1.0, 2.0, 1.0, 2.0) == pytest.approx(3.0)


def test_zero3_units_pay_their_first_gather_once_per_microbatch():
    # a stage of many small layers on a fast network: per microbatch at least one layer's
    # gather and one layer's reduce-scatter (the 1-layer stage's volumes) are exposed
    pool = _pool("H100", 8)
    step = _step(dp=8, microbatch=8, recompute="none", software=Software())
    one = stage_cost(step, pool, 1, 0, False, False)
    many = stage_cost(step, pool, 8, 0, False, False)
    traffic = memory_time(pool.gpu, sharded_grad_bytes(step.software) * many.params)
    dp = dict(many.parts)["dp_comm"]
    assert dp >= one.param_gather + one.grad_sync + traffic


@pytest.mark.parametrize(
    ("software", "expected"),
    [(Software(), 18.0), (Software(reduce_bytes=2), 8.0), (Software(grad_bytes=2), 8.0)],
)
def test_sharded_gradient_passes(software, expected):
    # flatten copy (2 + 2), cast bf16 -> fp32 (2 + 4), pre-divide in place (4 + 4); with bf16
    # reductions no cast and a bf16 divide (torch FSDP _post_backward_hook / _reduce_grad)
    assert sharded_grad_bytes(software) == expected


def test_sharded_gradient_passes_are_paid_every_microbatch():
    # ZeRO-3 on one NVLink node against ZeRO-1 (gradients accumulated, reduced once per
    # step): every microbatch moves the unsharded gradient through HBM before its
    # reduce-scatter, so the per-token cost falls with the micro-batch size
    pool = _pool("H100", 8)
    for b in (1, 4):
        z1 = stage_cost(_step(dp=8, zero=1, microbatch=b), pool, 4, 0, False, False)
        z3 = stage_cost(_step(dp=8, zero=3, microbatch=b), pool, 4, 0, False, False)
        passes = memory_time(pool.gpu, sharded_grad_bytes(FSDP) * z3.params)
        assert z3.micro - z1.micro >= passes > 0


def test_early_stop_skips_the_output_projection_of_a_recomputed_layer():
    # PyTorch >= 2.1 non-reentrant checkpoint: the MLP's output projection saves its input
    # before it runs, so the recomputation stops there and that GEMM is not re-run
    from planner.perfmodel.kernels import gemm_time
    from planner.perfmodel.layer import layer_cost

    model = small_model(max_seq=4096)
    gpu = get_gpu("H100")
    kw = dict(micro_batch=4, seq=2048, tp=1, recompute="full", flash=True)
    full = layer_cost(model, gpu, **kw)
    early = layer_cost(model, gpu, early_stop=True, **kw)
    out_proj = gemm_time(gpu, 4 * 2048, model.hidden, model.ffn, "bf16")
    assert full.recompute - early.recompute == pytest.approx(out_proj)
    assert (full.fwd, full.bwd) == (early.fwd, early.bwd)
    assert early.flops_recompute == pytest.approx(
        full.flops_recompute - 2 * 4 * 2048 * model.hidden * model.ffn
    )
    # no recomputation, nothing to stop
    assert layer_cost(model, gpu, **{**kw, "recompute": "none"}, early_stop=True) == layer_cost(
        model, gpu, **{**kw, "recompute": "none"}
    )


def test_early_stop_hardware_flops_skip_the_output_projection():
    from dataclasses import replace

    from planner.perfmodel.stage import step_flops

    step = _step(recompute="full", software=Software())
    model = step.model
    full_model, full_hw = step_flops(step, 64)
    stop = replace(step, software=Software(recompute_early_stop=True))
    stop_model, stop_hw = step_flops(stop, 64)
    assert stop_model == full_model
    tokens = 64 * step.seq
    assert full_hw - stop_hw == pytest.approx(tokens * 2 * model.hidden * model.ffn * model.layers)
