#!/bin/sh
T=/work/wt/s23review_speed
P="env PYTHONPATH=$T nice -n 10 $T/.venv/bin/planner"
ARGS=/work/wt/s23review_readme/bench/session_runs/s23readme/args.txt
echo "== $T MoE --fix $(uptime | sed 's/.*load/load/')"
$P plan train --model mixtral-8x7b --gpus 64xH100 -B 512 -s 4096 --fix tp=2,ep=8 --threads 1 -t 600 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['status'], d['plan'], d['step_time_s'], d['bound'])"
echo "== $T --from $(uptime | sed 's/.*load/load/')"
$P plan train --model gpt-1.7b --gpus 16xA100 --from megatron $ARGS --threads 1 -t 600 --json | python3 -c "import json,sys; d=json.load(sys.stdin); p=d['proposal']; print(d['status'], d['step_time_s'], p['label'], p['step_time_s'], p['status'])"
