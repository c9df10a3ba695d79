#!/bin/bash
# /work/wt/s21review_pad: a detached worktree at s21pad 766f45f (removed after the review); main at 75b9042
for tree in /work/main /work/wt/s21review_pad; do
 for g in H100:16 MI300X:16 L40S:16; do
  tag=$(basename $tree)_${g%%:*}
  cd $tree && PYTHONPATH=$tree nice -n 10 timeout 300 /work/main/.venv/bin/planner plan serve --model llama-3.1-8b --gpus $g --qps 40 --prompt-tokens exp:800 --output-tokens exp:200 --ttft 1s --tpot 30ms -t 30 --threads 1 --json > /tmp/s21rev/plan_$tag.json 2>&1
  python3 -c "
import json
d=json.load(open('/tmp/s21rev/plan_$tag.json'))
print('$tag', d['status'], 'gpus', d['gpus'], 'cap', round(d['capacity_qps'],2), 'ttft', d['ttft_s'], 'tpot', d['tpot_s'], [ (r.get('label') or r) for r in d['replicas']][:3])
"
 done
done
