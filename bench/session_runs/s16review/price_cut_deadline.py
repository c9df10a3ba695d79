"""s16review: s16fleet's priced_candidates under a deadline that expires during a price level
(PYTHONPATH=/work/wt/s16fleet; after the s16review fix: price_cut_deadline_fixed.txt): the level's candidates are dropped and the uncapped re-run returns none."""

import time

import planner.serve.price_cut as pc
from planner.core.timing import Deadline
from planner.serve import read

orig = pc.candidates_within


def wrapped(problem, deadline=None, cap=None):
    t = time.perf_counter()
    c, done = orig(problem, deadline, cap)
    print(
        f"  candidates_within cap={cap if not isinstance(cap, dict) else {k: round(v, 2) for k, v in cap.items()}} -> {len(c)} cands, done={done}, {time.perf_counter() - t:.2f}s, deadline left {deadline.remaining() if deadline else None}"
    )
    return c, done


pc.candidates_within = wrapped
(p,) = read("/work/main/instances/serve/fleet-3x3.toml")
for lim in (4.0, 8.0):
    c, done, st = pc.priced_candidates(p, Deadline(lim))
    print("limit", lim, "->", len(c), done, st)
