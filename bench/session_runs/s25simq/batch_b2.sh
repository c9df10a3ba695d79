# the rest of the grid sample at 30,000 requests, seed 1 (the machine's load cut the second seed)
cd /work/wt/s25simq
export PYTHONPATH=.
uptime >> bench/session_runs/s25simq/out/b_uptime.txt
nice -n 10 .venv/bin/python bench/session_runs/s25simq/grid_long.py --requests 30000 --seeds 1 --pick \
  "8B chat:0.8" "70B chat fp8 tp4:0.7" "8B chat bursty (scv 2):0.7" "8B ShareGPT-like lengths:0.7" \
  "8B chat P/D 1:1:0.7" "Mixtral chat tp2:0.7" "8B fp8 KV L40S:0.7" "8B prefix hits 50 %:0.7" \
  "8B long prompts:0.8" "405B fp8 tp8:0.7" \
  >> bench/session_runs/s25simq/out/b_grid.jsonl 2>> bench/session_runs/s25simq/out/b_grid.err
uptime >> bench/session_runs/s25simq/out/b_uptime.txt
