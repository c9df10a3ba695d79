"""Count repeated work in one fleet solve: _prefill memo hits / misses / evictions, _batch_state
calls per (shared table, batch), merged_point calls with repeated arguments.

    PYTHONPATH=<tree> python count_calls.py [MODE] [MODEL]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import collections
import sys
import time
from dataclasses import replace
from pathlib import Path

from planner.perfmodel import constants
from planner.perfmodel.readers import load_model
from planner.serve import capacity, lockstep, read, solve
from planner.serve.instance import ServingConstraints

ROOT = Path(__file__).resolve().parents[3]
mode = sys.argv[1] if len(sys.argv) > 1 else "allow"
model = sys.argv[2] if len(sys.argv) > 2 else "mixtral-8x7b"
(base,) = read(ROOT / "instances" / "serve" / "fleet-3x3.toml")
problem = replace(
    base, model=load_model(model), constraints=ServingConstraints(disaggregation=mode)
)
constants._clear_caches()

RM = capacity.RoleModel
stats = collections.Counter()
computed = collections.Counter()  # (id(shared), B) -> times computed
bs_calls = collections.Counter()
orig_prefill = RM._prefill
orig_lock = RM._lockstep_prefill
orig_own = RM._own_prefill
orig_bs = RM._batch_state


def prefill(self, B):
    memo = self._shared["prefill"]
    stats["prefill_calls"] += 1
    if B in memo:
        stats["prefill_hits"] += 1
    else:
        computed[(id(self._shared), B)] += 1
        if len(memo) >= capacity.SHARED_PREFILL_BATCHES:
            stats["prefill_memo_full"] += 1
    return orig_prefill(self, B)


def batch_state(self, B):
    bs_calls[(id(self._shared), B)] += 1
    return orig_bs(self, B)


RM._prefill = prefill
RM._batch_state = batch_state
mp_args = collections.Counter()
orig_mp = lockstep.merged_point


def mp(*args):
    key = tuple(a.tobytes() if hasattr(a, "tobytes") else a for a in args)
    mp_args[key] += 1
    return orig_mp(*args)


lockstep.merged_point = mp
capacity.merged_point = mp
c = time.process_time()
r = solve(problem, "auto", time_limit=600)
print(r.status.value, repr(r.objective), f"cpu {time.process_time() - c:.2f}")
print(dict(stats))
print(
    "prefill computed",
    sum(computed.values()),
    "distinct",
    len(computed),
    "recomputed",
    sum(v - 1 for v in computed.values()),
)
print("batch_state calls", sum(bs_calls.values()), "distinct", len(bs_calls))
print("merged_point calls", sum(mp_args.values()), "distinct", len(mp_args))
