"""Micro-benchmark of the merging chain's compiled solver on the recorded arguments
(capture_merge.py): CPU seconds over all calls, and the outputs' bytes (to compare trees).

    PYTHONPATH=<tree> python bench_merge.py OUT.npy
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import collections
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from planner.serve import kernels
from planner.serve.lockstep import (
    LOG_FACTORIAL,
    MERGE_RTOL,
    MERGE_TAIL_SD,
    MergingChain,
)

calls = pickle.loads(Path("/tmp/s16fleet_merge_args.pkl").read_bytes())
prepared = []
ns = collections.Counter()
for t0, own_tok, tokens, weights, chunk, moe_tok, per_iter, groups in calls:
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    own_mean = float(np.dot(w, np.asarray(own_tok) * tokens))
    if groups <= 1 or per_iter <= 0 or own_mean <= 0:
        continue
    chain = MergingChain(t0, own_tok, tokens, w, chunk, moe_tok, groups)
    moe_iter = groups * per_iter * moe_tok * float(np.dot(w, tokens))
    prepared.append(
        (
            chain.t0,
            chain.piece,
            chain.h,
            chain.r,
            chain.moe,
            chain.n,
            float(per_iter),
            moe_iter,
            chain.mean_piece,
        )
    )
    ns[chain.n] += 1
print("calls", len(prepared), "groups", dict(ns))


def run():
    outs = []
    for a in prepared:
        out = np.empty(a[5] + 2)
        top = kernels.merging_top(*a, MERGE_RTOL, MERGE_TAIL_SD, LOG_FACTORIAL, out)
        outs.append(np.concatenate([[top], out]))
    return outs


run()  # compile / load
best = []
for _ in range(3):
    c = time.process_time()
    outs = run()
    best.append(time.process_time() - c)
print("cpu per pass", [round(b, 3) for b in best], "min", round(min(best), 3))
np.save(sys.argv[1], np.concatenate(outs))
