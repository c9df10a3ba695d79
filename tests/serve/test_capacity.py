"""The batching + queueing model: forward metrics vs capacity search."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve.capacity import RoleModel
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

ENGINE = EngineModel(load_model("llama-3.1-8b"), ReplicaConfig(get_gpu("H100"), 1), "fp8")
TRAFFIC = Traffic(None, parse_lengths("exp:800", what="p"), parse_lengths("exp:200", what="o"))


def model(role="both", ttft=0.5, tpot=0.03, q=0.99, chunk=2048, online=True, **kw):
    return RoleModel(ENGINE, role, TRAFFIC, SLO(ttft, tpot, q), chunk=chunk, online=online, **kw)


@pytest.mark.parametrize("role", ["both", "prefill", "decode"])
def test_capacity_point_is_feasible_and_forward_model_agrees(role):
    rm = model(role)
    cap, point, floor = rm.capacity()
    assert cap > 0 and point.feasible and floor.feasible
    fwd = rm.at_rate(cap)
    assert fwd.feasible, fwd.violations
    assert math.isclose(fwd.rate, cap)
    beyond = rm.at_rate(cap * 1.05)
    assert not beyond.feasible


@settings(max_examples=20, deadline=None)
@given(st.floats(0.05, 0.95), st.sampled_from(["both", "prefill", "decode"]))
def test_metrics_grow_with_load(frac, role):
    rm = model(role, ttft=None, tpot=None)
    cap, _, _ = rm.capacity()
    lo, hi = rm.at_rate(cap * frac * 0.5), rm.at_rate(cap * frac)
    assert hi.ttft_s >= lo.ttft_s - 1e-12
    assert hi.tpot_s >= lo.tpot_s - 1e-12
    assert hi.kv_tokens >= lo.kv_tokens - 1e-9
    assert hi.batch >= lo.batch


def test_tighter_slo_never_raises_capacity():
    loose = model(ttft=2.0, tpot=0.08).capacity()[0]
    tight = model(ttft=0.2, tpot=0.02).capacity()[0]
    assert tight <= loose


def test_higher_percentile_never_raises_capacity():
    assert model(q=0.999).capacity()[0] <= model(q=0.9).capacity()[0]


def test_impossible_tpot_gives_zero_with_reason():
    cap, _, floor = model(tpot=1e-4).capacity()
    assert cap == 0 and any("TPOT" in v for v in floor.violations)


def test_offline_capacity_is_memory_or_prefill_bound():
    rm = model(ttft=None, tpot=None, online=False)
    _cap, point, _ = rm.capacity()
    assert point.kv_tokens <= point.kv_capacity * (1 + 1e-9)
    # saturating: either the cache is full or prefill eats almost all the time
    assert point.kv_tokens >= 0.99 * point.kv_capacity or point.utilization > 0.99


def test_reserve_admission_holds_more_kv_and_serves_less():
    on = model(ttft=None, tpot=None, online=False).capacity()[0]
    res = model(ttft=None, tpot=None, online=False, kv_admission="reserve").capacity()[0]
    assert res < on


def test_decode_role_tpot_is_the_step_time_plus_the_hand_over():
    step = float(ENGINE.base_time(32.0, 32.0, TRAFFIC.decode_context))
    # online a request decodes beside Poisson(B) others: its own steps run at B + 1
    own = float(ENGINE.base_time(33.0, 33.0, TRAFFIC.decode_context))
    for online in (False, True):
        pt = model("decode", ttft=None, tpot=None, online=online).at_batch(32.0)
        assert pt.tpot_mean_s == pytest.approx(step)
        mine = own if online else step
        assert pt.rate == pytest.approx(32.0 / (TRAFFIC.mean_decode_tokens * mine))
        # the p99 adds the wait for the running iteration (at most one step over D >= 1
        # tokens) and, online, the batch's fluctuation
        assert step < pt.tpot_s
        if not online:
            assert pt.tpot_s <= 2 * step


def test_bursty_arrivals_lower_ttft_capacity():
    bursty = Traffic(None, TRAFFIC.prompt, TRAFFIC.output, arrival_scv=4.0)
    smooth = RoleModel(ENGINE, "prefill", TRAFFIC, SLO(0.3, None), chunk=16384).capacity()[0]
    rough = RoleModel(ENGINE, "prefill", bursty, SLO(0.3, None), chunk=16384).capacity()[0]
    assert rough < smooth


def test_max_batch_caps_capacity():
    free = model("decode", ttft=None, tpot=None).capacity()
    capped = model("decode", ttft=None, tpot=None, max_batch=8).capacity()
    assert capped[0] < free[0] and capped[1].batch <= 8 * (1 + 1e-9)


def test_saturated_rate_is_reported():
    rm = model("decode", ttft=None, tpot=None)
    cap = rm.capacity()[0]
    pt = rm.at_rate(cap * 3)
    assert not pt.feasible and "saturated" in pt.violations[0]


def test_prefill_engine_shares_its_fixed_iteration_cost_with_the_batch():
    """A prefill engine batches its queue: at vanishing load each prompt pays a whole
    iteration (fixed cost t0 + its work), at higher load the busy time per prompt falls
    towards its work alone, and the busy fraction stays below 1 while lam E[x] < 1."""
    rm = model("prefill", ttft=None, tpot=None, chunk=16384)
    t0 = rm.batch_fixed_cost()
    # a prompt's compute hides part of the weights read of an empty step (roofline)
    assert 0.0 <= t0 <= float(ENGINE.base_time(1e-9, 0.0, 0.0))
    lam = 1e-6
    per_prompt = rm.at_rate(lam).utilization / lam
    work = per_prompt - t0  # > 0: the whole fixed cost is in the low-load busy time
    assert work > 0
    # at half the work-only capacity the per-prompt busy time is below t0 + work
    mid = 0.5 / work
    u = rm.at_rate(mid).utilization
    assert work < u / mid < t0 + work and u < 1.0
