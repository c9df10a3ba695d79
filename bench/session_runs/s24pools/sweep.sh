#!/bin/sh
# s24pools: main (011e0950, unpacked in /tmp/s24pools_main) and this branch side by side,
# each run in a fresh process: plan train -m auto --threads 1 at -t 2 / 5 / 20.
# Usage (from the worktree): sh bench/session_runs/s24pools/sweep.sh > bench/session_runs/s24pools/sweep.jsonl
DSV2=bench/session_runs/s24unseen/configs/deepseek-v2.json
for case in "$DSV2 H100:64,A100:64 512" "deepseek-v3 H100:64,A100:64 512" "llama-3.1-70b H100:64,A100:64 512" \
            "$DSV2 H100:512,A100:512 2048" "deepseek-v3 H100:512,A100:512 2048" "llama-3.1-70b H100:512,A100:512 2048"; do
  set -- $case
  for t in 2 5 20; do
    for v in main branch; do
      if [ $v = main ]; then pp=/tmp/s24pools_main; else pp=.; fi
      PYTHONPATH=$pp nice -n 10 timeout 120 .venv/bin/python bench/session_runs/s24pools/anytime.py "$1" "$2" "$3" "$t" \
        | sed "s/^{/{\"version\": \"$v\", /"
    done
  done
done
