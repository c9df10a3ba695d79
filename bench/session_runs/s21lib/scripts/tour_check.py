import planner
import planner.train
from planner.train.compare import compare, explain

plan = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, prefer_simple=0.0
)
pinned = planner.train.plan(
    "llama-3.1-70b", "64xH100", global_batch=512, seq_len=4096, tp=4, pp=4, interleave=5
)
print(explain(compare(plan.stats["summary"], pinned.stats["summary"], names=("best", "pinned"))))
