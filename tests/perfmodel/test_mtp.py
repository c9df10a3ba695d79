"""Multi-token-prediction modules (DeepSeek-V3): read from the config, costed on the last stage."""

from __future__ import annotations

from dataclasses import replace

from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import TrainingStep, layer_time, stage_cost

from .models import small_model


def _step(model) -> TrainingStep:
    return TrainingStep(
        tp=1, pp=2, dp=2, model=model, seq=2048, precision="bf16", microbatch=1, zero=1
    )


def test_config_field_becomes_mtp_layers_outside_the_parameter_count():
    v3 = load_model("deepseek-v3")
    assert v3.mtp_layers == 1
    assert replace(v3, mtp_layers=0).params_total == v3.params_total


def test_mtp_module_costs_a_block_and_a_head_on_the_last_stage_only():
    base = small_model()
    pool = Pool(get_gpu("H100"), 64, "H100")
    plain, mtp = _step(base), _step(replace(base, mtp_layers=1))
    first = (4, 0, True, False)
    last = (4, 0, False, True)
    assert stage_cost(mtp, pool, *first) == stage_cost(plain, pool, *first)
    a, b = stage_cost(plain, pool, *last), stage_cost(mtp, pool, *last)
    block = layer_time(plain, pool.gpu, False)
    # at least one more block forward and backward, and more than just that (projection, head)
    assert b.fwd > a.fwd + block.fwd
    assert b.bwd > a.bwd + block.bwd
    assert b.params > a.params
    assert b.memory.total(1) > a.memory.total(1)


def test_mtp_projection_runs_at_the_steps_gemm_efficiency():
    """On CDNA3 a source build (``tuned_kernels`` false) prices every GEMM at the
    serving-fitted efficiency: the MTP module's projection too, not only the blocks."""
    from planner.perfmodel import constants
    from planner.perfmodel.options import Software

    model = replace(small_model(), mtp_layers=1)
    pool = Pool(get_gpu("MI325X"), 64, "MI325X")
    last = (4, 0, False, True)
    values = {"gemm_efficiency_cdna3": 0.3, "gemm_efficiency_cdna3_training": 0.6}
    with constants.override(values):
        built = replace(_step(model), software=Software(tuned_kernels=False))
        plain = replace(built, model=replace(model, mtp_layers=0))
        slow = stage_cost(built, pool, *last).fwd - stage_cost(plain, pool, *last).fwd
    with constants.override({**values, "gemm_efficiency_cdna3_training": 0.3}):
        tuned = replace(_step(model), software=Software(tuned_kernels=True))
        plain = replace(tuned, model=replace(model, mtp_layers=0))
        same = stage_cost(tuned, pool, *last).fwd - stage_cost(plain, pool, *last).fwd
    # both price the module's GEMMs at 0.3: the source build's MTP costs what the tuned one does
    assert abs(slow - same) < 1e-9 * max(slow, 1e-9)
