"""How many merged_share calls the Mixtral fleet search makes, how many distinct, and their time."""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import serve_fleet as fl

import planner.serve.capacity as capacity
from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import read, solve
from planner.serve.instance import ServingConstraints

calls, keys, spent = [0], set(), [0.0]
orig = capacity.merged_share


def spy(*a):
    calls[0] += 1
    keys.add(repr(a))
    t = time.perf_counter()
    out = orig(*a)
    spent[0] += time.perf_counter() - t
    return out


capacity.merged_share = spy
(base,) = read(fl.INSTANCE)
for mode in ("off", "allow"):
    p = replace(
        base,
        name=mode,
        model=load_model("mixtral-8x7b"),
        constraints=ServingConstraints(disaggregation=mode),
    )
    constants._clear_caches()
    t = time.process_time()
    r = solve(p, "auto", time_limit=60)
    print(
        mode,
        r.status.value,
        r.objective,
        r.reason,
        f"cpu {time.process_time() - t:.2f}s",
        "calls",
        calls[0],
        "distinct",
        len(keys),
        f"in share {spent[0]:.2f}s",
        os.getloadavg()[0],
    )
