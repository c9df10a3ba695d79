# ruff: noqa  (README / docs snippets kept verbatim as they were run)
import planner.train

res = planner.train.plan("llama-3.1-70b", "256xH100", global_batch=512, seq_len=8192, max_gpus=192)
res.status, res.solution.short(), res.stats["summary"]["mfu"], res.stats["summary"]["memory"]
