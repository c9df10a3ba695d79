#!/bin/sh
# plan serve with bursty arrivals (the s26mg1 journal's command, and a looser TTFT that lets
# the search probe high loads) on main (git archive in /tmp/s26review_main) and the branch.
# Run from the worktree.
out=bench/session_runs/s26review/out
mkdir -p "$out"
for ttft in 1s 5s; do
  for side in main branch; do
    if [ "$side" = main ]; then root=/tmp/s26review_main; else root=.; fi
    uptime > "$out/serve_${ttft}_${side}.txt"
    PYTHONPATH=$root nice -n 10 /usr/bin/time -f "cpu_user %U cpu_sys %S wall %e" .venv/bin/python -c "from planner.launcher import main; import sys; sys.exit(main())" plan serve \
      --model llama-3.1-8b --gpus H100:8,A100:8,L40S:8 --qps 20 --prompt-tokens exp:1024 \
      --output-tokens exp:256 --ttft "$ttft" --tpot 50ms --arrival-scv 2 --threads 1 -t 60 \
      >> "$out/serve_${ttft}_${side}.txt" 2>&1
    uptime >> "$out/serve_${ttft}_${side}.txt"
  done
done
