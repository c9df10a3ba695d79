# ruff: noqa  (README / docs snippets kept verbatim as they were run)
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
r.objective, r.bound, r.solution.replicas, r.stats["metrics"]["ttft_s"], r.stats.get("warnings")
