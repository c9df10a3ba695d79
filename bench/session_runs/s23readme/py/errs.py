# ruff: noqa  (README / docs snippets kept verbatim as they were run)
import planner
import planner.train
from planner.smtt import Instance

inst = Instance(name="demo", p=[4, 2, 6, 3], d=[5, 3, 14, 6])
for f in (
    lambda: planner.solve(inst, time_limit=float("inf")),
    lambda: planner.train.plan(
        "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, prefer_simple=-1
    ),
):
    try:
        f()
        print("no error")
    except planner.InputError as e:
        print(type(e).__name__, isinstance(e, ValueError), "|", e)
