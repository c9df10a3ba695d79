"""Step-time model: consistency of the fast and detailed paths, pipeline formulas, FLOPs,
and agreement with the published measurements (validation regression)."""

from __future__ import annotations

import random

import pytest

from planner.perfmodel.calibration.published import HELD_OUT, ROWS
from planner.perfmodel.hardware import parse_cluster
from planner.perfmodel.readers import load_model
from planner.train.calibration import predict
from planner.train.instance import Constraints, TrainingPlan, TrainingProblem, Workload
from planner.train.step_time import balanced_stage_layers, estimate, quick

from .conftest import problem, tiny_spec


def _korthikanti(name, t, p, B, b, v, mode):
    m = load_model(name)
    prob = TrainingProblem(
        name,
        m,
        parse_cluster(f"{t * p}xA100"),
        Workload(B, 2048),
        Constraints(overlap_grad_reduce=False, flash_attention=False),
    )
    plan = TrainingPlan(
        tp=t,
        pp=p,
        dp=1,
        microbatch=b,
        interleave=v,
        recompute="full" if mode == "full" else "selective",
        sequence_parallel=mode != "full",
        stage_layers=balanced_stage_layers(m.layers, p),
    )
    return estimate(prob, plan)


def test_held_out_korthikanti_rows_stay_within_the_reported_error():
    # Korthikanti et al. Table 5 is held out of the calibration fit; the report
    # (bench/results/calibration/report.md) gives 4.7 % mean, 9.2 % max error.
    rows = [r for r in ROWS if r.source == "korthikanti2022"]
    assert rows and all(r.split == HELD_OUT for r in rows)
    errors = [abs(predict(r) / r.value - 1) for r in rows]
    assert sum(errors) / len(errors) <= 0.05
    assert max(errors) <= 0.10


def test_hardware_flops_are_megatrons_96_formula():
    est = _korthikanti("gpt-1t", 8, 64, 512, 1, 1, "full")
    m = load_model("gpt-1t")
    B, s, L, h, V = 512, 2048, m.layers, m.hidden, m.vocab
    ref = 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h))
    assert est.hardware_flops == pytest.approx(ref, rel=2e-3)
    assert est.model_flops == pytest.approx(ref * 3 / 4, rel=2e-2)


def test_equal_stages_give_the_1f1b_formula():
    prob = problem(tiny_spec(layers=8), gpus="8xA100", batch=16)
    plan = TrainingPlan(tp=1, pp=4, dp=1, microbatch=1, stage_layers=(2, 2, 2, 2))
    est = estimate(prob, plan)
    umax = max(s.micro_time for s in est.stages)
    usum = sum(s.micro_time for s in est.stages)
    assert est.pipeline_time == pytest.approx((16 - 1) * umax + usum)
    inter = estimate(
        prob, TrainingPlan(tp=1, pp=4, dp=1, microbatch=1, interleave=2, stage_layers=(2, 2, 2, 2))
    )
    u = max(s.micro_time for s in inter.stages)
    assert inter.pipeline_time == pytest.approx((16 + 3 / 2) * u)


def test_flash_attention_drops_the_score_memory_and_time():
    kw = dict(gpus="8xA100", batch=64, seq=4096)
    plan = TrainingPlan(tp=1, pp=1, dp=8, microbatch=1, recompute="none", stage_layers=(24,))
    eager = estimate(problem(load_model("gpt-1.7b"), flash_attention=False, **kw), plan)
    flash = estimate(problem(load_model("gpt-1.7b"), flash_attention=True, **kw), plan)
    assert flash.step_time < eager.step_time
    assert flash.memory.activations < eager.memory.activations
    assert flash.model_flops == eager.model_flops  # the MFU numerator does not change


def test_recompute_trades_time_for_memory():
    prob = problem(load_model("gpt-1.7b"), gpus="8xA100", batch=64, seq=2048, flash_attention=False)
    ests = {
        rc: estimate(
            prob, TrainingPlan(tp=1, pp=1, dp=8, microbatch=2, recompute=rc, stage_layers=(24,))
        )
        for rc in ("none", "selective", "full")
    }
    assert ests["none"].step_time < ests["selective"].step_time < ests["full"].step_time
    mem = {k: v.memory.activations for k, v in ests.items()}
    assert mem["none"] > mem["selective"] > mem["full"]


def test_quick_matches_estimate():
    rng = random.Random(1)
    models = [load_model("gpt-7.5b"), load_model("mixtral-8x7b"), tiny_spec(layers=6)]
    checked = 0
    for _ in range(60):
        m = rng.choice(models)
        t = rng.choice([1, 2, 4, 8])
        p = rng.choice([x for x in (1, 2, 3, 4) if x <= m.layers])
        d = rng.choice([1, 2, 4])
        ep = rng.choice([1, 2]) if m.is_moe and d % 2 == 0 else 1
        prob = problem(
            m, gpus="64xH100", batch=32, seq=1024, overlap_grad_reduce=rng.random() < 0.5
        )
        plan = TrainingPlan(
            tp=t,
            pp=p,
            dp=d,
            ep=ep,
            microbatch=rng.choice([1, 2]),
            recompute=rng.choice(["none", "selective", "full"]),
            zero=rng.choice([0, 1]) if p > 1 else rng.choice([0, 1, 2, 3]),
            sequence_parallel=t > 1 and rng.random() < 0.5,
            stage_layers=balanced_stage_layers(m.layers, p),
        )
        q, e = quick(prob, plan), estimate(prob, plan)
        assert q.step_time == pytest.approx(e.step_time, rel=1e-12)
        assert q.fits == e.fits
        worst = e.worst_stage.memory
        assert q.memory == pytest.approx(worst.total - worst.reserved, rel=1e-12)
        checked += 1
    assert checked == 60


def test_more_gpus_more_throughput_for_data_parallel():
    prob = problem(load_model("gpt-1.7b"), gpus="64xA100", batch=256, seq=2048)
    a = estimate(
        prob,
        TrainingPlan(tp=1, pp=1, dp=8, microbatch=4, recompute="selective", stage_layers=(24,)),
    )
    b = estimate(
        prob,
        TrainingPlan(tp=1, pp=1, dp=32, microbatch=4, recompute="selective", stage_layers=(24,)),
    )
    assert b.step_time < a.step_time
    assert b.step_time > a.step_time / 4  # never super-linear
