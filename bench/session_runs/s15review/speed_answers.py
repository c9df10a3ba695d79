"""Answers of the training search on cases s15speed did not compare (constraints, DualPipe,
multi-pool, fixed interleave, all GPUs, context parallel), to diff two code versions.

    PYTHONPATH=<tree> python speed_answers.py OUT.json
"""

import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from planner.perfmodel.options import Software
from planner.train.api import make_problem, solve

CASES = [
    ("mixtral-dualpipe", "mixtral-8x7b", "32xH100", 128, 4096, {}, {"ep_overlap": "dualpipe"}),
    ("70b-even", "llama-3.1-70b", "64xH100", 256, 4096, {"even_stages": True}, {}),
    ("70b-v2", "llama-3.1-70b", "64xH100", 256, 4096, {"interleave": 2}, {}),
    ("8b-allgpus-32k", "llama-3.1-8b", "16xA100", 32, 32768, {"use_all_gpus": True}, {}),
    ("70b-mixed-pools", "llama-3.1-70b", "H100:16,A100:32", 128, 4096, {}, {}),
    ("mixtral-etp", "mixtral-8x7b", "16xA100", 64, 4096, {"search_expert_tp": True}, {}),
    ("175b-a2a-fp8", "gpt-175b", "256xH100", 512, 2048, {}, {"ep_overlap": "a2a"}),
]

out = {}
for name, model, cluster, batch, seq, cons, sw in CASES:
    try:
        p = make_problem(
            model, cluster, global_batch=batch, seq_len=seq, software=Software(**sw), **cons
        )
        t0 = time.process_time()
        r = solve(p, "auto", time_limit=240, threads=1)
        s = r.stats
        out[name] = {
            "status": r.status.value,
            "objective": repr(r.objective),
            "bound": repr(r.bound),
            "plan": repr(r.solution),
            "alternatives": [(a["label"], repr(a["objective"])) for a in s.get("alternatives", [])],
            "cpu_s": round(time.process_time() - t0, 2),
        }
    except Exception as e:
        out[name] = {"error": repr(e)}
    print(
        name,
        out[name].get("status"),
        out[name].get("objective"),
        out[name].get("cpu_s"),
        flush=True,
    )
with open(sys.argv[1], "w") as fh:
    json.dump(out, fh, indent=1)
