"""CPU seconds per named function during one in-process command (no cProfile overhead).

Usage: stages.py MODULE:FUNC[,MODULE:FUNC...] -- planner-args...
Each named function is wrapped (in its module and in every loaded planner module that
imported it by name); the inclusive CPU time and call count of each are printed to stderr.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sys
import time
from collections import defaultdict

from planner.launcher import main

# MIN_JOBS=N: count only calls on an instance (or data of one) of N jobs or more
MIN_JOBS = int(os.environ.get("MIN_JOBS", "0"))
spec, args = sys.argv[1], sys.argv[2:]
assert args[0] == "--"
sys.argv = ["planner", *args[1:]]
cpu: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)
depth: dict[str, int] = defaultdict(int)


def wrap(label, fn):
    @functools.wraps(fn)
    def inner(*a, **k):
        inst = a[0] if a else None
        inst = getattr(inst, "instance", inst)
        if len(a) > 1 and getattr(a[1], "num_jobs", None) is not None:
            inst = a[1]  # classmethods get the class first
        if MIN_JOBS and getattr(inst, "num_jobs", MIN_JOBS) < MIN_JOBS:
            return fn(*a, **k)
        depth[label] += 1
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            depth[label] -= 1
            if depth[label] == 0:  # inclusive, recursion counted once
                cpu[label] += time.process_time() - t0
            calls[label] += 1

    return inner


for item in spec.split(","):
    mod_name, func = item.split(":")
    mod = importlib.import_module(mod_name)
    owner, attr = mod, func
    if "." in func:
        cls, attr = func.split(".")
        owner = getattr(mod, cls)
    orig = getattr(owner, attr)
    raw = owner.__dict__.get(attr, orig) if owner is not mod else orig
    if isinstance(raw, functools.cached_property):
        prop = functools.cached_property(wrap(item, raw.func))
        prop.__set_name__(owner, attr)
        setattr(owner, attr, prop)
        continue
    fn = raw.__func__ if isinstance(raw, classmethod) else raw
    w = wrap(item, fn)
    setattr(owner, attr, classmethod(w) if isinstance(raw, classmethod) else w)
    if owner is mod:
        for m in list(sys.modules.values()):
            if getattr(m, "__name__", "").startswith("planner") and getattr(m, attr, None) is orig:
                setattr(m, attr, w)

t0 = time.process_time()
with contextlib.suppress(SystemExit):
    main()
total = time.process_time() - t0
for label in cpu:
    print(f"{cpu[label]:8.3f} s CPU {calls[label]:5d} calls  {label}", file=sys.stderr)
print(f"{total:8.3f} s CPU command (after imports of the wrapped modules)", file=sys.stderr)
