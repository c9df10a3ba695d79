"""(s16fleet: copied from s15speed, with every candidate of every serve solve added.)

Dump the answers (status, objective, bound, plan, alternatives, search counters) of the
issue-18 and issue-19 solves plus a few more instances, to compare two code versions.

    PYTHONPATH=<tree> python bench/session_runs/s15speed/answers.py OUT.json [train|serve|all]

Objectives and bounds are written with repr() (every digit), so an identical file means
identical answers.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def train_rows():
    from planner.train.api import make_problem, solve

    cases = [
        ("1t", dict(model="gpt-1008b", cluster="3072xA100", global_batch=3072, seq_len=2048)),
        (
            "1t-etp",
            dict(
                model="gpt-1008b",
                cluster="3072xA100",
                global_batch=3072,
                seq_len=2048,
                search_expert_tp=True,
            ),
        ),
        (
            "llama8b-64h100",
            dict(model="llama-3.1-8b", cluster="64xH100", global_batch=512, seq_len=8192),
        ),
        (
            "mixtral-64h100",
            dict(model="mixtral-8x7b", cluster="64xH100", global_batch=256, seq_len=4096),
        ),
        (
            "gpt175b-1024a100",
            dict(model="gpt-175b", cluster="1024xA100", global_batch=1536, seq_len=2048),
        ),
    ]
    rows = {}
    for name, kw in cases:
        kw = dict(kw)
        model, cluster = kw.pop("model"), kw.pop("cluster")
        try:
            problem = make_problem(model, cluster, **kw)
        except Exception as e:
            rows[name] = {"error": repr(e)}
            continue
        t0 = time.process_time()
        r = solve(problem, "auto", time_limit=120)
        cpu = time.process_time() - t0
        s = r.stats
        rows[name] = {
            "status": r.status.value,
            "objective": repr(r.objective),
            "bound": repr(r.bound),
            "plan": r.solution.short() if r.solution else None,
            "plan_full": repr(r.solution),
            "alternatives": [(a["label"], repr(a["objective"])) for a in s.get("alternatives", [])],
            "counters": {
                k: s.get(k)
                for k in ("evaluated", "configs", "pruned_configs", "pruned_pairs", "complete")
            },
            "error_bands": [
                repr(x.get("error_band"))
                for x in [s.get("summary", {}), *s.get("summary", {}).get("alternatives", [])]
            ],
            "cpu_s": round(cpu, 2),
        }
        print(
            name,
            rows[name]["status"],
            rows[name]["plan"],
            rows[name]["objective"],
            f"{cpu:.2f}",
            flush=True,
        )
    return rows


def serve_rows():
    from planner.perfmodel import constants
    from planner.perfmodel.readers import load_model
    from planner.serve import read, solve
    from planner.serve.candidates import candidates_within
    from planner.serve.instance import ServingConstraints

    limit = float(os.environ.get("S15_TIME_LIMIT", "60"))
    only = sys.argv[3] if len(sys.argv) > 3 else ""  # a substring of the case names

    def one(name, problem):
        if only and only not in name:
            return
        constants._clear_caches()  # cold start, as bench/serve_fleet.py
        t0 = time.process_time()
        r = solve(problem, "auto", time_limit=limit)
        cpu = time.process_time() - t0
        rows[name] = {
            "status": r.status.value,
            "objective": repr(r.objective),
            "bound": repr(r.bound),
            "plan_full": repr(r.solution),
            "counters": {k: r.stats.get(k) for k in ("candidates", "usable_candidates")},
            "cpu_s": round(cpu, 2),
        }
        # every candidate (capacity by repr, chunk, reason): the search's full output
        cands, done = candidates_within(problem)
        table = [
            [c.workload, c.key, c.chunk, repr(c.capacity), c.reason, repr(c.point)] for c in cands
        ] + [done]
        digest = hashlib.sha256(json.dumps(table).encode()).hexdigest()
        rows[name]["candidates"] = f"sha256:{digest}"  # the table's digest (files stay small)
        print(name, r.status.value, r.objective, f"{cpu:.2f}", flush=True)

    (base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
    rows = {}
    for model in ("llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b"):
        for mode in ("off", "allow"):
            constraints = ServingConstraints(disaggregation=mode)
            problem = replace(base, model=load_model(model), constraints=constraints)
            one(f"fleet/{model}/{mode}", replace(problem, name=f"{model}/{mode}"))
    for inst in ("chat-70b.toml", "trace-8b.toml", "offline-8b.json"):
        for i, problem in enumerate(read(ROOT / "instances" / "serve" / inst)):
            one(f"{inst}/{i}", problem)
    return rows


def main():
    out = Path(sys.argv[1])
    what = sys.argv[2] if len(sys.argv) > 2 else "all"
    rows = {}
    if what in ("train", "all"):
        rows.update(train_rows())
    if what in ("serve", "all"):
        rows.update(serve_rows())
    out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
