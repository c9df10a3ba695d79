"""Record the arguments of every merged_point call of the Mixtral fleet solve (disaggregation
allowed) to /tmp/s16fleet_merge_args.pkl, for kernel micro-benchmarks (bench_merge.py)."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pickle
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import capacity, lockstep, read, solve
from planner.serve.instance import ServingConstraints

ROOT = Path(__file__).resolve().parents[3]
(base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
problem = replace(
    base, model=load_model("mixtral-8x7b"), constraints=ServingConstraints(disaggregation="allow")
)
constants._clear_caches()
calls = []
orig = lockstep.merged_point


def spy(*args):
    calls.append(args)
    return orig(*args)


lockstep.merged_point = spy
capacity.merged_point = spy
r = solve(problem, "auto", time_limit=600)
print(r.status.value, r.objective, len(calls))
Path("/tmp/s16fleet_merge_args.pkl").write_bytes(pickle.dumps(calls))
