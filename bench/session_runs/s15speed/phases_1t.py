"""CPU seconds of the phases of the issue-18 solve (no profiler overhead): the rule-of-thumb
incumbent, the search's configuration seeds, the best-first run, the summary."""

import sys
import time

import planner.train.error_bands as eb
import planner.train.methods as methods
import planner.train.search as search
from planner.train.api import make_problem, solve

acc: dict[str, float] = {}


def timed(mod, name, label):
    fn = getattr(mod, name)

    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            acc[label] = acc.get(label, 0.0) + time.process_time() - t

    setattr(mod, name, wrapper)


timed(search, "config_seeds", "config_seeds")
timed(search.Frontier, "run", "frontier.run")
timed(search.Frontier, "_expand", "  _expand")
timed(search, "_config_bound", "  _config_bound")
timed(search.Frontier, "_evaluate", "  _evaluate")
timed(search, "stage_floor", "  stage_floor")
timed(search, "candidate_may_fit", "  candidate_may_fit")
timed(methods, "rule_of_thumb", "rule_of_thumb")
timed(eb, "attach_bands", "attach_bands")
problem = make_problem(
    "gpt-1008b",
    "3072xA100",
    global_batch=3072,
    seq_len=2048,
    search_expert_tp="--expert-tp" in sys.argv,
)
t = time.process_time()
r = solve(problem, "auto", time_limit=60)
total = time.process_time() - t
print(r.status.value, r.solution.short(), repr(r.objective), f"total cpu {total:.3f}")
for k, v in acc.items():
    print(f"{k:24s} {v:.3f}")
