"""Heap pushes and pops by item kind of the 1T search (monkeypatched counters; kinds: see
planner.train.search.Frontier).  PYTHONPATH=TREE python counts.py"""

import collections
import heapq

import planner.train.search as S
from planner.train.api import make_problem, solve

pushed = collections.Counter()
popped = collections.Counter()
orig_push = S.Frontier._push


def _push(self, key, kind, payload):
    pushed[kind] += 1
    return orig_push(self, key, kind, payload)


S.Frontier._push = _push
orig_pop = heapq.heappop


def pop(h):
    it = orig_pop(h)
    if isinstance(it, tuple) and len(it) == 4 and isinstance(it[2], int):
        popped[it[2]] += 1
    return it


S.heapq.heappop = pop
problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
r = solve(problem, "auto", time_limit=60)
print(r.status, r.objective, r.stats["evaluated"], r.stats["configs"])
print("pushed", sorted(pushed.items()))
print("popped", sorted(popped.items()))
