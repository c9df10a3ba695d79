"""Frozen weights (LoRA, a trained share below 1) compute no weight gradient: the step time
skips those GEMMs, so the model and hardware FLOPs of the step must leave them out too.
Before, LoRA on Qwen3-32B / 8 H100 reported 714 hardware TFLOP/s per GPU (72 % MFU), above
what the step model's own GEMMs can reach."""

from __future__ import annotations

from dataclasses import replace

from planner.perfmodel.kernels import gemm_efficiency
from planner.perfmodel.layer import head_cost
from planner.perfmodel.options import Software
from planner.train.api import make_problem
from planner.train.instance import TrainingPlan
from planner.train.step_time import estimate

PLAN = TrainingPlan(tp=1, pp=1, dp=8, cp=1, microbatch=1, recompute="none", zero=3)


def _estimates():
    full = make_problem("llama-3.1-8b", "8xH100", global_batch=64, seq_len=4096)
    plan = replace(PLAN, stage_layers=(full.model.layers,))
    lora = replace(full, software=Software(lora_rank=16))
    half = replace(full, software=Software(trainable=0.5))
    return full, estimate(full, plan), estimate(lora, plan), estimate(half, plan)


def test_lora_flops_leave_out_the_frozen_weight_gradients():
    prob, full, lora, half = _estimates()
    m = prob.model
    tokens = 64 * 4096
    wgrad = 2.0 * tokens * m.linear_params_active()  # the layers' and the LM head's
    assert abs(full.model_flops - lora.model_flops - wgrad) <= 1e-9 * full.model_flops
    assert abs(full.model_flops - half.model_flops - wgrad / 2) <= 1e-9 * full.model_flops
    assert lora.step_time < full.step_time


def test_lora_step_skips_the_frozen_lm_head_weight_gradient():
    """PEFT's LoRA freezes the LM head: its weight-gradient GEMM (N x V x h) is not run."""
    prob = _estimates()[0]
    m = prob.model
    gpu = prob.cluster.pools[0].gpu
    kw = dict(micro_batch=1, seq=4096, tp=1)
    trained = head_cost(m, gpu, **kw)
    frozen = head_cost(m, gpu, **kw, wgrad=0.0)
    assert frozen.bwd < trained.bwd
    assert frozen.fwd == trained.fwd


def test_lora_hardware_rate_stays_under_the_gemm_ceiling():
    prob, _full, lora, _half = _estimates()
    gpu = prob.cluster.pools[0].gpu
    ceiling = gemm_efficiency(gpu, "bf16") * gpu.peak_flops("bf16") / 1e12
    assert lora.hardware_tflops_per_gpu <= ceiling
