"""The software settings of a training step (perfmodel.options) and the overlap rule."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.core.errors import InputError
from planner.perfmodel import comm
from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.memory import in_flight_chunks, in_flight_microbatches
from planner.perfmodel.model_spec import ModelSpec
from planner.perfmodel.options import DEEPSEEK_V3, Software
from planner.perfmodel.overlap import OVERLAP_SLOWDOWN, exposed, exposed_after, overlapped
from planner.perfmodel.stage import TrainingStep, layer_memory, pipeline_time, stage_cost

from .models import small_model


def _model(**kw) -> ModelSpec:
    return small_model(**{"max_seq": 4096, **kw})


def _step(**kw) -> TrainingStep:
    args = dict(
        tp=2,
        pp=2,
        dp=2,
        model=_model(),
        seq=2048,
        precision="bf16",
        microbatch=1,
        zero=1,
        sequence_parallel=True,
    )
    args.update(kw)
    return TrainingStep(**args)


def _pool():
    return Pool(get_gpu("H100"), 64, "H100")


def test_overlap_rule():
    k = OVERLAP_SLOWDOWN
    # fully hidden communication still slows the compute by k of it
    assert exposed_after(1.0, 10.0) == pytest.approx(k)
    # communication longer than the window: the rest is exposed
    assert exposed_after(10.0, 1.0) == pytest.approx(10.0 - (1 - k))
    assert exposed(3.0, 5.0, False) == 3.0
    assert overlapped(2.0, 1.0) == pytest.approx(2.0 + k)


def test_software_validation_and_round_trip():
    with pytest.raises(InputError, match="ep_overlap"):
        Software(ep_overlap="sometimes")
    with pytest.raises(InputError, match="moment_bytes"):
        Software(moment_bytes=3.0)
    with pytest.raises(InputError, match="trainable"):
        Software(trainable=0.0)
    assert Software.from_dict(DEEPSEEK_V3.to_dict()) == DEEPSEEK_V3
    # a fraction of an integer field was dropped, inf overflowed, nan / inf floats passed
    for data, fragment in (
        ({"lora_rank": 2.5}, "lora_rank must be an integer, got 2.5"),
        ({"node_limit": 0.5}, "node_limit must be an integer"),
        ({"lora_rank": float("inf")}, "lora_rank must be a finite number"),
        ({"moe_load": float("nan")}, "moe_load must be a finite number"),
        ({"capacity_factor": float("inf")}, "capacity_factor must be a finite number"),
    ):
        with pytest.raises(InputError, match=fragment):
            Software.from_dict(data, where="x.toml: software")
    assert Software.from_dict({"lora_rank": 16.0}).lora_rank == 16
    assert Software().to_dict() == {}
    assert Software(moment_bytes=2).optimizer_bytes == 8.0


def test_tp_overlap_hides_tensor_parallel_time():
    plain = stage_cost(_step(), _pool(), 4, 0, True, False)
    hidden = stage_cost(_step(software=Software(tp_overlap=True)), _pool(), 4, 0, True, False)
    assert hidden.micro < plain.micro
    assert dict(hidden.parts)["tp_comm"] < dict(plain.parts)["tp_comm"]


def test_parts_add_up_to_the_microbatch_time():
    for rc in ("none", "selective", "full", "offload"):
        st = stage_cost(_step(recompute=rc), _pool(), 4, 0, True, True)
        assert sum(v for _k, v in st.parts) == pytest.approx(st.micro, rel=1e-9)
        assert (dict(st.parts)["offload"] > 0) == (rc == "offload")


def test_partial_recompute_lies_between_none_and_full():
    pool = _pool()
    none = stage_cost(_step(recompute="none"), pool, 4, 0, False, False)
    two = stage_cost(_step(recompute="full", recompute_layers=2), pool, 4, 0, False, False)
    full = stage_cost(_step(recompute="full"), pool, 4, 0, False, False)
    assert none.micro < two.micro < full.micro
    assert full.memory.activations < two.memory.activations < none.memory.activations


def test_offload_keeps_no_stored_activations():
    pool = _pool()
    off = stage_cost(_step(recompute="offload"), pool, 4, 0, False, False)
    none = stage_cost(_step(recompute="none"), pool, 4, 0, False, False)
    assert off.memory.activations == 0 and none.memory.activations > 0
    assert off.micro >= none.micro


def test_offload_on_the_compute_stream_shows_every_copy():
    # PyTorch's save_on_cpu (torch's offload_wrapper, Composer's activation_cpu_offload)
    # copies on the compute stream: both directions add their whole copy time
    pool = _pool()
    step = _step(recompute="offload")
    serial = replace(step, software=Software(offload_streams=False))
    hidden = stage_cost(step, pool, 4, 0, False, False)
    shown = stage_cost(serial, pool, 4, 0, False, False)
    kept, _ = layer_memory(serial, False)
    assert dict(shown.parts)["offload"] == pytest.approx(2 * 4 * kept / pool.gpu.host_bw)
    assert dict(shown.parts)["offload"] > dict(hidden.parts)["offload"]
    gap = dict(shown.parts)["offload"] - dict(hidden.parts)["offload"]
    assert shown.micro - hidden.micro == pytest.approx(gap)
    assert shown.memory == hidden.memory  # where the copies run, not what stays on the GPU
    assert Software.from_dict({"offload_streams": False}) == serial.software
    with pytest.raises(InputError, match="offload_streams must be true or false"):
        Software.from_dict({"offload_streams": "no"})


def test_frozen_weights_have_no_optimizer_state_and_no_weight_gradients():
    pool = _pool()
    full = stage_cost(_step(), pool, 4, 0, False, False)
    frozen = stage_cost(_step(software=Software(trainable=0.5)), pool, 4, 0, False, False)
    lora = stage_cost(_step(software=Software(lora_rank=16)), pool, 4, 0, False, False)
    assert frozen.memory.optimizer == pytest.approx(full.memory.optimizer / 2)
    assert frozen.bwd < full.bwd
    assert lora.memory.optimizer < 0.05 * full.memory.optimizer
    assert lora.memory.weights > full.memory.weights  # base weights + adapters


def test_bf16_moments_halve_their_memory():
    pool = _pool()
    fp32 = stage_cost(_step(dp=1), pool, 4, 0, False, False)
    bf16 = stage_cost(_step(dp=1, software=Software(moment_bytes=2)), pool, 4, 0, False, False)
    assert bf16.memory.optimizer == pytest.approx(fp32.memory.optimizer * 8 / 12)


def test_bf16_reduction_halves_the_gradient_traffic_not_its_memory():
    # PyTorch FSDP reduce_dtype bf16 (Composer's PURE) with fp32 sharded gradients
    pool = _pool()
    fp32 = stage_cost(_step(tp=1, pp=1, dp=8, zero=3), pool, 4, 0, True, True)
    wire = stage_cost(
        _step(tp=1, pp=1, dp=8, zero=3, software=Software(reduce_bytes=2)), pool, 4, 0, True, True
    )
    bf16 = stage_cost(
        _step(tp=1, pp=1, dp=8, zero=3, software=Software(grad_bytes=2)), pool, 4, 0, True, True
    )
    assert wire.grad_sync < 0.55 * fp32.grad_sync  # half the bytes (ring latency unchanged)
    assert wire.grad_sync == pytest.approx(bf16.grad_sync)
    assert wire.param_gather == pytest.approx(fp32.param_gather)
    assert wire.micro < fp32.micro
    assert wire.memory.gradients == fp32.memory.gradients > bf16.memory.gradients
    assert Software(reduce_bytes=2).reduction_bytes == 2 and Software().reduction_bytes == 4
    with pytest.raises(InputError, match="reduce_bytes"):
        Software(reduce_bytes=1)


def test_node_limited_dispatch_sends_fewer_bytes_over_the_network():
    fab = comm.fabric_of(get_gpu("H800"))
    flex = comm.dispatch_all_to_all(4096, 8, 7168, 64, 8, fab, experts=256, backend="deepep")
    limited = comm.dispatch_all_to_all(
        4096, 8, 7168, 64, 8, fab, experts=256, node_limit=2, backend="deepep"
    )
    assert limited < flex < comm.dispatch_all_to_all(4096, 8, 7168, 64, 8, fab)
    assert comm.dispatch_all_to_all(4096, 8, 7168, 1, 8, fab, experts=256, backend="deepep") == 0.0


def test_dualpipe_bubble_and_in_flight():
    # DeepSeek-V3 Table 2: bubble (p/2 - 1)(F&B + B - 3W), p + 1 microbatches in flight
    assert pipeline_time(1.0, 16.0, 32, 16, 1, "dualpipe") == pytest.approx(32 + 7 * 2 / 3)
    assert pipeline_time(1.0, 16.0, 32, 16, 1) == pytest.approx(31 + 16)
    # a rank holds stage r and its mirror 15 - r: p + 1 in flight over the two
    assert (
        in_flight_microbatches(0, 16, 64, schedule="dualpipe")
        + in_flight_microbatches(15, 16, 64, schedule="dualpipe")
        == 17
    )
    counts = in_flight_chunks(0, 4, 8, 2)
    assert sum(counts) == 2 * 3 + 4 + 1 and counts[0] >= counts[1]
    step = replace(_step(), software=DEEPSEEK_V3)
    assert step.schedule == "dualpipe"


def test_fp8_gemms_keep_their_saved_inputs_in_fp8_by_default():
    """Transformer Engine keeps the quantized input of an fp8 GEMM for the backward: fp8 steps
    store less activation memory by default (was bf16 unless set), bf16 steps are unchanged,
    and ``fp8_activations=False`` (a framework that saves the bf16 input) restores bf16."""
    pool = _pool()

    def acts(precision: str, **sw) -> float:
        step = _step(precision=precision, software=Software(**sw))
        return stage_cost(step, pool, 4, 0, False, False).memory.activations

    assert acts("fp8") < acts("fp8", fp8_activations=False)
    assert acts("fp8", fp8_activations=False) == pytest.approx(acts("bf16"))
    assert acts("bf16") == pytest.approx(acts("bf16", fp8_activations=False))


def test_a_fused_loss_keeps_no_fp32_copy_of_the_logits():
    """flash-attention's fused cross entropy (LLM Foundry's default) keeps the bf16 logits and
    writes a bf16 gradient: 4 bytes per logit on the last stage instead of 6."""
    pool = _pool()

    def last_stage(**sw):
        return stage_cost(_step(software=Software(**sw)), pool, 4, 0, False, True).memory

    plain, fused = last_stage(), last_stage(fused_loss=True)
    assert fused.logits_fixed == pytest.approx(plain.logits_fixed * 4 / 6)
    assert fused.logits_fixed > 0
