"""Speed paths of the serving search give the plain path's results.

Each shortcut is compared with the computation it replaces, written plainly: the
array form of :func:`~planner.perfmodel.comm.all_to_all` with the scalar one per element
(the step model used ``np.vectorize`` of it), a :class:`~planner.serve.queueing.TpotLaw`
quantile continued from a coarse estimate's search with a fresh one (bit for bit), and
the capacity search's steering (:func:`~planner.serve.capacity._steer`) with the laws'
own decisions. The capacity search as a whole is compared with a full bisection in
``test_shortcuts.py``.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.perfmodel import comm
from planner.perfmodel.hardware import get_gpu
from planner.serve.capacity import _steer
from planner.serve.queueing import ResponseLaw, TpotLaw


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.floats(-1.0, 1e9), min_size=1, max_size=8),
    n=st.sampled_from([1, 2, 4, 8, 16, 64]),
    per_node=st.sampled_from([1, 2, 8]),
    gpu=st.sampled_from(["H100", "A100", "L40S"]),
)
def test_all_to_all_array_equals_the_scalar_form(sizes, n, per_node, gpu):
    fabric = comm.fabric_of(get_gpu(gpu))
    size = np.asarray(sizes, dtype=float)
    got = comm.all_to_all(size, n, per_node, fabric)
    want = np.array([comm.all_to_all(float(s), n, per_node, fabric) for s in sizes])
    assert np.array_equal(got, want)


def tpot_law(tau0, pieces, rate, queued, lengths, q, noise):
    pieces = np.asarray(pieces, dtype=float) * tau0
    return TpotLaw(
        tau0,
        pieces,
        0.0,
        lengths,
        np.linspace(1.0, 2.0, len(lengths)),
        q,
        noise * tau0,
        extra_weights=np.ones(pieces.size),
        extra_cap=np.full(pieces.size, 2.0 * tau0),
        queued=queued,
        arrival_rate=rate / float(pieces.mean()) if pieces.mean() > 0 else 0.0,
    )


law_args = {
    "tau0": st.floats(1e-3, 0.1),
    "pieces": st.lists(st.floats(0.05, 4.0), min_size=1, max_size=5),
    "rate": st.floats(0.0, 0.9),
    "queued": st.sampled_from([0.0, 0.5, 3.0]),
    "lengths": st.lists(st.floats(0.0, 400.0), min_size=1, max_size=5),
    "q": st.sampled_from([0.5, 0.9, 0.99]),
    "noise": st.floats(0.0, 0.3),
}


@settings(max_examples=60, deadline=None)
@given(**law_args)
def test_tpot_quantile_after_an_estimate_equals_a_fresh_one(**kw):
    coarse = tpot_law(**kw)
    estimate = coarse.estimate()
    value = coarse.quantile()
    assert value == tpot_law(**kw).quantile()  # the search continued, bit for bit
    assert estimate == tpot_law(**kw).estimate()
    assert coarse.estimate() == estimate  # a coarse search after a fine one starts afresh


@settings(max_examples=60, deadline=None)
@given(**law_args, scale=st.sampled_from([0.3, 0.995, 0.9999, 1.0, 1.0001, 1.005, 3.0]))
def test_steering_decides_as_the_tpot_law(scale, **kw):
    law = tpot_law(**kw)
    value = law.quantile()
    limit = value * scale
    if limit > 0:
        ratio, feasible = _steer(tpot_law(**kw), limit)
        assert feasible == tpot_law(**kw).within(limit) == (not value > limit)
        assert ratio > 0 and math.isfinite(ratio)


@settings(max_examples=60, deadline=None)
@given(
    rho=st.floats(0.0, 0.99),
    lo=st.lists(st.floats(1e-3, 0.5), min_size=1, max_size=4),
    q=st.sampled_from([0.5, 0.9, 0.99]),
    offset=st.sampled_from([0.0, 0.013]),
    scale=st.sampled_from([0.3, 0.995, 1.0, 1.005, 3.0]),
)
def test_steering_decides_as_the_ttft_law(rho, lo, q, offset, scale):
    own = np.asarray(lo)
    es = float(own.mean())

    def law():
        return ResponseLaw(rho / es, es, 1.5 * es * es, own, own * 1.5, np.ones(own.size), q)

    limit = (law().quantile() + offset) * scale
    ratio, feasible = _steer(law(), limit, offset)
    assert feasible == law().within(limit, offset)
    assert ratio == (law().estimate() + offset) / limit or abs(ratio - 1.0) <= 0.02
