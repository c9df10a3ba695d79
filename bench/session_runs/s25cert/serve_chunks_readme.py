"""s25cert: does the chunk menu (512, 2048, 8192) cost anything on the README's serve example?

For every usable (pool, tp) candidate of the README problem: the candidates' capacity (best
over the menu) and an own bisection of the forward model at other chunk sizes.
"""

import math

from sweep_serve import capacity

import planner
import planner.serve
from planner.core.timing import Deadline
from planner.serve.candidates import candidates_within

p = planner.serve.make_problem(
    "llama-3.1-70b",
    "H100:16,A100:32",
    qps=5,
    prompt_tokens=1024,
    output_tokens=256,
    ttft="1s",
    tpot="50ms",
)
r = planner.solve(p, "auto", time_limit=30, threads=1)
print(
    "auto:",
    r.status,
    r.objective,
    [g.label() + f" chunk {g.chunk_tokens}" for g in r.solution.replicas],
)
cands, complete = candidates_within(p, Deadline(60))
best = {}
for c in cands:
    if c.usable and c.role == "both":
        key = (c.pool, c.config.tp)
        if c.capacity > best.get(key, (0, 0))[0]:
            best[key] = (c.capacity, c.chunk, c.price)
for (pool, tp), (cap, chunk, price) in sorted(best.items()):
    other = {ch: capacity(p, pool, tp, ch) for ch in (1024, 4096, 16384)}
    top = max(other.values())
    print(
        f"{pool} tp{tp}: menu best {cap:.4f} (chunk {chunk}, ${price:.2f}/h, "
        f"{math.ceil(5 / cap)} replicas for 5 req/s) | other chunks "
        + ", ".join(f"{ch}: {v:.4f}" for ch, v in other.items())
        + (f" | {math.ceil(5 / top)} replicas" if top > cap else "")
    )
