"""Review check (s14review): the megatron profile's search with the EP A2A overlap
(``ep_overlap=a2a``) under memory pressure, against a brute force filtered by ``verify``.

Usage: PYTHONPATH=. /work/main/.venv/bin/python bench/session_runs/s14review/megatron_bf.py
"""

import sys
from dataclasses import replace

from planner.train.evaluate import verify
from planner.train.search import exact_search

sys.path.insert(0, ".")
from tests.train.conftest import brute_force, problem, tiny_moe_spec

CASES = [(4, "8xA100", 16, 8192, h) for h in (79.3, 79.5, 79.6, 79.7)]
CASES += [(6, "8xA100", 32, 8192, 79.5), (4, "4xA100", 16, 8192, 79.6)]


def fitting_verified(free, held):
    """(objective, plan) of every plan the brute force prices that fits and ``verify``
    accepts under ``held`` (its ``quick`` spied on)."""
    names = brute_force.__globals__
    real, seen = names["quick"], []

    def spy(p, plan):
        q = real(p, plan)
        if q.fits and not verify(held, plan):
            seen.append((q.objective, plan))
        return q

    names["quick"] = spy
    try:
        brute_force(free)
    finally:
        names["quick"] = real
    return seen


for layers, gpus, batch, seq, head in CASES:
    free = problem(
        tiny_moe_spec(layers=layers, experts=4), gpus=gpus, batch=batch, seq=seq,
        memory_headroom_gib=head, partial_recompute=True,
    )  # fmt: skip
    free = replace(free, software=free.software.with_(ep_overlap="a2a"))
    held = free.with_constraints(framework="megatron")
    seen = fitting_verified(free, held)
    out = exact_search(held, top_k=1)
    got = out.ranked[0][1].objective if out.ranked else float("inf")
    best = min(seen, key=lambda x: x[0]) if seen else (float("inf"), None)
    same = got == best[0] or abs(got - best[0]) <= 1e-9 * best[0]
    print(
        layers, gpus, batch, seq, head, "complete", out.complete, "search", got,
        out.ranked[0][0].short() if out.ranked else None, "brute", best[0],
        best[1].short() if best[1] else None,
        "recomputes", sorted({p.recompute for _o, p in seen}), "OK" if same else "MISMATCH",
    )  # fmt: skip
