"""A/B CPU seconds of a solve in two source trees, alternating fresh processes.

    python ab.py TREE_A TREE_B CASE [REPEATS]

CASE: 1t | 1t-etp | fleet-NAME-MODE (e.g. fleet-mixtral-8x7b-allow) | fleet (all six in one
process, as bench/serve_fleet.py runs them). Prints each run and the medians.
"""

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import os, sys, time, json
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
case = sys.argv[1]
out = {}
if case.startswith("1t"):
    from planner.train.api import make_problem, solve
    p = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048,
                     search_expert_tp=case == "1t-etp")
    c = time.process_time()
    r = solve(p, "auto", time_limit=60)
    out[case] = (time.process_time() - c, r.status.value, repr(r.objective))
else:
    from dataclasses import replace
    from pathlib import Path
    from planner.perfmodel import constants
    from planner.perfmodel.readers import load_model
    from planner.serve import read, solve
    from planner.serve.instance import ServingConstraints
    (base,) = read(Path(sys.argv[2]) / "instances/serve/fleet-3x3.toml")
    if case == "fleet":
        runs = [(m, d) for m in ("llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b") for d in ("off", "allow")]
    else:
        _, rest = case.split("-", 1)
        m, d = rest.rsplit("-", 1)
        runs = [(m, d)]
    for m, d in runs:
        p = replace(base, model=load_model(m), constraints=ServingConstraints(disaggregation=d))
        constants._clear_caches()
        c = time.process_time()
        r = solve(p, "auto", time_limit=float(os.environ.get("S15_TIME_LIMIT", "60")))
        out[f"{m}/{d}"] = (time.process_time() - c, r.status.value, repr(r.objective))
print(json.dumps(out))
"""


def main():
    a, b, case = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    res = {a: [], b: []}
    for i in range(n):
        for tree in (a, b):
            env = dict(os.environ, PYTHONPATH=tree)
            load = os.getloadavg()[0]
            out = subprocess.run(
                [sys.executable, "-c", CHILD, case, tree],
                env=env,
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            row = json.loads(out.strip().splitlines()[-1])
            res[tree].append(row)
            print(
                i,
                tree,
                f"load {load:.2f}",
                {k: (round(v[0], 3), v[1], v[2]) for k, v in row.items()},
                flush=True,
            )
    for tree in (a, b):
        keys = res[tree][0].keys()
        med = {k: round(statistics.median(r[k][0] for r in res[tree]), 3) for k in keys}
        print("median", tree, med, "sum", round(sum(med.values()), 3))


if __name__ == "__main__":
    main()
