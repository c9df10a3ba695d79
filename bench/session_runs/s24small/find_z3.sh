# run on main 31998729 (a detached worktree at /tmp/s24small/base), load 5-8
P="env PYTHONPATH=/tmp/s24small/base nice -n 10 /work/main/.venv/bin/planner"
printf -- '--tensor-model-parallel-size 1\n--pipeline-model-parallel-size 1\n--micro-batch-size 1\n--global-batch-size 64\n--seq-length 4096\n--bf16\n' > l1.txt
for m in "llama-3.1-8b 8xL40S" "llama-3.1-8b 16xL40S" "llama-3.1-8b 8xA100-40GB" "llama-3.1-70b 64xL40S" "gpt-1.7b 8xL4" "llama-3.1-8b 32xA10G" "llama-3.1-70b 32xH100"; do
  set -- $m
  $P plan train --model $1 --gpus $2 -t 15 --threads 1 --from megatron l1.txt --json > z.json 2>/dev/null
  python3 -c "
import json; d=json.load(open('z.json')); p=d['proposal']; print('$1 $2', p.get('label'), p.get('outside_framework'))"
done
