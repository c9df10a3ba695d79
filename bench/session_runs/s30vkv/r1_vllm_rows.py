"""The dstack DeepSeek-R1 vLLM rows only (the rows the non-torch term can move), by concurrency.

Usage: PYTHONPATH=. .venv/bin/python bench/session_runs/s30vkv/r1_vllm_rows.py C [C ...]
Prints id, measured, predicted, error, and main's committed error
(bench/results/serve/public_rows.csv).
"""

import csv
import json
import sys

from planner.perfmodel.calibration.serving_public import PUBLIC_SERVING_ROWS
from planner.serve.public import predict_public

with open("bench/results/serve/public_rows.csv", newline="") as f:
    MAIN = {r["instance"]: json.loads(r["stats"]) for r in csv.DictReader(f)}

wanted = {int(c) for c in sys.argv[1:]}
for r in PUBLIC_SERVING_ROWS:
    if r.source != "dstack_r1" or "/vllm/" not in r.id or r.concurrency not in wanted:
        continue
    value = predict_public(r)
    main = MAIN[r.id]
    print(
        f"{r.id}: measured {r.value:.4g} predicted {main['predicted']:.4g} -> {value:.4g}, "
        f"error {main['error']:+.1%} -> {value / r.value - 1:+.1%}",
        flush=True,
    )
