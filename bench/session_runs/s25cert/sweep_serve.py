"""s25cert: serve edge shapes x every method, against an own enumeration of replica mixes.

For every (pool, tp, chunk) of one role (``both``; disaggregation off) the per-replica
capacity is found by bisection on the family's forward model (``verify``'s static checks and
``group_point``'s SLO check: the objective's definition); then every mix of replica counts
that fits the pools is enumerated with own loops and the cheapest one covering the demand
is the optimum (loads split in proportion to capacity, so every replica runs below its own).

Usage: nice -n 10 python sweep_serve.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import functools
import math
import sys

from harness import audit, emit
from sweep_train import TINY

import planner
import planner.serve
from planner.serve.evaluate import group_point
from planner.serve.instance import ReplicaGroup, ServingPlan

CHUNKS = (256, 512, 1024, 2048, 4096, 8192, 16384)


def static_ok(problem, g: ReplicaGroup) -> bool:
    fam = planner.get_family("serve")
    v = fam.verify(problem, ServingPlan((g,)))
    return not [x for x in v if not x.startswith("plan serves")]


def capacity(problem, pool: str, tp: int, chunk: int) -> float:
    """Largest per-replica request rate meeting the SLOs (0 when none), by bisection."""
    g = ReplicaGroup(gpu=pool, tp=tp, pp=1, ep=1, count=1, role="both", chunk_tokens=chunk)
    if not static_ok(problem, g):
        return 0.0

    def ok(x: float) -> bool:
        return not group_point(
            problem,
            ReplicaGroup(
                gpu=pool, tp=tp, pp=1, ep=1, count=1, role="both", chunk_tokens=chunk, load_qps=x
            ),
        ).violations

    lo, hi = 0.0, 1.0
    if not ok(1e-9):
        return 0.0
    while ok(hi):
        lo, hi = hi, hi * 2
        if hi > 1e7:
            return math.inf
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def brute(problem) -> tuple[float | None, float]:
    """Own cheapest plan's cost per hour (None: nothing covers the demand), and its capacity."""
    qps = problem.traffic.qps
    pools = [(p.label, p.count, p.gpu.price_per_gpu_hour) for p in problem.inventory.pools]
    c = problem.constraints
    per_pool = []
    for label, count, price in pools:
        if c.gpu is not None and problem.pool(c.gpu).label != label:
            per_pool.append([(0.0, 0.0)])
            continue
        configs = []
        for tp in (1, 2, 4, 8):
            if (
                tp > count
                or (c.max_tp is not None and tp > c.max_tp)
                or (c.tp is not None and tp != c.tp)
            ):
                continue
            caps = [capacity(problem, label, tp, ch) for ch in CHUNKS]
            best = max(caps)
            if best > 0:
                configs.append((tp, best))

        @functools.cache
        def mixes(i: int, gpus_left: int, configs=tuple(configs)):
            """Every (capacity, GPUs) reachable with configs i.. on gpus_left GPUs."""
            if i == len(configs):
                return {(0.0, 0)}
            tp, cap = configs[i]
            out = set()
            for n in range(gpus_left // tp + 1):
                for cap2, used in mixes(i + 1, gpus_left - n * tp):
                    out.add((cap2 + n * cap, used + n * tp))
            return out

        per_pool.append([(cap, used * price) for cap, used in mixes(0, count)])
    best, best_cap = None, 0.0
    combos = [(0.0, 0.0)]
    for options in per_pool:
        combos = [(a + b, x + y) for a, x in combos for b, y in options]
    for cap, cost in combos:
        if cap >= qps * (1 - 1e-9) and (best is None or cost < best):
            best, best_cap = cost, cap
    return best, best_cap


def shapes():
    mk = planner.serve.make_problem
    base = dict(prompt_tokens=512, output_tokens=128, ttft="1s", tpot="50ms", pricing="on-demand")
    yield "one_gpu_easy", mk(TINY, "H100:1", qps=2, name="one_gpu_easy", **base)
    one = mk(TINY, "L4:1", qps=1, name="probe", **base)
    cap1 = max(capacity(one, one.inventory.pools[0].label, 1, ch) for ch in CHUNKS)
    yield (
        "one_gpu_just_fits",
        mk(TINY, "L4:1", qps=cap1 * (1 - 1e-6), name="one_gpu_just_fits", **base),
    )
    yield (
        "one_gpu_just_over",
        mk(TINY, "L4:1", qps=cap1 * (1 + 1e-4), name="one_gpu_just_over", **base),
    )
    yield (
        "two_l4_just_over_one",
        mk(TINY, "L4:2", qps=cap1 * (1 + 1e-4), name="two_l4_just_over_one", **base),
    )
    yield "mixed_pools", mk(TINY, "H100:2,L4:4", qps=3 * cap1, name="mixed_pools", **base)
    yield "tight_tpot", mk(TINY, "H100:4,L4:4", qps=5, name="tight_tpot", **{**base, "tpot": "4ms"})
    yield "max_tp_1", mk(TINY, "H100:4", qps=8, name="max_tp_1", max_tp=1, **base)
    yield "tp_fixed_2", mk(TINY, "H100:4", qps=8, name="tp_fixed_2", tp=2, **base)
    yield (
        "long_prompt",
        mk(
            TINY,
            "L4:4",
            qps=1,
            name="long_prompt",
            **{**base, "prompt_tokens": 12000, "output_tokens": 16},
        ),
    )
    yield "gpt17_l4", mk("gpt-1.7b", "L4:4,A100:1", qps=4, name="gpt17_l4", **base)


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    fam = planner.get_family("serve")
    with open(out_path, "w") as out:
        for shape, problem in shapes():
            opt, cap = brute(problem)
            print(shape, opt, cap, problem.traffic.qps, file=sys.stderr, flush=True)
            for method in fam.methods:
                rec = audit("serve", shape, problem, method, time_limit=limit, opt=opt)
                rec["brute_capacity"] = cap
                emit(rec, out)


if __name__ == "__main__":
    main()
