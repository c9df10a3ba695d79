import json
import time

from planner.serve import sweep

t = time.process_time()
out = sweep(
    "llama-3.1-8b",
    ["H100", "L40S"],
    [1, 10, 40],
    prompt_tokens="exp:1024",
    output_tokens="exp:256",
    ttft="1s",
    tpot="40ms",
    time_limit=10,
)
print(type(out))
try:
    print(json.dumps(out, default=str)[:3000])
except Exception:
    print(out)
print("cpu", time.process_time() - t)
