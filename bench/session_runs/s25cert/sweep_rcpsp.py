"""s25cert: rcpsp edge shapes x every method, against an own brute force (all start vectors).

Usage: nice -n 10 python sweep_rcpsp.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import random
import sys

from harness import audit, emit

import planner
from planner.rcpsp import Instance
from planner.rcpsp.instance import Downtime, Precedence


def check(inst: Instance, start) -> str:
    """Own feasibility check, unit by unit over time (no planner code)."""
    n = len(inst.durations)
    if len(start) != n:
        return "wrong length"
    dur = inst.durations
    for j in range(n):
        if start[j] < (inst.release[j] if inst.release else 0) or start[j] < 0:
            return f"job {j} before release"
        dl = inst.deadline[j] if inst.deadline else None
        if dl is not None and start[j] + dur[j] > dl:
            return f"job {j} after deadline"
    for pr in inst.precedences:
        lag = dur[pr.pred] if pr.lag is None else pr.lag
        if start[pr.succ] < start[pr.pred] + lag:
            return f"precedence {pr}"
    for a, b in inst.disjunctive:
        if set(range(start[a], start[a] + dur[a])) & set(range(start[b], start[b] + dur[b])):
            return f"disjunctive {a},{b}"
    horizon = max((s + d for s, d in zip(start, dur, strict=True)), default=0)
    for t in range(horizon):
        for r, cap in enumerate(inst.capacities):
            c = cap
            for w in inst.downtimes:
                if w.resource == r and w.start <= t < w.end:
                    c = min(c, w.capacity)
            use = sum(inst.demands[j][r] for j in range(n) if start[j] <= t < start[j] + dur[j])
            if use > c:
                return f"resource {r} at {t}: {use} > {c}"
    return ""


def makespan(inst: Instance, start) -> int:
    """Own objective: the latest completion (0 for no time used)."""
    return max((s + d for s, d in zip(start, inst.durations, strict=True)), default=0)


def brute(inst: Instance, horizon: int) -> int | None:
    """Own optimum: depth-first over every start vector with makespan <= m, m = 0, 1, ..."""
    n = len(inst.durations)
    dur = inst.durations
    rel = inst.release or (0,) * n
    for m in range(horizon + 1):
        start = [0] * n

        def dfs(j: int, m=m, start=start) -> bool:
            if j == n:
                return not check(inst, start)
            for s in range(rel[j], m - dur[j] + 1):
                start[j] = s
                ok = True
                for pr in inst.precedences:
                    if pr.pred <= j and pr.succ <= j:
                        lag = dur[pr.pred] if pr.lag is None else pr.lag
                        if start[pr.succ] < start[pr.pred] + lag:
                            ok = False
                            break
                if ok and dfs(j + 1):
                    return True
            return False

        if dfs(0):
            return m
    return None


def shapes(rng: random.Random):
    """(shape, instance, brute-force horizon); horizon None = no brute force."""
    P = Precedence
    yield "single_job", Instance("single_job", (3,), ((2,),), (2,)), 6
    yield "single_zero", Instance("single_zero", (0,), ((5,),), (1,)), 3
    yield (
        "chain5",
        Instance(
            "chain5", (2, 1, 3, 1, 2), ((1,),) * 5, (1,), tuple(P(i, i + 1) for i in range(4))
        ),
        12,
    )
    yield (
        "all_zero_dur",
        Instance("all_zero_dur", (0, 0, 0, 0), ((3,), (2,), (1,), (3,)), (3,), (P(0, 1), P(1, 2))),
        3,
    )
    yield (
        "cap_at_peak",
        Instance("cap_at_peak", (2, 2, 2, 2), ((1, 2), (2, 1), (1, 2), (2, 1)), (3, 3)),
        10,
    )
    yield (
        "cap_exact_sum",
        Instance("cap_exact_sum", (3, 2, 4, 1), ((1,), (2,), (3,), (4,)), (10,)),
        12,
    )
    yield "demand_over_cap", Instance("demand_over_cap", (2, 3), ((1,), (4,)), (3,)), 8
    yield "zero_dur_over_cap", Instance("zero_dur_over_cap", (0, 3), ((9,), (3,)), (3,)), 6
    yield "cap_zero", Instance("cap_zero", (2, 3, 1), ((0,), (0,), (0,)), (0,), (P(0, 2),)), 8
    yield (
        "max_neg_lag",
        Instance(
            "max_neg_lag", (3, 2, 2), ((1,), (1,), (1,)), (1,), (P(0, 1, 1), P(1, 0, -1), P(1, 2))
        ),
        10,
    )
    yield (
        "zero_cycle",
        Instance("zero_cycle", (2, 2), ((1,), (1,)), (2,), (P(0, 1, 2), P(1, 0, -2))),
        6,
    )
    yield (
        "pos_cycle",
        Instance("pos_cycle", (2, 2, 1), ((1,), (1,), (1,)), (2,), (P(0, 1, 3), P(1, 0, -2))),
        8,
    )
    yield (
        "lag_window_res",
        Instance("lag_window_res", (2, 2, 2), ((1,), (1,), (1,)), (1,), (P(0, 1, 0), P(1, 0, -1))),
        8,
    )  # |s0 - s1| <= 1 on cap 1: no
    yield "neg_lag_only", Instance("neg_lag_only", (3, 3), ((1,), (1,)), (1,), (P(0, 1, -5),)), 8
    yield (
        "deadline_tight",
        Instance(
            "deadline_tight", (2, 2, 2), ((1,),) * 3, (1,), deadline=(6, 6, 6), release=(0, 0, 0)
        ),
        8,
    )
    yield (
        "deadline_infeasible",
        Instance(
            "deadline_infeasible",
            (2, 2, 2),
            ((1,),) * 3,
            (1,),
            deadline=(5, 5, None),
            release=(0, 0, 0),
        ),
        8,
    )
    yield (
        "deadline_vs_release",
        Instance(
            "deadline_vs_release", (2, 1), ((1,), (1,)), (1,), release=(3, 0), deadline=(4, None)
        ),
        8,
    )
    yield "release_gap", Instance("release_gap", (1, 1, 1), ((1,),) * 3, (1,), release=(0, 5, 2)), 8
    yield (
        "downtime_start",
        Instance("downtime_start", (2, 2), ((1,), (1,)), (1,), downtimes=(Downtime(0, 0, 3, 0),)),
        10,
    )
    yield (
        "downtime_partial",
        Instance(
            "downtime_partial",
            (2, 2, 1),
            ((1,), (1,), (2,)),
            (2,),
            downtimes=(Downtime(0, 1, 3, 1),),
        ),
        10,
    )
    yield (
        "downtime_blocks_deadline",
        Instance(
            "downtime_blocks_deadline",
            (2,),
            ((1,),),
            (1,),
            release=(0,),
            deadline=(4,),
            downtimes=(Downtime(0, 1, 4, 0),),
        ),
        8,
    )
    yield (
        "disj_zero_dur",
        Instance(
            "disj_zero_dur", (0, 3, 2), ((0,), (1,), (1,)), (3,), disjunctive=((0, 1), (1, 2))
        ),
        8,
    )
    yield (
        "disj_chain",
        Instance("disj_chain", (2, 2, 2), ((0,),) * 3, (1,), disjunctive=((0, 1), (1, 2), (0, 2))),
        8,
    )
    yield "all_equal", Instance("all_equal", (2,) * 5, ((1,),) * 5, (2,)), 8
    yield "no_resources", Instance("no_resources", (2, 3, 1), ((), (), ()), (), (P(0, 2),)), 8
    big = 2**31 - 1
    yield (
        "huge_dur_chain",
        Instance("huge_dur_chain", (big, big, 1), ((1,), (1,), (1,)), (1,), (P(0, 1),)),
        None,
    )
    yield (
        "huge_neg_lag",
        Instance("huge_neg_lag", (big, 5), ((1,), (1,)), (1,), (P(0, 1, -big), P(1, 0, -big))),
        None,
    )
    for k in range(8):
        n = rng.randint(2, 5)
        dur = tuple(rng.choice([0, 1, 1, 2, 3]) for _ in range(n))
        cap = (rng.randint(1, 3), rng.randint(0, 2))
        dem = tuple((rng.randint(0, cap[0]), rng.randint(0, cap[1])) for _ in range(n))
        prec = []
        for _ in range(rng.randint(0, 3)):
            a, b = rng.sample(range(n), 2)
            prec.append(P(a, b, rng.choice([None, rng.randint(-3, 3)])))
        rel = tuple(rng.choice([0, 0, 1, 3]) for _ in range(n))
        dl = tuple(rng.choice([None, None, sum(dur) + 2]) for _ in range(n))
        dts = (
            (Downtime(0, rng.randint(0, 3), rng.randint(4, 6), rng.randint(0, cap[0])),)
            if k % 2
            else ()
        )
        disj = ((0, 1),) if k % 3 == 0 else ()
        try:
            inst = Instance(f"random_{k}", dur, dem, cap, tuple(prec), rel, dl, dts, disj)
        except Exception:
            continue
        yield f"random_{k}", inst, sum(dur) + 12


def random_shapes(rng: random.Random, count: int):
    """Seeded random tiny instances mixing every feature (lags, windows, downtimes, pairs)."""
    P = Precedence
    made = 0
    while made < count:
        n = rng.randint(1, 5)
        dur = tuple(rng.choice([0, 1, 1, 2, 3, 4]) for _ in range(n))
        cap = tuple(rng.randint(0, 3) for _ in range(rng.randint(0, 2)))
        dem = tuple(
            tuple(rng.randint(0, c + (1 if rng.random() < 0.1 else 0)) for c in cap)
            for _ in range(n)
        )
        prec = []
        for _ in range(rng.randint(0, 4) if n > 1 else 0):
            a, b = rng.sample(range(n), 2)
            prec.append(P(a, b, rng.choice([None, None, rng.randint(-4, 4)])))
        rel = tuple(rng.choice([0, 0, 0, 1, 2, 5]) for _ in range(n))
        dl = tuple(rng.choice([None, None, None, rng.randint(1, sum(dur) + 6)]) for _ in range(n))
        dts = tuple(
            Downtime(r, s, s + rng.randint(1, 4), rng.randint(0, cap[r]))
            for r in range(len(cap))
            for s in [rng.randint(0, 5)]
            if rng.random() < 0.4
        )
        disj = (
            tuple(tuple(rng.sample(range(n), 2)) for _ in range(rng.randint(0, 2))) if n > 1 else ()
        )
        try:
            inst = Instance(f"rand_{made}", dur, dem, cap, tuple(prec), rel, dl, dts, disj)
        except Exception:
            continue
        made += 1
        yield f"rand_{made - 1}", inst, sum(dur) + sum(max(0, p.lag or 0) for p in prec) + 10


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    fam = planner.get_family("rcpsp")
    rng = random.Random(25)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    which = random_shapes(random.Random(2025), count) if count else shapes(rng)
    with open(out_path, "w") as out:
        for shape, inst, horizon in which:
            opt = "?" if horizon is None else brute(inst, horizon)
            for method in fam.methods:
                rec = audit(
                    "rcpsp",
                    shape,
                    inst,
                    method,
                    time_limit=limit,
                    opt=opt,
                    own_objective=lambda s, i=inst: makespan(i, s.start),
                    own_feasible=lambda s, i=inst, h=horizon: (
                        check(i, s.start) if h is not None else ""
                    ),
                )
                emit(rec, out)


if __name__ == "__main__":
    main()
