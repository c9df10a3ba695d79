"""The capacity search's shortcuts change no answer beyond the bisection's own tolerance.

``TpotLaw.within`` / ``ResponseLaw.within`` decide a target without computing the quantile;
the forward model bisects on the rate alone; the capacity search finds the end of the
feasible range by Brent's method instead of a bisection. Each is compared here with the
plain computation, written separately: the decisions with the computed quantiles (exact),
``at_rate`` with a bisection over full operating points (exact), ``capacity`` with a
bisection over full operating points (within that bisection's tolerance: 1e-5 of the batch,
1e-6 of the rate of a prefill engine; the point returned is the forward model's at its
batch or rate, exactly), and whole plans with plans solved through that reference capacity
(same replicas and cost; the loads routed to them to 1e-9).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.serve as serve
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.serving_features import Speculative
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import candidates as cand_mod
from planner.serve import capacity as cap_mod
from planner.serve.capacity import RoleModel
from planner.serve.queueing import ResponseLaw, TpotLaw
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

#: Relative offsets of the limits tried around a quantile (both signs).
NEAR = (0.0, 1e-15, 1e-12, 1e-9, 1e-8, 1e-7, 2e-7, 3e-7, 5e-7, 1e-6, 1e-4, 1e-2, 0.3)


def limits_around(value: float, *ends: float) -> list[float]:
    """Limits at, just beside and around ``value`` (and at the search bracket's ends)."""
    out = [value * (1 + s * e) for e in NEAR for s in (1, -1)]
    out += [float(np.nextafter(value, -math.inf)), float(np.nextafter(value, math.inf))]
    return out + [float(e) for e in ends]


positive = st.floats(1e-4, 0.2)


@settings(max_examples=60, deadline=None)
@given(
    tau0=st.floats(1e-3, 0.1),
    delta=st.lists(st.floats(0.0, 0.3), min_size=1, max_size=5),
    p_chunk=st.floats(0.0, 1.0),
    lengths=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=6),
    q=st.sampled_from([0.5, 0.9, 0.99]),
    noise=st.floats(0.0, 0.01),
    capped=st.booleans(),
    queued=st.sampled_from([0.0, 0.3, 4.0, 80.0]),
    residual=st.sampled_from([0.0, 0.004]),
)
def test_tpot_decision_equals_the_computed_quantile(
    tau0, delta, p_chunk, lengths, q, noise, capped, queued, residual
):
    w = np.linspace(1.0, 2.0, len(lengths))
    cap = [0.02 * (i + 1) for i in range(len(delta))] if capped else None
    law = TpotLaw(
        tau0,
        delta,
        p_chunk,
        lengths,
        w,
        q,
        noise,
        extra_weights=np.ones(len(delta)),
        extra_cap=cap,
        queued=queued,
        residual=residual,
    )
    value = law.quantile()
    ends = () if law.trivial else (law.lo, law.hi, law.lo - law.floor)
    for limit in limits_around(value, *ends):
        assert law.within(limit) == (not value > limit), (value, limit)


@settings(max_examples=60, deadline=None)
@given(
    rho=st.floats(0.0, 1.2),
    es=positive,
    cs2=st.floats(0.0, 3.0),
    lo=st.lists(st.floats(1e-3, 0.5), min_size=1, max_size=5),
    widen=st.floats(0.0, 2.0),
    q=st.sampled_from([0.5, 0.9, 0.99]),
    ca2=st.sampled_from([1.0, 2.5]),
    offset=st.sampled_from([0.0, 0.013]),
)
def test_ttft_decision_equals_the_computed_quantile(rho, es, cs2, lo, widen, q, ca2, offset):
    own_lo = np.asarray(lo)
    own_hi = own_lo * (1 + widen * np.linspace(0.0, 1.0, own_lo.size))
    law = ResponseLaw(
        rho / es, es, (1 + cs2) * es * es, own_lo, own_hi, np.ones(own_lo.size), q, ca2
    )
    value = law.quantile()
    for limit in limits_around(value + offset):
        if math.isfinite(limit):
            assert law.within(limit, offset) == (not value + offset > limit)


# ------------------------------------------------------------------ reference bisections
def reference_capacity(rm: RoleModel):
    """The capacity search over full operating points (percentiles computed at each)."""
    if rm.role == "prefill" or rm.traffic.mean_decode_tokens <= 0:
        floor = rm.at_rate(0.0)
        if not floor.feasible:
            return 0.0, floor, floor
        hi = rm.prefill_saturation_rate()
        lo, best = 0.0, floor
        for _ in range(60):
            mid = (lo + hi) / 2
            pt = rm.at_rate(mid)
            if pt.feasible:
                lo, best = mid, pt
            else:
                hi = mid
            if hi - lo <= 1e-6 * hi:
                break
        return best.rate, best, floor
    hi_b = rm.batch_limit()
    floor = rm.at_batch(min(1e-6, max(hi_b, 1e-12)))
    if not floor.feasible or hi_b <= 1e-6:
        return 0.0, floor, floor
    top = rm.at_batch(hi_b)
    if top.feasible:
        return top.rate, top, floor
    lo_b, best = 1e-6, floor
    for _ in range(60):
        mid = math.sqrt(lo_b * hi_b) if hi_b > 4 * lo_b else (lo_b + hi_b) / 2
        pt = rm.at_batch(mid)
        if pt.feasible:
            lo_b = mid
            if pt.rate > best.rate:
                best = pt
        else:
            hi_b = mid
        if hi_b - lo_b <= 1e-5 * hi_b:
            break
    return best.rate, best, floor


def reference_at_rate(rm: RoleModel, lam: float):
    """The forward model's bisection on full operating points (decode roles, rate > 0)."""
    hi = rm.batch_limit()
    lo = 0.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if rm.at_batch(mid).rate < lam:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, hi):
            break
    return rm.at_batch(hi)


LLAMA8 = load_model("llama-3.1-8b")
PROMPTS, OUTPUTS = parse_lengths("exp:1000", what="p"), parse_lengths("exp:200", what="o")


def traffic(**kw):
    return replace(Traffic(None, PROMPTS, OUTPUTS), **kw)


CASES = [  # (id, engine, role, traffic, slo, RoleModel options)
    (
        "both",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1)),
        "both",
        traffic(),
        SLO(0.5, 0.03),
        {},
    ),
    (
        "both-A100-chunk512",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("A100"), 2)),
        "both",
        traffic(),
        SLO(1.0, 0.05),
        {"chunk": 512},
    ),
    (
        "decode",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1)),
        "decode",
        traffic(),
        SLO(None, 0.02),
        {},
    ),
    (
        "prefill",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1)),
        "prefill",
        traffic(),
        SLO(0.4, None),
        {"chunk": 16384},
    ),
    (
        "bursty-prefix",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1), "fp8"),
        "both",
        traffic(arrival_scv=2.0, prefix_hit_rate=0.4),
        SLO(0.8, 0.04, 0.9),
        {},
    ),
    (
        "reserve-cap",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("L40S"), 1), "fp8"),
        "both",
        traffic(),
        SLO(2.0, 0.08),
        {"kv_admission": "reserve", "max_batch": 24, "kv_block_tokens": 16},
    ),
    (
        "speculative",
        EngineModel(
            LLAMA8, ReplicaConfig(get_gpu("H100"), 1), "bf16", "bf16", Speculative("eagle", 3, 0.7)
        ),
        "both",
        traffic(),
        SLO(1.0, 0.02),
        {},
    ),
    (
        "offline",
        EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1)),
        "both",
        traffic(),
        SLO(None, None),
        {"online": False},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_capacity_equals_the_full_bisection(case):
    _, engine, role, tr, slo, opts = case
    rm = RoleModel(engine, role, tr, slo, **opts)
    got, ref = rm.capacity(), reference_capacity(rm)
    assert got[2] == ref[2]  # the zero-load point
    # both searches stop with the feasible end within the tolerance below the same crossing
    prefill = role == "prefill"
    assert got[0] == pytest.approx(ref[0], rel=1e-6 if prefill else 1e-5, abs=1e-12)
    assert got[1].feasible or got[0] == 0.0
    if got[0] > 0:  # the point returned is the forward model's at its own load
        assert got[1] == (rm.at_rate(got[0]) if prefill else rm.at_batch(got[1].batch))
    if role != "prefill" and got[0] > 0:
        for frac in (0.3, 0.97):
            assert rm.at_rate(got[0] * frac) == reference_at_rate(rm, got[0] * frac)


PLANS = [  # small problems: colocated and disaggregated, two GPU types
    (
        "llama-3.1-8b",
        "H100:4,A100:4",
        {"qps": 6, "ttft": "1s", "tpot": "40ms", "disaggregation": "allow"},
    ),
    ("llama-3.1-8b", "H100:4,L40S:4", {"qps": 3, "ttft": "500ms", "tpot": "30ms"}),
]


@pytest.mark.parametrize("model,gpus,kw", PLANS)
def test_plans_equal_plans_through_the_reference_capacity(model, gpus, kw, monkeypatch):
    def solved():
        cand_mod.role_capacity.cache_clear()
        problem = serve.make_problem(
            model, gpus, prompt_tokens="exp:1024", output_tokens="exp:256", max_pp=1, **kw
        )
        r = serve.solve(problem, "mip", time_limit=60)
        plan = r.solution.to_dict() if r.solution else None
        for g in plan["replicas"] if plan else ():  # the load split: float rounding only
            g["load_qps"] = round(g["load_qps"], 9)
        return r.status, r.objective, plan

    fast = solved()
    monkeypatch.setattr(RoleModel, "capacity", reference_capacity)
    ref = solved()
    monkeypatch.undo()
    cand_mod.role_capacity.cache_clear()
    assert fast == ref
    assert fast[1] is not None


@pytest.mark.parametrize("case", [c for c in CASES if c[2] == "both"], ids=lambda c: c[0])
def test_deferred_bounds_hold_and_probes_match_the_plain_steer(case):
    """The bounds a probe defers a percentile by are at or above its quantile and estimate
    (the chunked TTFT law's bracket, ``tpot_top``), and :meth:`RoleModel._probe` returns
    what steering every percentile by :func:`_steer` returns (decision and excess)."""
    _, engine, role, tr, slo, opts = case
    rm = RoleModel(engine, role, tr, slo, **opts)
    for frac in np.linspace(0.02, 0.999, 25):
        state = rm._batch_state(frac * rm.batch_limit())
        law = state.ttft()
        if hasattr(law, "bracket") and not law.saturated:
            lo, hi = law.bracket()
            assert lo < law.quantile() <= hi and law.estimate() <= hi
        assert state.tpot().quantile() <= state.tpot_top()
        assert state.tpot().estimate() <= state.tpot_top()
        ratios = rm._load_ratios(float(state.kv), float(state.util), float(state.batch))
        feasible = not rm._load_violations(float(state.kv), float(state.util), state.batch)
        if feasible and rm.ttft_limit is not None:
            ratio, feasible = cap_mod._steer(law, rm.ttft_limit, state.ttft_offset)
            ratios.append(ratio)
        if feasible and rm.tpot_limit is not None:
            ratio, feasible = cap_mod._steer(state.tpot(), rm.tpot_limit)
            ratios.append(ratio)
        fresh = rm._batch_state(frac * rm.batch_limit())  # laws not yet evaluated
        assert rm._probe(fresh) == (feasible, rm._squash(ratios, feasible))
