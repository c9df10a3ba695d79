"""The vectorised cost and plan functions against plain loops written separately here."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.offload import instance as instance_module
from planner.offload.evaluate import breakdown, verify
from planner.offload.instance import Solution
from planner.offload.policy import plan_times

from .strategies import tiny

#: The module (the package re-exports its function ``evaluate`` under the same name).
evaluate_module = importlib.import_module("planner.offload.evaluate")

FIELDS = ("gpu", "cpu", "compute", "loads", "copy", "hidden", "gpu_tokens", "cpu_tokens")


@st.composite
def plans(draw):
    """A tiny instance (random costs, budget kind, overlap, initial set) and a plan mask."""
    steps = draw(st.integers(1, 7))
    layers = draw(st.integers(1, 3))
    experts = draw(st.integers(1, 5))
    counts = np.array(
        draw(
            st.lists(
                st.integers(0, 9),
                min_size=steps * layers * experts,
                max_size=steps * layers * experts,
            )
        )
    ).reshape(steps, layers, experts)
    shared = draw(st.integers(0, 2))
    cap = draw(st.integers(0, experts))
    per_layer = draw(st.booleans())
    inst = tiny(
        counts,
        budget=cap + shared if per_layer else None,
        global_budget=None if per_layer else (cap + shared) * layers,
        shared=shared,
        overlap=draw(st.booleans()),
        initial=draw(st.sampled_from(["empty", "first"])),
        copy_us=draw(st.floats(100.0, 5000.0)),
        gpu_token_us=draw(st.floats(0.0, 50.0)),
        cpu_token_us=draw(st.floats(0.0, 50.0)),
        top_k=draw(st.integers(1, experts)),
    )
    # plans within each layer's share (what the policies produce); any layout is valid here
    mask = np.zeros(counts.shape, dtype=bool)
    for s in range(steps):
        for layer in range(layers):
            ids = draw(st.lists(st.integers(0, experts - 1), unique=True, max_size=cap))
            mask[s, layer, ids] = True
    chunk = draw(st.integers(1, steps * layers * experts + 1))
    return inst, mask, chunk


def loop_breakdown(inst, resident):
    """Every part of the cost model with plain loops over steps, layers and experts."""
    hw, model = inst.hardware, inst.model
    per_copy = hw.copy_latency_us * 1e-6 + model.expert_bytes / (hw.h2d_gb_s * 1e9)
    out = {k: np.zeros((inst.steps, inst.layers)) for k in FIELDS}
    held = [
        {e for e in range(inst.experts) if inst.initial_mask()[ly, e]} for ly in range(inst.layers)
    ]
    last = None
    for s in range(inst.steps):
        for ly in range(inst.layers):
            on = set(resident[s][ly])
            gpu = cpu = 0.0
            tokens = gt = ct = 0
            for e in range(inst.experts):
                c = int(inst.counts[s, ly, e])
                tokens += c
                if c and e in on:
                    gpu += hw.gpu_call_us * 1e-6 + hw.gpu_token_us * 1e-6 * c
                    gt += c
                elif c:
                    cpu += hw.cpu_call_us * 1e-6 + hw.cpu_token_us * 1e-6 * c
                    ct += c
            t = tokens / model.top_k
            if t > 0:
                gpu += model.shared_experts * (hw.gpu_call_us * 1e-6 + hw.gpu_token_us * 1e-6 * t)
            loads = len(on - held[ly])
            copy = loads * per_copy
            hidden = min(copy, last) if hw.overlap and last is not None else 0.0
            compute = max(gpu, cpu)
            for key, value in zip(
                FIELDS, (gpu, cpu, compute, loads, copy, hidden, gt, ct), strict=True
            ):
                out[key][s, ly] = value
            held[ly] = on
            last = compute
    return out


def loop_resident(mask):
    return [[tuple(e for e in range(len(row)) if row[e]) for row in step] for step in mask]


@settings(max_examples=60, deadline=None)
@given(plans())
def test_vectorised_cost_matches_loops(case):
    inst, mask, chunk = case
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(instance_module, "CHUNK_CELLS", chunk)  # chunk boundaries anywhere
        resident = loop_resident(mask)
        solution = Solution.from_mask(mask)
        assert solution.resident == resident
        assert np.array_equal(solution.mask(inst.layers, inst.experts), mask)
        assert evaluate_module.plainly_valid(inst, solution.resident)  # the fast path
        assert verify(inst, solution) == []
        reference = loop_breakdown(inst, resident)
        got = breakdown(inst, solution)
        for key in FIELDS:
            np.testing.assert_allclose(getattr(got, key), reference[key], rtol=1e-9, atol=0)
        total = reference["compute"] + reference["copy"] - reference["hidden"]
        np.testing.assert_allclose(plan_times(inst, mask), total, rtol=1e-9, atol=1e-15)
        gpu, cpu, _ = inst.cost_chunk(0, inst.steps)
        for s in range(inst.steps):
            for ly in range(inst.layers):
                for e in range(inst.experts):
                    c = int(inst.counts[s, ly, e])
                    hw = inst.hardware
                    want_gpu = (hw.gpu_call_us * 1e-6 + hw.gpu_token_us * 1e-6 * c) if c else 0.0
                    want_cpu = (hw.cpu_call_us * 1e-6 + hw.cpu_token_us * 1e-6 * c) if c else 0.0
                    assert gpu[s, ly, e] == pytest.approx(want_gpu, rel=1e-9, abs=0)
                    assert cpu[s, ly, e] == pytest.approx(want_cpu, rel=1e-9, abs=0)


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_fast_verify_agrees_with_row_by_row(case, data):
    """A broken plan is rejected whatever the fast path sees (and named by the slow one)."""
    inst, mask, _ = case
    resident = [list(step) for step in Solution.from_mask(mask).resident]
    s = data.draw(st.integers(0, inst.steps - 1))
    ly = data.draw(st.integers(0, inst.layers - 1))
    bad = data.draw(
        st.sampled_from(
            [(-1,), (inst.experts,), (0, 0), (True,), (0.0,), "01", tuple(range(inst.experts))]
        )
    )
    broken = data.draw(st.booleans())
    if broken:
        resident[s][ly] = bad
    problems = verify(inst, Solution(resident))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evaluate_module, "plainly_valid", lambda *a: False)
        assert problems == verify(inst, Solution(resident))
    if broken and bad not in ("01", tuple(range(inst.experts))):
        assert any(f"step {s} layer {ly}" in p for p in problems)
    if not broken:
        assert problems == []
