#!/bin/sh
# DeepSeek-V3 on 2,048 H800 (the anchor's workload and software preset) with --export megatron,
# before (main) and after (this branch): the DualPipe / EP A2A overlap rules of core_v0.15.3.
# Usage: sh bench/session_runs/s14mcore/deepseek_megatron.sh MAIN_DIR BRANCH_DIR > deepseek_megatron.txt
for root in "$1" "$2"; do
  echo "== $root load $(cut -d' ' -f1 /proc/loadavg)"
  cd "$root" && PYTHONPATH="$root" /usr/bin/time -f "process %U s user %S s sys %e s wall" \
    /work/main/.venv/bin/planner plan train --model deepseek-v3 --gpus 2048xH800 -B 15360 -s 4096 \
    --precision fp8 --software deepseek-v3 --export megatron --json -t 300 \
    | /work/main/.venv/bin/python -c "import json,sys; d=json.load(sys.stdin); p=d.get('plan') or {}; e=d.get('export') or {}; print(d['status'], d.get('step_time_s'), d.get('gap'), d.get('runtime_s'), {k: p.get(k) for k in ('tp','pp','dp','cp','ep','interleave','microbatch','recompute','recompute_layers','zero')}, p.get('stage_layers'), d.get('schedule'), e.get('notes'), (e.get('settings') or {}).get('--overlap-moe-expert-parallel-comm'), d.get('reason'))"
done
