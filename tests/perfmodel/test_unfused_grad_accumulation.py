"""Gradient accumulation outside the weight-gradient GEMM (Megatron-LM 2021, s22kort)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.perfmodel.calibration.published import NARAYANAN_SOFTWARE, TRAINING_ROWS
from planner.perfmodel.hardware import Pool, get_gpu
from planner.perfmodel.kernels import memory_time
from planner.perfmodel.options import Software
from planner.perfmodel.stage import TrainingStep, grad_accumulation_bytes, stage_cost

from .models import small_model

UNFUSED_FP16 = Software(grad_bytes=2, unfused_grad_accumulation=True)


def _step(**kw) -> TrainingStep:
    args = dict(
        tp=2,
        pp=2,
        dp=2,
        model=small_model(max_seq=2048),
        seq=2048,
        precision="fp16",
        microbatch=1,
        zero=0,
        recompute="full",
        microbatches=8,
        software=UNFUSED_FP16,
    )
    args.update(kw)
    return TrainingStep(**args)


def _pool() -> Pool:
    return Pool(get_gpu("A100"), 8, "A100")


def test_bytes_per_parameter_and_microbatch():
    # fp16 AccumulateGrad: read the new and the accumulated gradient, write the sum (6 B),
    # on every microbatch but the first, whose gradient becomes the accumulator
    assert grad_accumulation_bytes(UNFUSED_FP16, 8) == pytest.approx(6.0 * 7 / 8)
    assert grad_accumulation_bytes(UNFUSED_FP16, 1) == 0.0
    # an fp32 accumulator (a hook adding into fp32 main_grad): 2 + 4 + 4
    fp32 = Software(unfused_grad_accumulation=True)
    assert grad_accumulation_bytes(fp32, 1000) == pytest.approx(10.0 * 999 / 1000)
    # fused into the weight-gradient GEMM (the default): nothing
    assert grad_accumulation_bytes(Software(grad_bytes=2), 8) == 0.0


def test_the_pass_lengthens_the_backward_by_its_memory_time():
    fused = stage_cost(_step(software=Software(grad_bytes=2)), _pool(), 4, 0, False, False)
    unfused = stage_cost(_step(), _pool(), 4, 0, False, False)
    extra = memory_time(get_gpu("A100"), 6.0 * 7 / 8 * unfused.params)
    assert extra > 0
    assert unfused.bwd - fused.bwd == pytest.approx(extra)
    assert unfused.micro - fused.micro == pytest.approx(extra, rel=1e-6)
    # the parts still add up to the microbatch time, the pass counted as compute
    assert sum(v for _, v in unfused.parts) == pytest.approx(unfused.micro)
    assert dict(unfused.parts)["compute"] - dict(fused.parts)["compute"] == pytest.approx(extra)


def test_sharded_gradients_do_not_accumulate():
    # ZeRO-2/3 reduce-scatter every microbatch's gradient (sharded_grad_bytes prices that)
    for zero in (2, 3):
        a = stage_cost(
            _step(zero=zero, software=Software(grad_bytes=2)), _pool(), 4, 0, False, False
        )
        b = stage_cost(_step(zero=zero), _pool(), 4, 0, False, False)
        assert a.micro == pytest.approx(b.micro)


def test_table1_rows_are_fp16_with_unfused_accumulation():
    sw = Software.from_dict(dict(NARAYANAN_SOFTWARE))
    assert sw.unfused_grad_accumulation and sw.grad_bytes == 2
    rows = [r for r in TRAINING_ROWS if r.source == "narayanan2021"]
    assert len(rows) == 10 and all(dict(r.software) == dict(NARAYANAN_SOFTWARE) for r in rows)
    # nothing else carries the 2021 accumulation (Table 5's 2022 code fused it)
    others = [r for r in TRAINING_ROWS if r.source != "narayanan2021"]
    assert not any(dict(r.software).get("unfused_grad_accumulation") for r in others)
    # Table 5: fp32 gradients (the paper's 18 bytes per parameter), accumulated by the GEMM
    table5 = [r for r in others if r.source == "korthikanti2022"]
    assert len(table5) == 8
    assert all(Software.from_dict(dict(r.software)).grad_bytes == 4 for r in table5)


def test_the_1t_table1_step_grows_by_the_pass():
    import planner.train  # noqa: F401  (the predictor)
    from planner.train.calibration import row_estimate

    row = next(r for r in TRAINING_ROWS if r.id == "narayanan2021/gpt-1008b")
    fused = dict(row.software) | {"unfused_grad_accumulation": False}
    base = row_estimate(replace(row, software=tuple(fused.items())))
    est = row_estimate(row)
    # 512 microbatches of one sequence: 6 B per parameter each on ~2.1 B parameters per GPU,
    # about 9.6 ms per microbatch on an A100, some 5 % of the step
    grow = est.step_time / base.step_time - 1
    assert 0.03 < grow < 0.07
