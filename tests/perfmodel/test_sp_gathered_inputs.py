"""torchtitan's DTensor tensor parallelism keeps the gathered input of its column-parallel
linears (``Software.sp_gathered_inputs``): no backward re-gather, full-sequence saved inputs."""

from __future__ import annotations

import pytest

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.layer import column_backward_exposed, layer_cost
from planner.perfmodel.memory import GIB
from planner.perfmodel.options import Software
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import layer_time
from planner.train.api import make_problem
from planner.train.frameworks import software_defaults
from planner.train.instance import TrainingPlan
from planner.train.step_time import estimate, training_step

H100 = get_gpu("H100")
MODEL = "llama-3.1-8b"
T, B, S = 8, 2, 4096  # TP size, microbatch, sequence


def _problem(framework: str, **constraints):
    return make_problem(
        MODEL,
        "16xH100",
        global_batch=32,
        seq_len=S,
        framework=framework,
        prefer_simple=0.0,
        **constraints,
    )


def _plan(layers: int, recompute: str = "none") -> TrainingPlan:
    return TrainingPlan(
        tp=T,
        pp=1,
        dp=2,
        microbatch=B,
        recompute=recompute,
        zero=3,
        sequence_parallel=True,
        stage_layers=(layers,),
    )


def _extra_saved_bytes(layers: int) -> float:
    """What torchtitan saves beyond Megatron per microbatch, from the model's shape alone:
    the attention projections' and the MLP's inputs (two per layer), bf16, whole sequence
    instead of one ``1/t`` shard."""
    hidden = 4096  # meta-llama/Llama-3.1-8B config.json hidden_size
    assert load_model(MODEL).hidden == hidden
    return layers * 2 * 2.0 * B * S * hidden * (1 - 1 / T)


def test_only_the_torchtitan_profile_keeps_the_gathered_inputs():
    assert Software().sp_gathered_inputs is False
    assert software_defaults("torchtitan")["sp_gathered_inputs"] is True
    for name in ("megatron", "nemo", "deepspeed", "llmfoundry"):
        assert not software_defaults(name).get("sp_gathered_inputs", False), name


def test_torchtitan_layer_has_no_backward_regather():
    """Its backward moves what its forward moved (the all-gathers and reduce-scatters swap
    roles); Megatron's moves two more all-gathers, the re-gathered LayerNorm outputs."""
    kw = dict(micro_batch=B, seq=S, tp=T, sp=True, flash=True)
    model = load_model(MODEL)
    megatron = layer_cost(model, H100, **kw)
    titan = layer_cost(model, H100, gathered_inputs=True, **kw)
    assert titan.comm_bwd == pytest.approx(titan.comm_fwd)
    regather = comm.all_gather(B * S * model.hidden * 2.0, T, T, comm.fabric_of(H100))
    assert megatron.comm_bwd - titan.comm_bwd == pytest.approx(2 * regather)
    assert titan.fwd == megatron.fwd and titan.bwd == megatron.bwd  # kernels unchanged


def test_async_backward_without_regather_keeps_only_the_other_collectives():
    """Under the asynchronous column-parallel backward, no re-gather hides under the data
    gradient: what is left is the output gradient's all-gather and the overlapped
    reduce-scatter."""
    fab = comm.fabric_of(H100)
    nbytes = B * S * 4096 * 2.0
    data, weight = 1e-9, 1e-9  # nothing to hide under: every collective exposed
    kept = column_backward_exposed(H100, nbytes, T, T, True, data, weight, regather=False)
    again = column_backward_exposed(H100, nbytes, T, T, True, data, weight)
    gather = comm.all_gather(nbytes, T, T, fab)
    assert again - kept == pytest.approx(gather, rel=1e-3)


def test_torchtitan_plan_prices_no_regather_and_the_larger_saved_inputs():
    """The same TP + SP plan under the torchtitan and the Megatron profiles: torchtitan's
    layer has no backward re-gather, and its activations exceed Megatron's by the
    full-sequence inputs, computed here from the model's shape."""
    titan_p, mega_p = _problem("torchtitan"), _problem("megatron")
    layers = titan_p.model.layers
    plan = _plan(layers)
    titan, mega = estimate(titan_p, plan), estimate(mega_p, plan)
    extra = titan.memory.activations - mega.memory.activations
    assert extra == pytest.approx(_extra_saved_bytes(layers), rel=1e-9)
    assert extra / GIB > 1.0  # 32 layers x 2 x 2 x 2 x 4096 x 4096 x 7/8: 7 GiB
    one = layer_time(training_step(titan_p, plan), H100, False)
    assert one.comm_bwd == pytest.approx(one.comm_fwd)  # no re-gather in the backward
    # the same plan with the re-gather switched back on pays exactly the two all-gathers
    sw = titan_p.software.with_(sp_gathered_inputs=False)
    back = layer_time(training_step(_problem("torchtitan", software=sw), plan), H100, False)
    gather = comm.all_gather(B * S * 4096 * 2.0, T, T, comm.fabric_of(H100))
    assert back.comm_bwd - one.comm_bwd == pytest.approx(2 * gather)


def test_full_recompute_working_set_holds_the_gathered_inputs():
    """With full recompute only the (sharded) layer input is kept per layer, as with
    Megatron; the layer being back-propagated holds the gathered inputs."""
    titan_p, mega_p = _problem("torchtitan"), _problem("megatron")
    plan = _plan(titan_p.model.layers, recompute="full")
    titan, mega = estimate(titan_p, plan), estimate(mega_p, plan)
    assert titan.memory.activations - mega.memory.activations == pytest.approx(
        _extra_saved_bytes(1), rel=1e-9
    )


def test_without_sequence_parallelism_nothing_changes():
    """No sharded input, nothing gathered: the setting changes no price at sp off or tp 1."""
    model = load_model(MODEL)
    for kw in (dict(tp=T, sp=False), dict(tp=1, sp=True)):
        base = layer_cost(model, H100, micro_batch=B, seq=S, flash=True, **kw)
        assert (
            layer_cost(
                model, H100, micro_batch=B, seq=S, flash=True, gathered_inputs=True, **kw
            ).comm_bwd
            == base.comm_bwd
        )
    plan = TrainingPlan(
        tp=T, pp=1, dp=2, microbatch=B, zero=3, sequence_parallel=False, stage_layers=(32,)
    )
    on = make_problem(
        MODEL, "16xH100", global_batch=32, seq_len=S, software=Software(sp_gathered_inputs=True)
    )
    off = make_problem(MODEL, "16xH100", global_batch=32, seq_len=S)
    assert estimate(on, plan).memory.activations == estimate(off, plan).memory.activations


def test_async_tp_leaves_the_backward_reduce_scatters_exposed():
    """torch's async TP fuses a reduce-scatter only with the one matmul producing it; the
    input gradient of torchtitan's separate wq / wk / wv (w1 / w3) is a sum of matmuls, so the
    backward's two reduce-scatters run exposed while everything else overlaps
    (``Software.tp_overlap_bwd_scatter``). With GEMMs far longer than the collectives (70B,
    16 x 8192 tokens), each overlapped collective costs ``OVERLAP_SLOWDOWN`` of itself."""
    from planner.perfmodel.overlap import OVERLAP_SLOWDOWN

    model = load_model("llama-3.1-70b")
    kw = dict(micro_batch=16, seq=8192, tp=T, sp=True, flash=True, tp_overlap=True)
    kw["gathered_inputs"] = True
    whole = layer_cost(model, H100, **kw)
    titan = layer_cost(model, H100, bwd_scatter_overlap=False, **kw)
    assert titan.comm_fwd == whole.comm_fwd  # the forward's collectives all fuse
    scatter = comm.reduce_scatter(16 * 8192 * model.hidden * 2.0, T, T, comm.fabric_of(H100))
    gather = comm.all_gather(16 * 8192 * model.hidden * 2.0, T, T, comm.fabric_of(H100))
    assert whole.comm_bwd == pytest.approx(OVERLAP_SLOWDOWN * 2 * (gather + scatter))
    assert titan.comm_bwd == pytest.approx(OVERLAP_SLOWDOWN * 2 * gather + 2 * scatter)
    assert software_defaults("torchtitan")["tp_overlap_bwd_scatter"] is False
    assert Software().tp_overlap_bwd_scatter is True  # Transformer Engine's overlap
