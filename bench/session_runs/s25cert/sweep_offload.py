"""s25cert: offload edge shapes x every method, against an own dynamic program over every plan.

The brute force enumerates every resident set of every layer at every step (a DP over steps
whose state is the whole GPU content), pricing each step with its own loops from the cost
model's definition (docs/offload.md; module docstring of planner/offload/evaluate.py).

Usage: nice -n 10 python sweep_offload.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
from harness import audit, emit

import planner
from planner.offload.instance import Instance

HW = {
    "h2d_gb_s": 32.0,
    "copy_latency_us": 10.0,
    "gpu_token_us": 0.0273,
    "gpu_call_us": 23.9,
    "cpu_token_us": 1.07,
    "cpu_call_us": 80.7,
    "source": "s25cert toy",
}


def make(
    name,
    counts,
    *,
    experts=4,
    top_k=2,
    shared=1,
    expert_bytes=6291456,
    budget=None,
    global_budget=None,
    overlap=False,
    initial="empty",
    blocks=None,
    **hw,
):
    counts = np.asarray(counts, dtype=np.int64)
    data = {
        "name": name,
        "model": {
            "name": "toy",
            "layers": counts.shape[1],
            "experts": experts,
            "top_k": top_k,
            "shared_experts": shared,
            "expert_bytes": expert_bytes,
        },
        "hardware": {
            **HW,
            **hw,
            "overlap": overlap,
            **({"budget": budget} if budget is not None else {}),
            **({"global_budget": global_budget} if global_budget is not None else {}),
        },
        "steps": counts.shape[0],
        "initial": initial,
        "counts": counts.tolist(),
    }
    if blocks is not None:
        data["blocks"] = blocks
    return Instance.from_dict(data)


def brute(inst: Instance) -> float:
    """Own optimum (seconds) by a DP over steps; state = every layer's resident set."""
    c = np.asarray(inst.counts)
    S, L, E = c.shape
    m, hw = inst.model, inst.hardware
    sh = m.shared_experts
    per_copy = hw.copy_latency_us * 1e-6 + m.expert_bytes / (hw.h2d_gb_s * 1e9)
    subsets = [frozenset(x) for k in range(E + 1) for x in itertools.combinations(range(E), k)]

    def compute(s, layer, res):
        toks = c[s, layer]
        total = int(toks.sum())
        gpu = sh * ((hw.gpu_call_us + hw.gpu_token_us * total / m.top_k) * 1e-6 if total else 0)
        cpu = 0.0
        for e in range(E):
            if toks[e] > 0:
                if e in res:
                    gpu += (hw.gpu_call_us + hw.gpu_token_us * toks[e]) * 1e-6
                else:
                    cpu += (hw.cpu_call_us + hw.cpu_token_us * toks[e]) * 1e-6
        return max(gpu, cpu)

    configs = []
    for combo in itertools.product(subsets, repeat=L):
        if hw.budget is not None and any(len(x) + sh > hw.budget for x in combo):
            continue
        if hw.global_budget is not None and sum(len(x) + sh for x in combo) > hw.global_budget:
            continue
        configs.append(combo)
    init_mask = inst.initial_mask()
    init = tuple(frozenset(np.flatnonzero(init_mask[layer]).tolist()) for layer in range(L))
    comp = [
        {cfg: [compute(s, layer, cfg[layer]) for layer in range(L)] for cfg in configs}
        for s in range(S)
    ]

    def step_cost(s, prev, cur):
        total = 0.0
        before = comp[s - 1][prev][L - 1] if s > 0 else 0.0
        for layer in range(L):
            cp = len(cur[layer] - prev[layer]) * per_copy
            hidden = min(cp, before) if hw.overlap else 0.0
            total += comp[s][cur][layer] + cp - hidden
            before = comp[s][cur][layer]
        return total

    best = {cfg: step_cost(0, init, cfg) for cfg in configs}
    for s in range(1, S):
        best = {
            cur: min(v + step_cost(s, prev, cur) for prev, v in best.items()) for cur in configs
        }
    return min(best.values()) if best else math.inf


def shapes():
    """Edge shapes: (name, instance)."""
    two = [[[3, 0, 1, 0], [0, 2, 0, 2]], [[3, 1, 0, 0], [0, 0, 2, 2]], [[0, 4, 0, 0], [1, 1, 1, 1]]]
    heavy = [[[40, 0, 30, 0]], [[40, 2, 0, 0]], [[0, 50, 0, 1]], [[30, 30, 0, 0]]]
    yield "budget_eq_shared", make("budget_eq_shared", two, budget=1)
    yield "budget_all", make("budget_all", two, budget=5)
    yield "budget_all_overlap", make("budget_all_overlap", two, budget=5, overlap=True)
    yield "zero_token_step", make("zero_token_step", [two[0], [[0] * 4] * 2, two[2]], budget=3)
    yield "all_zero", make("all_zero", [[[0] * 4] * 2] * 3, budget=3)
    yield "one_step", make("one_step", two[:1], budget=2)
    yield "one_step_first", make("one_step_first", two[:1], budget=2, initial="first")
    yield "overlap_heavy", make("overlap_heavy", heavy, budget=3, overlap=True)
    yield (
        "overlap_heavy_first",
        make("overlap_heavy_first", heavy, budget=2, overlap=True, initial="first"),
    )
    yield "no_shared_overlap", make("no_shared_overlap", heavy, shared=0, budget=2, overlap=True)
    yield "global_eq_shared", make("global_eq_shared", two, global_budget=2)
    yield "global_all", make("global_all", two, global_budget=10)
    yield "global_odd", make("global_odd", two, global_budget=5, overlap=True)
    yield "global_first", make("global_first", two, global_budget=5, initial="first")
    yield "free_copies", make("free_copies", heavy, budget=2, expert_bytes=1, copy_latency_us=0.0)
    yield "huge_copies", make("huge_copies", heavy, budget=3, expert_bytes=10**12)
    yield "blocks", make("blocks", two, budget=2, blocks=[2, 1])
    yield "zero_cpu_cost", make("zero_cpu_cost", two, budget=2, cpu_token_us=0.0, cpu_call_us=0.0)
    yield (
        "top1_cheap_gpu",
        make(
            "top1_cheap_gpu",
            heavy,
            top_k=1,
            budget=2,
            gpu_call_us=0.0,
            gpu_token_us=0.0,
            overlap=True,
        ),
    )


def random_shapes(count: int):
    """Seeded random traces: 1-4 steps, 1-2 layers, 3-4 experts, any budget kind."""
    rng = np.random.default_rng(2025)
    for k in range(count):
        steps, layers, experts = rng.integers(1, 5), rng.integers(1, 3), rng.integers(3, 5)
        counts = rng.choice([0, 0, 1, 3, 20, 60], size=(steps, layers, experts))
        shared = int(rng.integers(0, 2))
        kw = dict(
            experts=int(experts),
            shared=shared,
            top_k=int(rng.integers(1, 3)),
            overlap=bool(rng.random() < 0.5),
            initial="first" if rng.random() < 0.3 else "empty",
            expert_bytes=int(rng.choice([1, 6291456, 10**9])),
        )
        if rng.random() < 0.5:
            kw["budget"] = shared + int(rng.integers(0, experts + 1))
        else:
            kw["global_budget"] = shared * int(layers) + int(rng.integers(0, experts * layers + 1))
        yield f"rand_{k}", make(f"rand_{k}", counts, **kw)


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    fam = planner.get_family("offload")
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open(out_path, "w") as out:
        for shape, inst in random_shapes(count) if count else shapes():
            opt = brute(inst)
            for method in fam.methods:
                emit(audit("offload", shape, inst, method, time_limit=limit, opt=opt), out)


if __name__ == "__main__":
    main()
