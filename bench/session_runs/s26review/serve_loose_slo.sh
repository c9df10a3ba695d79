#!/bin/sh
# plan serve with bursty arrivals (scv 4), lognormal prompts and loose SLOs, so that the
# capacity search probes prefill loads near saturation, on main (git archive in
# /tmp/s26review_main) and the branch. Run from the worktree.
out=bench/session_runs/s26review/out
mkdir -p "$out"
for side in main branch; do
  if [ "$side" = main ]; then root=/tmp/s26review_main; else root=.; fi
  uptime > "$out/serve_loose_${side}.txt"
  PYTHONPATH=$root nice -n 10 /usr/bin/time -f "cpu_user %U cpu_sys %S wall %e" .venv/bin/python -c "from planner.launcher import main; import sys; sys.exit(main())" plan serve \
    --model llama-3.1-8b --gpus H100:8 --qps 20 --prompt-tokens lognormal:1024,2048 \
    --output-tokens 64 --ttft 20s --tpot 500ms --arrival-scv 4 --threads 1 -t 60 \
    >> "$out/serve_loose_${side}.txt" 2>&1
  uptime >> "$out/serve_loose_${side}.txt"
done
