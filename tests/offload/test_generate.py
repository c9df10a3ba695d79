"""The trace generator: achieved stability, Zipf popularity, drift, blocks, presets."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import InputError
from planner.offload.generate import adjacent_cosine, block_lengths, generate
from planner.offload.presets import PRESETS


@pytest.mark.parametrize("stability", [0.85, 0.95, 0.98])
def test_achieved_adjacent_cosine_is_the_target(stability):
    inst = generate("llada2-mini", steps=64, layers=4, seed=11, stability=stability)
    # measured on the trace itself, independently of the value stored in meta
    block, _ = inst.block_positions()
    same = block[1:] == block[:-1]
    measured = adjacent_cosine(inst.counts, same)
    assert measured == pytest.approx(stability, abs=0.015)
    assert inst.meta["stability_measured"] == pytest.approx(measured, abs=1e-4)


def test_counts_are_tokens_times_top_k_and_at_most_tokens():
    inst = generate("deepseek-v2-lite", steps=10, seed=1, tokens=8)
    assert inst.blocks is None  # autoregressive
    assert (inst.counts.sum(axis=2) == 8 * 6).all()
    assert inst.counts.max() <= 8
    assert inst.counts.shape == (10, 26, 64)


def test_same_seed_same_trace_and_zipf_concentrates():
    a = generate("llada2-mini", steps=8, layers=2, seed=4)
    b = generate("llada2-mini", steps=8, layers=2, seed=4)
    assert np.array_equal(a.counts, b.counts)
    flat = generate("llada2-mini", steps=8, layers=2, seed=4, zipf=0.0, stability=0.6)
    steep = generate("llada2-mini", steps=8, layers=2, seed=4, zipf=1.2, stability=0.97)
    distinct = lambda inst: (inst.counts > 0).sum(axis=2).mean()  # noqa: E731
    assert distinct(steep) < distinct(flat)


def test_block_starts_reset_routing_and_drift_moves_popularity():
    inst = generate("llada2-mini", steps=64, layers=4, seed=2, stability=0.97, block_steps=16)
    starts = np.array([False] + [s % 16 == 0 for s in range(1, 64)])[1:]
    within = adjacent_cosine(inst.counts, ~starts)
    across = adjacent_cosine(inst.counts, starts)
    assert across < within - 0.05
    still = generate("llada2-mini", steps=96, layers=4, seed=2, drift=0.0, stability=0.9)
    moving = generate("llada2-mini", steps=96, layers=4, seed=2, drift=0.1, stability=0.9)

    def first_last(inst):
        a, b = inst.counts[:32].sum(axis=0).ravel(), inst.counts[-32:].sum(axis=0).ravel()
        return a @ b / np.linalg.norm(a) / np.linalg.norm(b)

    assert first_last(moving) < first_last(still)


def test_presets_match_their_configs():
    p = PRESETS["llada2-mini"]
    assert (p.layers, p.experts, p.top_k, p.shared_experts, p.budget) == (19, 256, 8, 1, 129)
    assert p.expert_bytes == 3 * 2048 * 512 * 2
    assert (PRESETS["mixtral-8x7b"].experts, PRESETS["mixtral-8x7b"].top_k) == (8, 2)
    assert PRESETS["qwen-moe"].shared_experts == 4
    inst = generate("llada2-mini", steps=32, seed=0)
    assert inst.counts.shape == (32, 19, 256) and inst.hardware.budget == 129


def test_block_lengths():
    assert block_lengths(70, 32) == [32, 32, 6]
    assert block_lengths(5, 0) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stability": 0.1}, "--stability 0.1: this shape"),
        ({"stability": 1.5}, "--stability: must be in"),
        ({"steps": 0}, "--steps"),
        ({"zipf": -1.0}, "--zipf"),
        ({"gpu": "tpu"}, "unknown GPU 'tpu'"),
        ({"cpu": "m1"}, "--cpu: unknown"),
        ({"link": "usb"}, "--link: unknown"),
        ({"layers": 40}, "--layers"),
        # s22small: the JSON field was named to a `gen offload --budget` user
        ({"budget": 300}, r"--budget: must be an integer in 1\.\.257, got 300"),
        ({"global_budget": 0}, r"--global-budget: must be an integer in 1\.\.257, got 0"),
        ({"budget": 4, "global_budget": 40}, "--budget and --global-budget: give one"),
        # s22small: an override was named by its JSON field ('hardware.h2d_gb_s')
        ({"coefficients": {"h2d_gb_s": 0.0}}, r"^h2d_gb_s: must be > 0, got 0\.0"),
        ({"coefficients": {"cpu_call_us": -1.0}}, r"^cpu_call_us: must be a number >= 0"),
        # s22small: the preset's --stability was blamed for what --zipf did
        ({"zipf": 1.5}, r"^--zipf 1\.5 / --drift 0\.02: the llada2-mini preset's --stability"),
    ],
)
def test_bad_generator_arguments(kwargs, message):
    with pytest.raises(InputError, match=message):
        generate("llada2-mini", **{"steps": 4, "layers": 1, **kwargs})


def test_unknown_preset():
    with pytest.raises(InputError, match="unknown offload preset 'lada'"):
        generate("lada")
