"""Every exact SMTT method (and two heuristics) on six-job instances with due dates far outside
[0, P], against a brute force: the answer must equal the optimum and the bound be at most it.

Usage: ``PYTHONPATH=. python bench/session_runs/s25review/far_due_dates.py``
"""

from __future__ import annotations

import itertools
import logging

import planner
from planner.core.errors import InputError
from planner.smtt.bounds import lower_bound
from planner.smtt.instance import Instance

P = [3, 1, 4, 1, 5, 9]


def brute_force(inst: Instance) -> int:
    """The optimum over every order."""
    best = None
    for order in itertools.permutations(range(inst.n)):
        t = total = 0
        for j in order:
            t += inst.p[j]
            total += (inst.w[j] if inst.w else 1) * max(0, t - inst.d[j])
        best = total if best is None or total < best else best
    return best


def main() -> None:
    """One line per instance: the optimum, the cheap bound, each method's status and check."""
    logging.disable(logging.WARNING)
    for k in (40, 50, 60, 62):
        for w in (None, [1, 2, 1, 3, 1, 2]):
            for due in (
                [-(2**k), 2, 5, 3, 8, 10],
                [2, 5, 3, 8, 10, 2**k],
                [-(2**k), -(2**k) + 5, 5, 3, 8, 2**k],
            ):
                try:
                    inst = Instance("far", p=P, d=due, w=w)
                except InputError as exc:  # beyond int64 for the methods: refused, fine
                    print(k, w is not None, due[:2], "refused:", str(exc)[:60])
                    continue
                opt = brute_force(inst)
                row = [k, w is not None, due[:2], "opt", opt, "lb", lower_bound(inst)]
                for m in ("mip", "exact", "auto", "cpsat", "ils", "atc" if w else "mdd"):
                    r = planner.solve(inst, m, time_limit=5, threads=1, seed=0)
                    ok = r.objective == opt and (r.bound is None or r.bound <= opt)
                    row.append(f"{m}:{r.status.name[:4]}:{'ok' if ok else 'BAD'}")
                print(*row)


if __name__ == "__main__":
    main()
