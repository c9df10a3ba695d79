"""Verify every train plan of an audit run (runs_*.jsonl) independently: rebuild the problem
from the command's model / GPUs / batch / sequence (+ --fix pins) and run the family's
``verify`` on the JSON's best plan and every alternative; also evaluate the best plan and
compare its step time with the JSON's.

Usage: python verify_train.py runs_train.jsonl ...  (re-runs each plan command with --json)
"""

import json
import subprocess
import sys

import planner
from planner.train.api import make_problem
from planner.train.instance import TrainingPlan

FAMILY = planner.get_family("train")


def arg(args, *names, default=None):
    for n in names:
        if n in args:
            return args[args.index(n) + 1]
    return default


for path in sys.argv[1:]:
    with open(path) as fh:
        lines = fh.readlines()
    for line in lines:
        r = json.loads(line)
        a = r["args"]
        if a[:2] != ["plan", "train"] or r["rc"] != 0 or "--json" not in a:
            continue
        proc = subprocess.run(
            ["nice", "-n", "10", "/work/main/.venv/bin/planner", *a],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        d = json.loads(proc.stdout)
        if d.get("plan") is None:
            print(f"{r['id']:24s} {d['status']}: no plan")
            continue
        prob = make_problem(
            arg(a, "--model"), arg(a, "--gpus"),
            global_batch=int(arg(a, "-B")), seq_len=int(arg(a, "-s")),
        )  # fmt: skip
        plans = [d["plan"]] + [x["plan"] for x in d.get("alternatives") or [] if x.get("plan")]
        bad = []
        for i, p in enumerate(plans):
            v = FAMILY.verify(prob, TrainingPlan.from_dict(p))
            if v:
                bad.append(f"plan {i}: {v[:2]}")
        t = FAMILY.evaluate(prob, TrainingPlan.from_dict(d["plan"]))
        same = abs(t - d["step_time_s"]) <= 1e-9 * max(1.0, t)
        print(
            f"{r['id']:24s} {d['status']:9s} {len(plans)} plans verified: "
            f"{bad or 'all'}; evaluate {t:.6f} s vs JSON {d['step_time_s']:.6f} s "
            f"{'same' if same else 'DIFFERENT'}"
        )
