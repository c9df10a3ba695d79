"""Hash the CP-SAT model the cpsat path builds, on whatever planner is importable (main or branch)."""

import hashlib

from planner.rcpsp import model
from planner.rcpsp.bounds import lower_bound
from planner.rcpsp.generate import generate
from planner.rcpsp.network import distances

for seed in range(12):
    for kw in ({}, {"p_downtime": 0.5, "p_window": 0.3, "p_disjunctive": 0.2}):
        n = [8, 25, 60, 150][seed % 4]
        inst = generate(n, seed=100 + seed, **kw)
        if seed % 2:
            lower_bound(inst)  # memo filled first on the branch
        p1 = str(model.build(inst, distances(inst)).cp.proto)
        p2 = str(model.build(inst, distances(inst)).cp.proto)  # second build: memo hit
        lb = lower_bound(inst)
        print(seed, kw != {}, n, lb, hashlib.sha1(p1.encode()).hexdigest()[:12], p1 == p2)
