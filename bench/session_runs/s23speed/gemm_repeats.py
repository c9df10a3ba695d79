"""How many of linear()'s GEMM passes repeat on the 1T search.  PYTHONPATH=TREE python gemm_repeats.py"""

import collections

import planner.perfmodel.layer as Lm
from planner.train.api import make_problem, solve

keys = collections.Counter()
orig = Lm.linear


def lin(gpu, prec, m, shapes, batch=1, acc=None, wgrad=1.0, tuned=True):
    for n, k in shapes:
        keys[(gpu.name, prec.name, m, n, k, batch, wgrad, tuned)] += 1
    return orig(gpu, prec, m, shapes, batch, acc, wgrad, tuned)


Lm.linear = lin
problem = make_problem("gpt-1008b", "3072xA100", global_batch=3072, seq_len=2048)
r = solve(problem, "auto", time_limit=60)
print(sum(keys.values()), len(keys))
