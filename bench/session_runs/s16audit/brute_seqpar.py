"""s16audit: brute-force optimum of a tiny seqpar instance (every partition of the sequences into
groups, of the groups into micro-batches, every allowed degree / strategy), to check an OPTIMAL
claim and the bounds. Usage: ``PYTHONPATH=... python brute_seqpar.py FILE``.
"""

import itertools
import math
import sys
from functools import cache
from pathlib import Path

from planner.core.family import get_family
from planner.core.specs import read_file, split_spec


def partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in partitions(rest):
        for k in range(len(part)):
            yield [*part[:k], [first] + part[k], *part[k + 1 :]]
        yield [[first], *part]


path, sel = split_spec(sys.argv[1])
inst = read_file(get_family("seqpar"), Path(path), sel)[0]
cost, G = inst.cost, inst.gpus
types = sorted(set(cost.group_types(G)))
shard = cost.model_states_mb / G
mem = inst.cluster.memory_mb


@cache
def best_group(seqs):
    """{degree: fastest feasible time over strategies} for one group."""
    toks = sum(inst.lengths[i] for i in seqs)
    out = {}
    for d, strat in types:
        if -(-toks // d) * cost.activation_mb_per_token + shard > mem * (1 + 1e-9):
            continue
        t = cost.group_time_ms(d, [inst.lengths[i] for i in seqs], strat)
        out[d] = min(out.get(d, math.inf), t)
    return out


@cache
def best_microbatch(groups):
    """Fastest micro-batch running these groups side by side (degrees sum <= G)."""
    options = [sorted(best_group(g).items()) for g in groups]
    best = math.inf
    for combo in itertools.product(*options):
        if sum(d for d, _ in combo) <= G:
            best = min(best, max(t for _, t in combo))
    return best


best = math.inf
for groups in partitions(list(range(inst.n))):
    groups = [tuple(sorted(g)) for g in groups]
    for mbs in partitions(groups):
        total = sum(best_microbatch(tuple(sorted(mb))) for mb in mbs)
        best = min(best, total)
print(Path(sys.argv[1]).name, "brute-force optimum", best / 1000.0, "s")
