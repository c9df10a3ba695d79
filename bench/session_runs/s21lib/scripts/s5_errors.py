"""Script 5: what a script author gets for bad arguments (InputError expected, one clear message)."""

import math

import planner
import planner.serve as serve
import planner.train as train
from planner.serve.day import Autoscaling, parse_profile, plan_day
from planner.train.compare import compare

base = dict(prompt_tokens="exp:1024", output_tokens="exp:256", ttft="1s", tpot="50ms")
cases = [
    (
        "serve.plan qps=-1",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=-1, time_limit=2, **base),
    ),
    (
        "serve.plan qps=nan",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=math.nan, time_limit=2, **base),
    ),
    (
        "serve.plan qps='10'",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps="10", time_limit=2, **base),
    ),
    (
        "serve.plan ttft='fast'",
        lambda: serve.plan(
            "llama-3.1-8b", "H100:8", qps=1, time_limit=2, **{**base, "ttft": "fast"}
        ),
    ),
    (
        "serve.plan tpot=20 (s)",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=1, time_limit=2, **{**base, "tpot": 20}),
    ),
    (
        "serve.plan gpus='H100:x'",
        lambda: serve.plan("llama-3.1-8b", "H100:x", qps=1, time_limit=2, **base),
    ),
    (
        "serve.plan time_limit=0",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=1, time_limit=0, **base),
    ),
    (
        "serve.plan threads=0",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=1, time_limit=2, threads=0, **base),
    ),
    (
        "serve.plan tp='4'",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=1, time_limit=2, tp="4", **base),
    ),
    (
        "serve.plan percentile=150",
        lambda: serve.plan("llama-3.1-8b", "H100:8", qps=1, time_limit=2, percentile=150, **base),
    ),
    (
        "serve.plan prefix_hit_rate=1.5",
        lambda: serve.plan(
            "llama-3.1-8b", "H100:8", qps=1, time_limit=2, prefix_hit_rate=1.5, **base
        ),
    ),
    (
        "serve.plan speculative accept 1.5",
        lambda: serve.plan(
            "llama-3.1-8b",
            "H100:8",
            qps=1,
            time_limit=2,
            speculative={"method": "eagle", "tokens": 3, "acceptance": 1.5},
            **base,
        ),
    ),
    (
        "serve.sweep rates=[0]",
        lambda: serve.sweep("llama-3.1-8b", ["H100"], [0], time_limit=2, **base),
    ),
    (
        "serve.sweep gpu 'H1000'",
        lambda: serve.sweep("llama-3.1-8b", ["H1000"], [1], time_limit=2, **base),
    ),
    (
        "serve.sweep gpus_per_type=0",
        lambda: serve.sweep("llama-3.1-8b", ["H100"], [1], gpus_per_type=0, time_limit=2, **base),
    ),
    (
        "serve.sweep time_limit=-1",
        lambda: serve.sweep("llama-3.1-8b", ["H100"], [1], time_limit=-1, **base),
    ),
    ("parse_profile '1,x'", lambda: parse_profile("1,x")),
    ("parse_profile period_hours=0", lambda: parse_profile("1,2", period_hours=0)),
    (
        "plan_day time_limit=nan",
        lambda: plan_day(
            serve.make_problem("llama-3.1-8b", "H100:8", **base),
            parse_profile("1,2"),
            time_limit=math.nan,
        ),
    ),
    ("Autoscaling(max_replicas=-1)", lambda: Autoscaling(max_replicas=-1)),
    (
        "train.plan global_batch=0",
        lambda: train.plan("llama-3.1-8b", "8xH100", global_batch=0, seq_len=4096, time_limit=2),
    ),
    (
        "train.plan seq_len=4096.5",
        lambda: train.plan("llama-3.1-8b", "8xH100", global_batch=8, seq_len=4096.5, time_limit=2),
    ),
    (
        "train.plan tp=3",
        lambda: train.plan(
            "llama-3.1-8b", "8xH100", global_batch=8, seq_len=4096, tp=3, time_limit=2
        ),
    ),
    (
        "train.plan recompute='some'",
        lambda: train.plan(
            "llama-3.1-8b", "8xH100", global_batch=8, seq_len=4096, recompute="some", time_limit=2
        ),
    ),
    (
        "train.plan prefer_simple=-1",
        lambda: train.plan(
            "llama-3.1-8b", "8xH100", global_batch=8, seq_len=4096, prefer_simple=-1, time_limit=2
        ),
    ),
    (
        "train.plan model 'llama-9'",
        lambda: train.plan("llama-9", "8xH100", global_batch=8, seq_len=4096, time_limit=2),
    ),
    ("compare({}, {})", lambda: compare({}, {})),
    ("planner.solve('x')", lambda: planner.solve("x", time_limit=1)),
]
for name, f in cases:
    try:
        r = f()
        out = f"no error: {type(r).__name__} " + (
            f"{r.status} {r.reason[:100]!r}" if hasattr(r, "status") else str(r)[:100]
        )
    except planner.InputError as e:
        out = f"InputError: {e}"
    except Exception as e:
        out = f"**{type(e).__name__}**: {e}"
    print(f"| {name} | {out} |")
