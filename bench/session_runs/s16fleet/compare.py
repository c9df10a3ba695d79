"""Compare two answers.py dumps: every field but cpu_s must be equal."""

import json
import sys
from pathlib import Path

a, b = (json.loads(Path(p).read_text()) for p in sys.argv[1:3])
bad = 0
for k in a:
    if k not in b:
        continue
    x = {f: v for f, v in a[k].items() if f != "cpu_s"}
    y = {f: v for f, v in b[k].items() if f != "cpu_s"}
    same = x == y
    bad += not same
    diff = [f for f in x if x[f] != y.get(f)]
    print(
        f"{k:32s} {'same' if same else 'DIFF ' + str(diff)}  cpu {a[k].get('cpu_s')} -> {b[k].get('cpu_s')}"
    )
print("all identical" if not bad else f"{bad} differ")
