"""Probe: does energetic reasoning (Baptiste, Le Pape & Nuijten 2001, ch. 3: the interval
energy check and its start/end adjustments) with precedence propagation, iterated to a fixpoint
at the root, refute ``makespan <= T``? Reports the largest T it refutes (a destructive lower
bound: that T + 1) next to the reference and the bound `auto` had in j60_auto_v5.

usage: er_probe.py OUT.md INSTANCE...   (PSPLIB j30/j60 names)
"""

import csv
import sys
import time
from pathlib import Path

import numpy as np

from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.network import distances, energy_distances, windows
from planner.rcpsp.readers import read

DATA = Path("/work/shared/data/psplib")


def refutes(inst, dist, horizon: int, max_rounds: int = 200) -> bool:
    """True when the fixpoint empties some window (no schedule finishes by ``horizon``)."""
    n = inst.num_jobs
    p = np.asarray(inst.durations, dtype=np.int64)
    q = np.asarray(inst.demands, dtype=np.int64).reshape(n, -1)
    cap = np.asarray(inst.capacities, dtype=np.int64)
    w = windows(inst, dist, horizon)
    if not (np.all(np.isfinite(w.es)) and np.all(np.isfinite(w.ls))):
        return True
    est, lst = w.es.astype(np.int64), w.ls.astype(np.int64)
    d = np.where(np.isfinite(dist), dist, -(10**12)).astype(np.int64)
    for _ in range(max_rounds):
        if np.any(est > lst):
            return True
        old = (est.copy(), lst.copy())
        ect, lct = est + p, lst + p
        for r in range(q.shape[1]):
            users = np.nonzero((q[:, r] > 0) & (p > 0))[0]
            if len(users) < 2:
                continue
            t1s = np.unique(np.concatenate([est[users], ect[users], lst[users]]))
            t2s = np.unique(np.concatenate([lct[users], ect[users], lst[users]]))
            T1, T2 = np.meshgrid(t1s, t2s, indexing="ij")
            keep = T2 > T1
            T1, T2 = T1[keep], T2[keep]
            L = T2 - T1
            e, s_, f = est[users][:, None], lst[users][:, None], p[users][:, None]
            # minimal intersection of each job with every interval [T1, T2)
            mi = np.maximum(
                0,
                np.minimum.reduce(
                    [
                        np.broadcast_to(L, (len(users), len(L))),
                        np.broadcast_to(f, (len(users), len(L))),
                        e + f - T1,
                        T2 - s_,
                    ]
                ),
            )
            qq = q[users, r][:, None]
            W = qq * mi
            total = W.sum(axis=0)
            avail = cap[r] * L
            if np.any(total > avail):
                return True
            slack = avail[None, :] - (total[None, :] - W)  # without job j's own share
            allowed = slack // qq  # units of j that fit in the interval
            ls_ = np.maximum(
                0,
                np.minimum.reduce(
                    [np.broadcast_to(L, W.shape), np.broadcast_to(f, W.shape), e + f - T1]
                ),
            )
            rs_ = np.maximum(
                0,
                np.minimum.reduce(
                    [np.broadcast_to(L, W.shape), np.broadcast_to(f, W.shape), T2 - s_]
                ),
            )
            new_est = np.where(ls_ > allowed, T2 - allowed, np.iinfo(np.int64).min).max(axis=1)
            new_lct = np.where(rs_ > allowed, T1 + allowed, np.iinfo(np.int64).max).min(axis=1)
            est[users] = np.maximum(est[users], new_est)
            lst[users] = np.minimum(lst[users], new_lct - p[users])
        # precedences (longest paths)
        est = np.maximum(est, (est[:, None] + d).max(axis=0))
        lst = np.minimum(lst, (lst[None, :] - d).min(axis=1))
        if np.array_equal(old[0], est) and np.array_equal(old[1], lst):
            return bool(np.any(est > lst))
    return bool(np.any(est > lst))


def main() -> None:
    out, names = sys.argv[1], sys.argv[2:]
    with open(DATA / "bounds.csv") as f:
        ref = {r["instance"]: r for r in csv.DictReader(f)}
    with open("/work/wt/s21rcpsp/bench/results/rcpsp/j60_auto_v5.csv") as f:
        v5 = {r["instance"]: r for r in csv.DictReader(f)}
    lines = [
        "| instance | lower_bound | ER bound | v5 bound | best_lb | best_ub | ER refutes ub-1 | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        group = "j30" if name.startswith("j30") else "j60"
        inst = read(DATA / group / f"{name}.sm")[0]
        t0 = time.process_time()
        dist = energy_distances(inst, distances(inst))
        lb = lower_bound(inst)
        ub = int(ref[name]["best_ub"])
        # destructive: raise T from the lower bound while refuted (never past ub - 1)
        t = lb
        while t < ub and refutes(inst, dist, t):
            t += 1
        er = t  # first horizon not refuted
        assert er <= int(ref[name]["best_ub"]), (name, er)  # validity check vs. the reference
        line = (
            f"| {name} | {lb} | {er} | {v5.get(name, {}).get('bound', '')} | "
            f"{ref[name]['best_lb']} | {ub} | {er >= ub} | {time.process_time() - t0:.1f} |"
        )
        print(line, flush=True)
        lines.append(line)
        Path(out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
