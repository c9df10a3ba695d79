"""Capacity searches skipped by one probe, and the tables shared between role models.

:meth:`RoleModel.capacity_at_most` must never claim a capacity at most a rate the search
exceeds (checked against :meth:`RoleModel.capacity` itself); the candidate search that uses
it must give the plans, costs and usable candidates of the search without it (the fleet
instance of issue 19, three models, colocated and disaggregated); and the tables shared by
role models built with the same arguments must be the ones each would build alone.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel import constants
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
from planner.serve import make_problem, read, solve
from planner.serve.candidates import candidates
from planner.serve.capacity import RoleModel, engine_for
from planner.serve.instance import ServingConstraints
from planner.serve.slo import SLO
from planner.serve.traffic import Traffic, parse_lengths

LLAMA8 = load_model("llama-3.1-8b")
MIXTRAL = load_model("mixtral-8x7b")
FLEET = Path(__file__).parents[2] / "instances" / "serve" / "fleet-3x3.toml"


def traffic(prompt: str = "exp:1000", output: str = "exp:200", **kw) -> Traffic:
    return replace(
        Traffic(None, parse_lengths(prompt, what="p"), parse_lengths(output, what="o")), **kw
    )


CASES = [  # (id, engine, role, traffic, slo, RoleModel options)
    ("both", engine_for(LLAMA8, get_gpu("H100"), 1, 1, 1, "bf16", "bf16"), "both", {}),
    ("both-512", engine_for(LLAMA8, get_gpu("A100"), 2, 1, 1, "bf16", "bf16"), "both", {}),
    ("decode", engine_for(LLAMA8, get_gpu("L40S"), 1, 1, 1, "bf16", "bf16"), "decode", {}),
    ("prefill", engine_for(LLAMA8, get_gpu("H100"), 1, 1, 1, "bf16", "bf16"), "prefill", {}),
    # lockstep attention groups (ep 2): the MoE path of the step model and the search
    ("lockstep", engine_for(MIXTRAL, get_gpu("H100"), 1, 1, 2, "bf16", "bf16"), "both", {}),
    (
        "reserve-cap",
        engine_for(LLAMA8, get_gpu("L40S"), 1, 1, 1, "fp8", "fp8"),
        "both",
        {"kv_admission": "reserve", "max_batch": 24, "kv_block_tokens": 16},
    ),
]
SLOS = {"both": SLO(0.8, 0.04), "decode": SLO(None, 0.03), "prefill": SLO(0.5, None)}
CHUNKS = {"both": 2048, "both-512": 512, "prefill": 16384}


def model(case, tr=None, slo=None) -> RoleModel:
    name, engine, role, opts = case
    return RoleModel(
        engine,
        role,
        tr or traffic(),
        slo or SLOS[role],
        chunk=CHUNKS.get(name, CHUNKS.get(role)),
        **opts,
    )


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_capacity_at_most_never_claims_less_than_the_search_finds(case):
    cap = model(case).capacity()[0]
    assert cap > 0
    for factor in (0.3, 0.9, 0.99, 0.999):  # the capacity is above: nothing to prove
        assert not model(case).capacity_at_most(cap * factor), factor
    for factor in (1.01, 1.5, 10.0):  # a rate above the capacity: one probe proves it
        assert model(case).capacity_at_most(cap * factor), factor


@settings(max_examples=25, deadline=None)
@given(
    case=st.sampled_from([c for c in CASES if c[0] != "lockstep"]),
    ttft=st.floats(0.05, 3.0),
    tpot=st.floats(0.005, 0.1),
    percentile=st.sampled_from([50.0, 90.0, 99.0]),
    prompt=st.sampled_from(["exp:300", "exp:2000", "800"]),
    hit=st.sampled_from([0.0, 0.4]),
    factor=st.floats(0.5, 2.0),
)
def test_capacity_at_most_is_a_valid_bound(case, ttft, tpot, percentile, prompt, hit, factor):
    tr = traffic(prompt, prefix_hit_rate=hit)
    slo = SLO(None if case[2] == "decode" else ttft, None if case[2] == "prefill" else tpot)
    slo = replace(slo, percentile=percentile / 100)
    cap = model(case, tr, slo).capacity()[0]
    rate = factor * max(cap, 1e-3)
    if model(case, tr, slo).capacity_at_most(rate):
        assert cap <= rate


@pytest.mark.parametrize("case", [c for c in CASES if c[2] != "prefill"], ids=lambda c: c[0])
def test_batch_state_below_lands_just_under_the_rate(case):
    rm = model(case)
    hi = rm.batch_limit()
    top = float(rm._batch_state(hi).rate)
    for frac in (0.01, 0.2, 0.7, 0.999):
        state = rm._batch_state_below(frac * top, hi, top)
        assert state is not None
        assert frac * top * (1 - 2e-3) <= float(state.rate) <= frac * top


# ----------------------------------------------------------------------- shared tables
ARGS = dict(
    engine=engine_for(LLAMA8, get_gpu("H100"), 1, 1, 1, "bf16", "bf16"),
    role="both",
    traffic=traffic(),
    slo=SLO(0.8, 0.04),
    chunk=2048,
    online=True,
    max_batch=None,
    kv_admission="on-demand",
    kv_block_tokens=1,
)
OTHER = dict(
    engine=engine_for(LLAMA8, get_gpu("A100"), 1, 1, 1, "bf16", "bf16"),
    role="decode",
    traffic=traffic(prefix_hit_rate=0.3),
    slo=SLO(0.8, 0.05),
    chunk=512,
    online=False,
    max_batch=64,
    kv_admission="reserve",
    kv_block_tokens=16,
)


def built(**changes) -> RoleModel:
    kw = {**ARGS, **changes}
    return RoleModel(kw.pop("engine"), kw.pop("role"), kw.pop("traffic"), kw.pop("slo"), **kw)


def same(a, b) -> bool:
    """Equal bit for bit (numbers, arrays, tuples of them, ``None``)."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def test_shared_tables_are_keyed_by_every_argument():
    base = built()
    assert built()._shared is base._shared
    for name, value in OTHER.items():
        assert built(**{name: value})._shared is not base._shared, name
    # an equal engine built apart is another object: not shared (the key holds the object)
    twin = EngineModel(LLAMA8, ReplicaConfig(get_gpu("H100"), 1))
    assert built(engine=twin)._shared is not base._shared


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_shared_results_equal_a_fresh_computation(case):
    constants._clear_caches()  # empty shared tables (they keep a bounded number of batches)
    first = model(case)
    batches = [0.0, 1e-6, 0.3 * first.batch_limit(), first.batch_limit()]
    shared = [first._prefill(b) for b in batches]
    admission = first.admission_table() if case[2] == "both" else None
    again = model(case)  # a second model reads them from the shared tables
    assert again._shared is first._shared
    assert all(again._prefill(b) is f for b, f in zip(batches, shared, strict=True))
    fresh = model(case)
    fresh._shared = {"prefill": {}}  # computed alone
    for b, f in zip(batches, shared, strict=True):
        g = fresh._prefill(b)
        assert g.keys() == f.keys()
        for k in f:
            assert same(g[k], f[k]), k
    if admission is not None:
        for a, b in zip(fresh.admission_table(), admission, strict=True):
            assert np.array_equal(a, b)


def test_shared_tables_are_cleared_with_the_constants():
    base = built()
    with constants.override({}):
        pass  # entering and leaving clears every registered cache
    assert built()._shared is not base._shared


# ------------------------------------------------------------------ whole fleet search
def fleet_answer(name: str, mode: str) -> tuple:
    (base,) = read(FLEET)
    problem = replace(
        base, model=load_model(name), constraints=ServingConstraints(disaggregation=mode)
    )
    constants._clear_caches()  # cold: nothing from the other path
    r = solve(problem, "auto", time_limit=600)
    usable = [
        (c.workload, c.pool, c.config.label(), c.role, c.chunk, c.speculative, c.capacity)
        for c in candidates(problem)
        if c.usable
    ]
    plan = r.solution.to_dict() if r.solution else None
    return r.status, r.objective, r.bound, plan, usable


@pytest.mark.slow
@pytest.mark.parametrize("name", ["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"])
def test_fleet_answers_equal_those_without_probes(name, monkeypatch):
    """Issue 19's fleet (3 GPU types x 3 workloads): the same status, cost, bound, plan and
    usable candidates (capacities bit for bit) as the search that runs every capacity."""
    for mode in ("off", "allow"):
        fast = fleet_answer(name, mode)
        with monkeypatch.context() as m:
            m.setattr(RoleModel, "capacity_at_most", lambda self, rate: False)
            plain = fleet_answer(name, mode)
        assert fast[0].value == "OPTIMAL"
        assert fast == plain, mode
    constants._clear_caches()


@pytest.mark.parametrize("role", ["both", "prefill", "decode"])
def test_cached_probes_are_keyed_like_the_capacity_search(role, monkeypatch):
    """The cached bound and probe of a layout (:func:`_model_args`) see the model the
    capacity search builds (same arguments: the same shared tables), and return what a
    fresh model returns."""
    from planner.serve import candidates as cand_mod

    problem = make_problem(
        "llama-3.1-8b",
        "L40S:4",
        qps=3,
        prompt_tokens="exp:800",
        output_tokens="exp:150",
        ttft="2s",
        tpot="60ms",
        percentile=90,
        prefix_hit_rate=0.2,
        max_batch=48,
        kv_admission="reserve",
        kv_block_tokens=16,
        disaggregation="allow",
    )
    constants._clear_caches()
    built: list[RoleModel] = []
    real = RoleModel.capacity

    def capacity(self):
        built.append(self)
        return real(self)

    monkeypatch.setattr(RoleModel, "capacity", capacity)
    lay = next(x for x in cand_mod.layouts(problem) if not x.reason)
    cand = cand_mod.evaluate(problem, lay, role)
    assert cand.usable
    eng = cand_mod.layout_engine(problem, lay.config, None, role)
    args = cand_mod._model_args(problem, eng, role, cand.chunk)
    assert any(m._shared is cand_mod._role_model(*args)._shared for m in built)
    rate = cand.capacity / lay.config.engines
    for factor in (0.5, 1.5):
        want = cand_mod._role_model(*args).capacity_at_most(factor * rate)
        assert cand_mod._capacity_at_most(*args, factor * rate) is want
    assert cand_mod._rate_limit(*args) == cand_mod._role_model(*args).rate_limit()


def test_shared_step_results_are_bounded():
    from planner.serve.capacity import SHARED_PREFILL_BATCHES

    constants._clear_caches()
    rm = built(chunk=1024)
    batches = np.linspace(1.0, 0.5 * rm.batch_limit(), SHARED_PREFILL_BATCHES + 5)
    results = [rm._prefill(float(b)) for b in batches]
    assert len(rm._shared["prefill"]) == SHARED_PREFILL_BATCHES
    # past the bound a batch is computed again (an equal result, another object)
    assert rm._prefill(float(batches[-1])) is not results[-1]
    assert rm._prefill(float(batches[0])) is results[0]
