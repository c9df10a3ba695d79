"""How the optimum differs from the RENS plan and from the boundary-LNS plan: per expert, the
residency strings of both (R = RENS only, O = optimum only, 1 = both), with counts and the
per-step GPU-CPU balance of both plans. usage: diff_opt.py SEED LAYER"""

import sys

import numpy as np

from planner.offload.generate import generate

seed, ly = int(sys.argv[1]), int(sys.argv[2])
inst = generate("llada2-mini", steps=32, seed=seed)
opt = np.load(f"/tmp/s17off/opt_s{seed}_l{ly}.npy")
ren = np.load(f"/tmp/s17off/rens_s{seed}_l{ly}.npy")
gpu, cpu, shared = inst.cost_arrays
cnt = inst.counts[:, ly, :]


def bal(m):
    G = shared[:, ly] + (gpu[:, ly, :] * m).sum(1)
    C = (cpu[:, ly, :] * ~m).sum(1)
    return (
        (G - C) * 1e6,
        np.maximum(G, C),
        m.sum(1),
        (m & ~np.vstack([np.zeros((1, m.shape[1]), bool), m[:-1]])).sum(),
    )


for name, m in (("rens", ren), ("opt", opt)):
    d, t, k, loads = bal(m)
    print(
        name,
        f"compute us {t.sum() * 1e6:.1f} loads {loads} "
        f"total {t.sum() * 1e6 + loads * inst.copy_s * 1e6:.1f}",
    )
    print("  G-C", " ".join(f"{v:.0f}" for v in d))
    print("  res", " ".join(str(v) for v in k))
diff = np.flatnonzero((opt != ren).any(0))
print("experts differing", len(diff), "values", int((opt != ren).sum()))
for e in diff:
    s = "".join(
        "1" if a and b else ("O" if b else ("R" if a else "."))
        for a, b in zip(ren[:, e], opt[:, e], strict=False)
    )
    print(f"{e:3d} {s} | {''.join(str(min(9, c)) for c in cnt[:, e])}")
