"""s16utrain: is an OPTIMAL (or a bound) claim true? Pin (tp, pp, cp, ep, recompute, zero) one
combination at a time, solve each pinned problem, and compare the best pinned plan with the free
search's objective and bound.

Usage: PYTHONPATH=. nice -n 10 python bench/session_runs/s16utrain/probe.py MODEL GPUS B S [key=value ...]
"""

from __future__ import annotations

import itertools
import sys
import time

from planner.train.api import make_problem, solve

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from sweep import model


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def main(argv: list[str]) -> None:
    name, gpus, B, S = argv[0], argv[1], int(argv[2]), int(argv[3])
    kw = {}
    for a in argv[4:]:
        k, v = a.split("=")
        kw[k] = int(v) if v.isdigit() else v
    t = 20.0
    prob = make_problem(model(name), gpus, global_batch=B, seq_len=S, **kw)
    w = time.perf_counter()
    res = solve(prob, "auto", time_limit=60, threads=1)
    print(
        f"free: {res.status} {res.solution.short() if res.solution else None} "
        f"obj={res.objective} bound={res.bound} wall={time.perf_counter() - w:.1f}",
        flush=True,
    )
    m = prob.model
    N = prob.gpu_budget
    tps = [d for d in divisors(N) if d <= 16 and m.heads % d == 0]
    best = (float("inf"), None)
    n = 0
    for tp, pp, cp in itertools.product(tps, divisors(N), [1, 2, 4, 8, 16]):
        if tp * pp * cp > N or N % (tp * pp * cp) or pp > m.layers:
            continue
        if (
            ("tp" in kw and kw["tp"] != tp)
            or ("pp" in kw and kw["pp"] != pp)
            or ("cp" in kw and kw["cp"] != cp)
        ):
            continue
        for rc in ("none", "selective", "full", "offload"):
            pins = dict(kw, tp=tp, pp=pp, cp=cp, recompute=rc)
            p2 = make_problem(model(name), gpus, global_batch=B, seq_len=S, **pins)
            r2 = solve(p2, "auto", time_limit=t, threads=1)
            n += 1
            if r2.objective is not None and r2.objective < best[0]:
                best = (r2.objective, r2.solution.short())
            if (
                r2.objective is not None
                and res.bound is not None
                and r2.objective < res.bound * (1 - 1e-9)
            ):
                print(
                    f"BOUND VIOLATED: pinned {pins} -> {r2.solution.short()} {r2.objective} < bound {res.bound}",
                    flush=True,
                )
            if r2.status.name not in ("OPTIMAL", "INFEASIBLE"):
                print(
                    f"  pinned {tp=} {pp=} {cp=} {rc}: {r2.status} obj={r2.objective} bound={r2.bound}",
                    flush=True,
                )
    print(
        f"{n} pinned solves; best pinned {best}; free {res.objective} bound {res.bound}", flush=True
    )


if __name__ == "__main__":
    main(sys.argv[1:])
