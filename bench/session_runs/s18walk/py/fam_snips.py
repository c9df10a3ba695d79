"""The README's family Python snippets, one per argument (train, serve, pipe, seqpar)."""

import sys

which = sys.argv[1]
if which == "train":
    import planner.train

    res = planner.train.plan(
        "llama-3.1-70b", "256xH100", global_batch=512, seq_len=8192, max_gpus=192, time_limit=30
    )
    print(
        "T",
        res.status,
        res.solution.short(),
        res.stats["summary"]["mfu"],
        res.stats["summary"]["memory"],
    )
elif which == "serve":
    import planner.serve

    r = planner.serve.plan(
        "llama-3.1-70b",
        "H100:16,A100:32",
        qps=10,
        prompt_tokens="exp:1024",
        output_tokens="exp:256",
        ttft="1s",
        tpot="50ms",
        disaggregation="allow",
    )
    print("S", r.objective, r.bound, r.solution.replicas, r.stats["metrics"]["ttft_s"])
elif which == "pipe":
    import json

    import planner.pipelining as pl

    r = pl.schedule("fa3_fwd_hopper", time_limit=30, explain=True)
    print("P1", r.status, r.solution.ii, r.solution.warp, r.stats["explain"]["binding"])
    with open("instances/pipelining/fa3_fwd_hopper.json") as fh:
        kernel = json.load(fh)
    with open("instances/pipelining/gemm_hopper.json") as fh:
        other = json.load(fh)["machine"]
    r2 = pl.schedule(kernel, machine=other, warps=2, time_limit=10)
    print("P2", r2.status, r2.solution.ii if r2.solution else None)
elif which == "seqpar":
    import planner.seqpar

    print(
        "Q",
        planner.seqpar.assign.__doc__.splitlines()[0] if planner.seqpar.assign.__doc__ else None,
    )
