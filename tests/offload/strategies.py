"""Helpers of the offload tests: tiny instances, an independent cost function, brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from planner.offload.instance import Hardware, Instance, Model

INSTANCES = Path(__file__).resolve().parents[2] / "instances" / "offload"
DATA = Path(__file__).resolve().parent / "data"


def tiny(
    counts,
    *,
    budget: int | None = 2,
    global_budget: int | None = None,
    shared: int = 0,
    overlap: bool = False,
    blocks=None,
    initial: str = "empty",
    copy_us: float = 100.0,
    gpu_call_us: float = 20.0,
    cpu_call_us: float = 50.0,
    gpu_token_us: float = 1.0,
    cpu_token_us: float = 10.0,
    top_k: int = 1,
) -> Instance:
    """An instance from a counts array with round-number costs (1 GB/s, 1e5-byte experts)."""
    counts = np.asarray(counts)
    return Instance(
        name="tiny",
        model=Model("toy", counts.shape[1], counts.shape[2], top_k, shared, 100_000),
        hardware=Hardware(
            h2d_gb_s=1.0,  # 1e5 bytes -> 100 us
            copy_latency_us=copy_us - 100.0,
            gpu_token_us=gpu_token_us,
            gpu_call_us=gpu_call_us,
            cpu_token_us=cpu_token_us,
            cpu_call_us=cpu_call_us,
            budget=budget,
            global_budget=global_budget,
            overlap=overlap,
        ),
        counts=counts,
        blocks=blocks,
        initial=initial,
    )


def model_cost(inst: Instance, plan: list[list[set[int]]]) -> float:
    """Modeled seconds of ``plan[s][l]`` (sets of expert ids), with plain loops.

    Written from the README's cost model without any planner code beyond the
    instance's fields.
    """
    hw, model = inst.hardware, inst.model
    per_copy = hw.copy_latency_us * 1e-6 + model.expert_bytes / (hw.h2d_gb_s * 1e9)
    total = 0.0
    last = None
    held = [set(np.flatnonzero(row)) for row in inst.initial_mask()]
    for s in range(inst.steps):
        for layer in range(inst.layers):
            gpu = cpu = 0.0
            tokens = 0
            for e in range(inst.experts):
                c = int(inst.counts[s, layer, e])
                tokens += c
                if c == 0:
                    continue
                if e in plan[s][layer]:
                    gpu += (hw.gpu_call_us + hw.gpu_token_us * c) * 1e-6
                else:
                    cpu += (hw.cpu_call_us + hw.cpu_token_us * c) * 1e-6
            t = tokens / model.top_k
            if t > 0:
                gpu += model.shared_experts * (hw.gpu_call_us + hw.gpu_token_us * t) * 1e-6
            loads = len(plan[s][layer] - held[layer])
            copy = loads * per_copy
            compute = max(gpu, cpu)
            hidden = min(copy, last) if (hw.overlap and last is not None) else 0.0
            total += compute + copy - hidden
            held[layer] = set(plan[s][layer])
            last = compute
    return total


def brute_force(inst: Instance) -> float:
    """Optimum over every plan (tiny instances only)."""
    S, L, E = inst.counts.shape
    shared = inst.model.shared_experts
    hw = inst.hardware
    subsets = [frozenset(c) for k in range(E + 1) for c in itertools.combinations(range(E), k)]
    if hw.budget is not None:
        per_step = [
            combo
            for combo in itertools.product(subsets, repeat=L)
            if all(len(x) + shared <= hw.budget for x in combo)
        ]
    else:
        per_step = [
            combo
            for combo in itertools.product(subsets, repeat=L)
            if sum(len(x) + shared for x in combo) <= hw.global_budget
        ]
    best = float("inf")
    for plan in itertools.product(per_step, repeat=S):
        value = model_cost(inst, [[set(x) for x in step] for step in plan])
        best = min(best, value)
    return best


@st.composite
def tiny_instances(
    draw,
    max_steps: int = 3,
    max_layers: int = 2,
    max_experts: int = 3,
    float_costs: bool | None = None,
    max_count: int = 4,
):
    """Random tiny instances (small enough for :func:`brute_force`).

    ``float_costs``: coefficients drawn as any floats (``None``: drawn too) instead of round
    numbers; HiGHS's presolve defect of session 13 showed only with such costs.
    """
    S = draw(st.integers(1, max_steps))
    L = draw(st.integers(1, max_layers))
    E = draw(st.integers(1, max_experts))
    if S * L * E > 9:
        E = max(1, 9 // (S * L))
    counts = draw(
        st.lists(st.integers(0, max_count), min_size=S * L * E, max_size=S * L * E).map(
            lambda v: np.array(v).reshape(S, L, E)
        )
    )
    shared = draw(st.integers(0, 1))
    glob = draw(st.booleans()) and L > 1
    if glob:
        budget, global_budget = None, draw(st.integers(shared * L, (E + shared) * L))
    else:
        budget, global_budget = draw(st.integers(shared, E + shared)), None
    if float_costs is None:
        float_costs = draw(st.booleans())
    us = st.floats(0.05, 400.0, allow_nan=False, allow_infinity=False)

    def cost(*round_numbers: float) -> st.SearchStrategy[float]:
        return us if float_costs else st.sampled_from(round_numbers)

    return tiny(
        counts,
        budget=budget,
        global_budget=global_budget,
        shared=shared,
        overlap=draw(st.booleans()),
        initial=draw(st.sampled_from(["empty", "first"])),
        copy_us=draw(cost(0.0, 100.0, 400.0)) + 100.0,
        gpu_call_us=draw(cost(5.0, 20.0, 60.0)),
        cpu_call_us=draw(cost(10.0, 50.0)),
        gpu_token_us=draw(cost(1.0)),
        cpu_token_us=draw(cost(1.0, 10.0)),
    )
