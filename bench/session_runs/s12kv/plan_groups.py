"""Per-group KV admission wait of the Mixtral 3 s / 100 ms plan the bench picked (scratch)."""

from planner.serve import make_problem
from planner.serve.capacity import role_model

prob = make_problem(
    "mixtral-8x7b",
    "H100:8,A100:8",
    qps=20.0,
    prompt_tokens="exp:1024",
    output_tokens="exp:256",
    ttft="3s",
    tpot="100ms",
    disaggregation="allow",
)

from planner.serve import solve  # noqa: E402

res = solve(prob, time_limit=60)
print(res.status, res.objective, [g.label() for g in res.solution.replicas])
for g in res.solution.replicas:
    print(g)
    rm = role_model(prob, g)
    n = g.count * g.pp * g.ep
    lam = g.load_qps / n
    pt = rm.at_rate(lam)
    print(
        "  per-engine",
        round(lam, 3),
        "ttft",
        round(pt.ttft_s, 3),
        "batch",
        round(pt.batch, 1),
        "kv fill",
        round(pt.kv_tokens / pt.kv_capacity, 3),
        "wait",
        rm.admission(lam, 0.0),
    )
