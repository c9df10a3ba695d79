"""Totals of variants_all_seed*.txt: CPU seconds (LP + RENS, proof) and nodes per variant, over the
layers both variants finished; per-layer pairs. usage: summarize.py FILE..."""

import re
import sys
from collections import defaultdict
from pathlib import Path

PAT = re.compile(
    r"^(\S+)\s+layer\s+(\d+) prep\s+([\d.]+) proof\s+([\d.]+) nodes (\d+) (\w+) obj ([\d.]+)"
)
for path in sys.argv[1:]:
    rows = defaultdict(dict)
    for line in Path(path).read_text().splitlines():
        m = PAT.match(line)
        if m:
            v, ly, prep, proof, nodes, status, obj = m.groups()
            rows[int(ly)][v] = (float(prep), float(proof), int(nodes), status, float(obj))
    variants = sorted({v for r in rows.values() for v in r})
    done = [ly for ly, r in rows.items() if len(r) == len(variants)]
    print(f"{path}: {len(done)} layers with every variant")
    for v in variants:
        prep = sum(rows[ly][v][0] for ly in done)
        proof = sum(rows[ly][v][1] for ly in done)
        nodes = sum(rows[ly][v][2] for ly in done)
        opt = sum(rows[ly][v][3] == "OPTIMAL" for ly in done)
        print(
            f"  {v:8s} LP+RENS {prep:6.1f} s  proofs {proof:6.1f} s  sum {prep + proof:6.1f} s  "
            f"nodes {nodes:5d}  optimal {opt}/{len(done)}"
        )
    # optimal = within the certificate's relative gap 1e-6 (about 0.12 us on a layer)
    same = all(
        abs(rows[ly][variants[0]][4] - rows[ly][variants[1]][4]) <= 1e-6 * rows[ly][variants[0]][4]
        for ly in done
    )
    print(f"  same optima (within the 1e-6 relative gap) on every layer: {same}")
    for ly in done:
        print(
            f"  layer {ly:2d} "
            + "  ".join(
                f"{v} {rows[ly][v][0] + rows[ly][v][1]:6.2f} s/{rows[ly][v][2]:4d} n"
                for v in variants
            )
        )
