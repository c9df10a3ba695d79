import time

from planner.perfmodel.options import Software
from planner.train.api import make_problem, solve

for model, cluster, gb, sw in [
    ("llama-3.1-70b", "8xH100", 64, Software(lora_rank=16)),
    ("llama-3.1-70b", "16xA100", 64, Software(master_bytes=0.0, moment_bytes=1.0)),
]:
    p = make_problem(model, cluster, global_batch=gb, seq_len=4096, software=sw)
    t = time.process_time()
    r = solve(p, "auto", time_limit=120)
    print(
        model,
        cluster,
        r.status.value,
        r.solution.short() if r.solution else None,
        repr(r.objective),
        repr(r.bound),
        f"{time.process_time() - t:.1f}s",
        flush=True,
    )
