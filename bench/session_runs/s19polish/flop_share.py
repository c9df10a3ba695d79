"""Does any evaluated candidate serve more requests/s than the FLOP roofline allows?

The largest share of the dense peak any usable colocated layout's capacity implies, with the
FLOPs of :func:`planner.serve.bounds.compute_floor` (layer matmuls of the uncached prompt and
of every output token but the last): below 1 the compute floor is below every plan's cost.
Cumulative over the cases (the printed share is the running maximum).

    PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s19polish/flop_share.py
"""

from planner.core.timing import Deadline
from planner.serve import make_problem
from planner.serve.bounds import matmul_flops_per_request
from planner.serve.candidates import candidates_within

cases = [
    (
        "llama-3.1-70b",
        "H100:16,A100:32",
        dict(
            qps=10.0,
            prompt_tokens="exp:1024",
            output_tokens="exp:256",
            ttft="1s",
            tpot="50ms",
            disaggregation="allow",
        ),
    ),
    (
        "llama-3.1-8b",
        "H100:8,MI300X:8",
        dict(
            qps=50.0,
            prompt_tokens="4096",
            output_tokens="16",
            ttft="10s",
            tpot="200ms",
            disaggregation="allow",
        ),
    ),
    (
        "llama-3.1-8b",
        "H100:8",
        dict(
            qps=50.0,
            prompt_tokens="8192",
            output_tokens="2",
            ttft="60s",
            tpot="1s",
            precision="fp8",
        ),
    ),
    (
        "mixtral-8x7b",
        "H100:16",
        dict(
            qps=20.0,
            prompt_tokens="2048",
            output_tokens="64",
            ttft="30s",
            tpot="500ms",
            disaggregation="allow",
        ),
    ),
    (
        "llama-3.1-8b",
        "H100:8",
        dict(
            qps=50.0,
            prompt_tokens="8192",
            output_tokens="2",
            ttft="60s",
            tpot="1s",
            prefix_hit_rate=0.9,
        ),
    ),
]
worst = 0
for model, gpus, kw in cases:
    p = make_problem(model, gpus, **kw)
    flops = matmul_flops_per_request(p)
    cands, complete = candidates_within(p, Deadline(120))
    for c in cands:
        if not c.usable or c.role != "both":
            continue
        peak = c.config.gpu.peak_flops(p.precision)
        ratio = c.capacity * flops / (c.gpus * peak)
        worst = max(worst, ratio)
    print(model, gpus, complete, len(cands), "max share of peak", round(worst, 3), flush=True)
