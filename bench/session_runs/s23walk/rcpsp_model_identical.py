"""One-off check (s23walk): the vectorized energy cuts build the same CP-SAT model as the loop
they replace. Usage: PYTHONPATH=. python bench/session_runs/s23walk/rcpsp_model_identical.py OLD_MODEL.py
(OLD_MODEL.py: `git show 5e93155e:planner/rcpsp/model.py`)."""

import importlib.util
import sys

from planner.rcpsp import model as new
from planner.rcpsp.generate import generate
from planner.rcpsp.network import distances

spec = importlib.util.spec_from_file_location("old_model", sys.argv[1])
old = importlib.util.module_from_spec(spec)
sys.modules["old_model"] = old
spec.loader.exec_module(old)
same = 0
for seed in range(18):
    for kw in ({}, {"p_downtime": 0.5, "p_window": 0.3, "p_disjunctive": 0.2}):
        n = [5, 12, 30, 60, 120, 300][seed % 6]
        inst = generate(n, seed=seed, **kw)
        a = str(new.build(inst, distances(inst)).cp.proto)
        b = str(old.build(inst, distances(inst)).cp.proto)
        assert a == b, (seed, kw)
        same += 1
print(f"{same} models identical")

# energies past int64 (the object-dtype path): numbers at the documented limit 2**31 - 1
from planner.rcpsp.instance import Instance  # noqa: E402

big = 2**31 - 1
inst = Instance.from_dict(
    {
        "name": "huge",
        "resources": [{"name": "r", "capacity": big}],
        "jobs": [
            {"name": f"j{i}", "duration": big - i, "demands": {"r": big - 2 * i}} for i in range(6)
        ],
        "precedences": [["j0", "j1"], ["j1", "j2"], ["j0", "j3"], ["j3", "j4"], ["j2", "j5"]],
    }
)
assert str(new.build(inst, distances(inst)).cp.proto) == str(
    old.build(inst, distances(inst)).cp.proto
)
print("huge-energy model identical")
