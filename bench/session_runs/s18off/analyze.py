"""Per-layer table from layers.py outputs: where the time goes and what predicts a slow proof.

usage: analyze.py FILE...   (lines of layers.py)
"""

import sys

import numpy as np

rows = []
for path in sys.argv[1:]:
    with open(path) as fh:
        lines = fh.read().splitlines()
    for line in lines:
        f = line.split()
        if len(f) < 18 or f[7] != "nodes":
            continue
        rows.append(
            {
                "tag": f[0],
                "seed": int(f[1]),
                "layer": int(f[2]),
                "prep": float(f[4]),
                "proof": float(f[6]),
                "nodes": int(f[8]),
                "obj": float(f[11]),
                "rens": float(f[15]),
                "lp": float(f[17]),
            }
        )
for tag in sorted({r["tag"] for r in rows}):
    for seed in sorted({r["seed"] for r in rows if r["tag"] == tag}):
        rs = [r for r in rows if r["tag"] == tag and r["seed"] == seed]
        prep = sum(r["prep"] for r in rs)
        proof = sum(r["proof"] for r in rs)
        print(
            f"{tag} seed {seed}: {len(rs)} layers, LP + RENS {prep:.1f} s, proofs {proof:.1f} s, "
            f"sum {prep + proof:.1f} s, nodes {sum(r['nodes'] for r in rs)}"
        )
rs = [r for r in rows if r["tag"] == "main"]
if rs:
    proof = np.array([r["proof"] for r in rs])
    lpgap = np.array([r["obj"] - r["lp"] for r in rs])
    rensgap = np.array([r["rens"] - r["obj"] for r in rs])
    nodes = np.array([r["nodes"] for r in rs])
    print(f"\nmain, {len(rs)} layers: proof s median {np.median(proof):.2f}, max {proof.max():.2f}")
    print(f"  LP gap us: median {np.median(lpgap):.1f} (range {lpgap.min():.1f}-{lpgap.max():.1f})")
    print(
        f"  RENS gap us: median {np.median(rensgap):.1f} (range {rensgap.min():.1f}-{rensgap.max():.1f})"
    )

    def rank(v: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(v)).astype(float)

    for name, v in (("LP gap", lpgap), ("RENS gap", rensgap), ("nodes", nodes)):
        rho = np.corrcoef(rank(proof), rank(v))[0, 1]
        print(f"  Spearman rank correlation of proof CPU with {name}: {rho:.2f}")
    one = nodes <= 1
    print(
        f"  one-node proofs: {one.sum()} layers, {proof[one].sum():.1f} s "
        f"(mean {proof[one].mean():.2f}); the rest {(~one).sum()} layers {proof[~one].sum():.1f} s"
    )
    slow = proof > 8
    print(f"  proofs over 8 s: {slow.sum()} layers, {proof[slow].sum():.1f} s of {proof.sum():.1f}")
