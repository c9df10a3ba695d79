"""A small sampling profiler (SIGPROF every 2 ms of CPU): unlike cProfile it does not
inflate call-heavy Python code. Prints the share of samples per function (self) and per
function on the stack (inclusive).

    python sample.py 1t|1t-etp|fleet-MODEL-MODE [TOP]
"""

import collections
import os
import signal
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

self_count: collections.Counter = collections.Counter()
incl_count: collections.Counter = collections.Counter()
total = [0]
parent: collections.Counter = collections.Counter()  # callers of generated dataclass methods


def handler(signum, frame):
    total[0] += 1
    seen = set()
    f = frame
    first = True
    while f is not None:
        code = f.f_code
        key = f"{code.co_filename.split('/work/wt/s16fleet/')[-1].split('site-packages/')[-1]}:{code.co_firstlineno}({code.co_name})"
        if first:
            self_count[key] += 1
            first = False
            if code.co_filename == "<string>" and f.f_back is not None:
                b = f.f_back.f_code
                parent[
                    f"{code.co_name} <- {b.co_filename.split('/')[-1]}:{f.f_back.f_lineno}({b.co_name})"
                ] += 1
        if key not in seen:
            incl_count[key] += 1
            seen.add(key)
        f = f.f_back


def run(case):
    if case.startswith("1t"):
        from planner.train.api import make_problem, solve

        p = make_problem(
            "gpt-1008b",
            "3072xA100",
            global_batch=3072,
            seq_len=2048,
            search_expert_tp=case == "1t-etp",
        )
        return lambda: solve(p, "auto", time_limit=60)
    from dataclasses import replace
    from pathlib import Path

    from planner.perfmodel import constants
    from planner.perfmodel.readers import load_model
    from planner.serve import read, solve
    from planner.serve.instance import ServingConstraints

    _, rest = case.split("-", 1)
    m, d = rest.rsplit("-", 1)
    (base,) = read(Path(__file__).resolve().parents[3] / "instances/serve/fleet-3x3.toml")
    p = replace(base, model=load_model(m), constraints=ServingConstraints(disaggregation=d))
    constants._clear_caches()
    return lambda: solve(p, "auto", time_limit=60)


case = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
go = run(case)
signal.signal(signal.SIGPROF, handler)
signal.setitimer(signal.ITIMER_PROF, 0.002, 0.002)
c = time.process_time()
r = go()
signal.setitimer(signal.ITIMER_PROF, 0, 0)
print(r.status.value, repr(r.objective), f"cpu {time.process_time() - c:.2f}", "samples", total[0])
print("--- self")
for k, v in self_count.most_common(top):
    print(f"{100 * v / total[0]:5.1f}%  {k}")
print("--- generated dataclass methods by caller")
for k, v in parent.most_common(25):
    print(f"{100 * v / total[0]:5.1f}%  {k}")
print("--- inclusive")
for k, v in incl_count.most_common(top + 20):
    print(f"{100 * v / total[0]:5.1f}%  {k}")
