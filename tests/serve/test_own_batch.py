"""A decoding request runs beside the others: its iterations at batch ``B + 1`` online.

Issue 19 (s31interf): a qwen3-30b-a3b replica on one GPU at 1 req/s (mean batch 2) had a model
p99 TPOT of 21.0 ms where the simulator read 31.9 ms, because the model timed a request's
iterations at the time-average batch ``B`` while every sequence decodes beside ``Poisson(B)``
others (M/G/inf), and a small MoE batch's step grows by a sequence's experts.
"""

from __future__ import annotations

import pytest

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

MOE = EngineModel(load_model("qwen3-30b-a3b"), ReplicaConfig(get_gpu("H100"), 1), "bf16")
TRAFFIC = Traffic(None, parse_lengths("exp:800", what="p"), parse_lengths("exp:200", what="o"))


def step(b: float) -> float:
    return float(MOE.base_time(b, b, TRAFFIC.decode_context))


@pytest.mark.parametrize("role", ["both", "decode"])
def test_a_small_moe_batch_is_timed_at_the_requests_own_batch(role):
    B = 2.0
    assert step(B + 1) > 1.1 * step(B)  # the case: each sequence reads its own experts
    pt = RoleModel(MOE, role, TRAFFIC, SLO(None, None, 0.5), chunk=2048).at_batch(B)
    # the median request decodes at its own batch (old: about t(B), 15 % below)
    assert pt.tpot_s >= step(B + 1)
    # Little's law over the iterations a request runs in: B = rate E[D] T_own with
    # T_own >= t(B + 1) (old: the rate of iterations at t(B), 18 % more)
    assert pt.rate * TRAFFIC.mean_decode_tokens * step(B + 1) <= B * (1 + 1e-9)


def test_offline_the_batch_is_the_batch():
    B = 2.0
    pt = RoleModel(MOE, "decode", TRAFFIC, SLO(None, None, 0.99), online=False).at_batch(B)
    assert pt.rate == pytest.approx(B / (TRAFFIC.mean_decode_tokens * step(B)))
