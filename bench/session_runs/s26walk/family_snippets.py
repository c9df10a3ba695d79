"""The README's train and serve family snippets, run as written (values printed)."""

import planner.serve
import planner.train

res = planner.train.plan("llama-3.1-70b", "256xH100", global_batch=512, seq_len=8192, max_gpus=192)
print(res.status, res.solution.short(), res.stats["summary"]["mfu"], res.stats["summary"]["memory"])

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
print(
    r.objective, r.bound, r.solution.replicas, r.stats["metrics"]["ttft_s"], r.stats.get("warnings")
)
