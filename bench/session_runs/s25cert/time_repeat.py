"""s25cert: the overruns of time_limits.py again, each 3 times, wall and CPU seconds, with load."""

import os
import time

import planner
from planner.core.paths import given_or_bundled

CASES = [
    ("smtt", "tkindt_n100_sample.jsonl", "cpsat"),
    ("serve", "chat-70b.toml", "mip"),
    ("serve", "chat-70b.toml", "greedy"),
    ("serve", "chat-70b.toml", "auto"),
]
for name, file, method in CASES:
    fam = planner.get_family(name)
    inst = fam.read(given_or_bundled(file, name), None)[0]
    for _ in range(3):
        load = os.getloadavg()[0]
        w, c = time.perf_counter(), time.process_time()
        r = planner.solve(inst, method, time_limit=1.0, threads=1)
        print(
            f"{name} {method} -t 1: wall {time.perf_counter() - w:.2f} s, cpu "
            f"{time.process_time() - c:.2f} s, runtime_s {r.runtime_s:.2f}, warmup "
            f"{r.stats.get('warmup_s', 0)}, {r.status}, load {load:.2f}",
            flush=True,
        )
