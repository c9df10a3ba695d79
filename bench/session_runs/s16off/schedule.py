"""Makespan of `exact`'s two workers from measured per-layer CPU seconds (layer_ab.py output):
phase 1 (LP + RENS of every layer) then phase 2 (proofs), each a greedy list schedule over
two workers in mip.solve's order (most relevant experts first); against the sum / 2 and an
oracle order (longest proof first).

usage: schedule.py SEED FILE
"""

import heapq
import sys
from pathlib import Path

from planner.offload import mip
from planner.offload.generate import generate


def makespan(times, workers=2):
    free = [0.0] * workers
    heapq.heapify(free)
    for t in times:
        heapq.heappush(free, heapq.heappop(free) + t)
    return max(free)


seed = int(sys.argv[1])
inst = generate("llada2-mini", steps=32, seed=seed)
prep, proof = {}, {}
for line in Path(sys.argv[2]).read_text().splitlines():
    f = line.split()
    if len(f) > 6 and f[3] == "prep":
        prep[int(f[2])], proof[int(f[2])] = float(f[4]), float(f[6])
order = sorted(range(inst.layers), key=lambda ly: -len(mip.relevant_experts(inst, ly)))
order = [ly for ly in order if ly in prep]
p1 = makespan([prep[ly] for ly in order])
p2 = makespan([proof[ly] for ly in order])
lpt = makespan(sorted(proof.values(), reverse=True))
total = sum(prep.values()) + sum(proof.values())
print(
    f"seed {seed}: sum {total:.1f} s, /2 {total / 2:.1f} s; as ordered {p1:.1f} + {p2:.1f} = "
    f"{p1 + p2:.1f} s; longest proof first {p1 + lpt:.1f} s; longest proof alone {max(proof.values()):.1f} s"
)
