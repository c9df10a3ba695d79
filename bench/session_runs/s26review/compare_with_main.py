"""wait_grid on main against the branch over 300 random service laws (1-40 lognormal classes,
scv 1 / 0.5 / 2 / 4, load 5-97 %): how many outputs are identical, refused or changed.

Run from the worktree after ``mkdir -p /tmp/s26review_oldwl && git show
main:planner/serve/wait_law.py > /tmp/s26review_oldwl/old_wait_law.py``:
``PYTHONPATH=. .venv/bin/python bench/session_runs/s26review/compare_with_main.py``.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from planner.serve import wait_law as new

sys.path.insert(0, "/tmp/s26review_oldwl")
import old_wait_law as old


def main() -> None:
    rng = np.random.default_rng(0)
    same = refused = changed = 0
    for _ in range(300):
        k = int(rng.integers(1, 40))
        s = np.sort(rng.lognormal(math.log(0.03), float(rng.uniform(0.1, 1.5)), k))
        w = rng.random(k)
        ca2 = float(rng.choice([1.0, 1.0, 0.5, 2.0, 4.0]))
        rho = float(rng.uniform(0.05, 0.97))
        lam = rho / float((w / w.sum()) @ s)
        a, b = old.wait_grid(lam, s, w, ca2, 32), new.wait_grid(lam, s, w, ca2, 32)
        if b is None:
            refused += 1
            print(f"refused scv {ca2} load {rho:.3f}")
        elif a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2]):
            same += 1
        else:
            changed += 1
            print(f"changed scv {ca2} load {rho:.3f}")
    print(f"identical {same}, refused {refused}, changed {changed}")


if __name__ == "__main__":
    main()
