"""s25cert: smtt edge shapes x every method, against an own brute force (permutations).

Usage: nice -n 10 python sweep_smtt.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import itertools
import random
import sys

from harness import audit, emit

import planner
from planner.smtt import Instance
from planner.smtt.instance import MAX_TOTAL


def tardiness(p, d, w, order) -> int:
    """Own objective: sum of w_j max(0, C_j - d_j) along ``order``."""
    t = total = 0
    for j in order:
        t += p[j]
        total += (1 if w is None else w[j]) * max(0, t - d[j])
    return total


def brute(p, d, w) -> int:
    """Own optimum: every permutation (n <= 8)."""
    return min(tardiness(p, d, w, o) for o in itertools.permutations(range(len(p))))


def shapes(rng: random.Random):
    """Edge shapes the generators do not produce."""
    yield "one_job", [5], [2], None
    yield "one_job_zero", [0], [0], [3]
    yield "all_zero_p", [0] * 6, [0, -1, 3, 0, 2, 1], None
    yield "all_zero_p_w", [0] * 5, [-3] * 5, [1, 2, 3, 4, 5]
    yield "all_equal", [4] * 7, [6] * 7, None
    yield "all_equal_w", [4] * 7, [6] * 7, [2] * 7
    yield "d_all_zero", [3, 1, 4, 1, 5, 9], [0] * 6, None
    yield "d_all_zero_w", [3, 1, 4, 1, 5, 9], [0] * 6, [2, 7, 1, 8, 2, 8]
    yield "d_negative", [2, 7, 1, 8, 2], [-5, -1, -9, -2, -6], None
    yield "d_negative_w", [2, 7, 1, 8, 2], [-5, -1, -9, -2, -6], [3, 0, 2, 5, 1]
    yield "d_huge", [5, 3, 8], [10**12] * 3, None
    yield "w_all_zero", [3, 2, 5, 1], [1, 2, 3, 0], [0, 0, 0, 0]
    yield "w_some_zero", [3, 2, 5, 1, 4], [1, 2, 3, 0, 2], [0, 5, 0, 3, 0]
    yield "one_huge_p", [2**40, 1, 2, 3], [0, 1, 2**40, 3], None
    yield "zero_and_huge", [0, 2**35, 0, 7, 2**35], [1, 2**35, -4, 2**36, 0], None
    big = 2**40
    yield "d_near_limit", [1, 2, 3], [-(MAX_TOTAL // 4), 0, 5], None
    yield "huge_w", [big, big, 1], [big, 0, big], [2**18, 2**19 + 1, 2**20 - 3]
    yield "p_one", [1] * 8, list(range(-2, 6)), None
    yield "ties_mixed", [2, 2, 3, 3, 2, 3, 2], [4, 4, 4, 4, 4, 4, 4], [1, 2, 1, 2, 1, 2, 1]
    for k in range(6):
        n = rng.randint(2, 8)
        p = [rng.choice([0, 1, 1, 2, 5, 10, 100]) for _ in range(n)]
        d = [rng.randint(-10, sum(p)) for _ in range(n)]
        w = None if k % 2 else [rng.choice([0, 1, 3, 10]) for _ in range(n)]
        yield f"random_{k}", p, d, w


def random_shapes(rng: random.Random, count: int):
    """Seeded random tiny instances: zero / equal / huge times, due dates from far below 0 up."""
    for k in range(count):
        n = rng.randint(1, 7)
        scale = rng.choice([1, 1, 10, 2**30])
        p = [rng.choice([0, 1, 2, 3, 5, 8]) * scale for _ in range(n)]
        total = sum(p)
        d = [
            rng.choice([-(2 ** rng.randint(1, 58)), 0, rng.randint(-total, 2 * total + 1)])
            for _ in range(n)
        ]
        w = None if rng.random() < 0.5 else [rng.choice([0, 1, 2, 7]) for _ in range(n)]
        yield f"rand_{k}", p, d, w


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    fam = planner.get_family("smtt")
    rng = random.Random(25)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    which = random_shapes(random.Random(2025), count) if count else shapes(rng)
    with open(out_path, "w") as out:
        for shape, p, d, w in which:
            inst = Instance(name=shape, p=p, d=d, w=w)
            opt = brute(p, d, w)
            jobs = list(range(len(p)))
            for method in fam.methods:
                rec = audit(
                    "smtt",
                    shape,
                    inst,
                    method,
                    time_limit=limit,
                    opt=opt,
                    own_objective=lambda s, p=p, d=d, w=w: tardiness(p, d, w, s.order),
                    own_feasible=lambda s, jobs=jobs: (
                        "" if sorted(s.order) == jobs else f"order {s.order} is not a permutation"
                    ),
                )
                emit(rec, out)


if __name__ == "__main__":
    main()
