#!/bin/sh
# Reproduce the brief's defects against the code at $1 (a checkout: main or this worktree).
# Usage: sh repro.sh CODE > repro_main.txt 2>&1
CODE=$1
PY="env PYTHONPATH=$CODE nice -n 10 /work/main/.venv/bin/python"
P="env PYTHONPATH=$CODE nice -n 10 /work/main/.venv/bin/planner"
T=/tmp/s24small/repro; mkdir -p $T
cd $T  # python -c puts the working directory first on sys.path: not a checkout
R="plan train --model gpt-1.7b --gpus 16xA100 -B 64 -s 1024 -t 5 --threads 1"
echo "== 1a library stats metrics cost_per_hour, MI300X (no price)"
$PY -c "
from planner.serve import make_problem, solve
r = solve(make_problem('llama-3.1-8b', 'MI300X:2', qps=2, prompt_tokens='exp:600', output_tokens='exp:150', ttft='1s', tpot='50ms'), time_limit=10)
print('metrics cost_per_hour', r.stats['metrics']['cost_per_hour'])"
echo "== 1b day profile, MI300X"
$P plan serve --model llama-3.1-8b --gpus MI300X:2 --prompt-tokens 500 --output-tokens 100 --tpot 50ms --profile 1,3 -t 30 --threads 1 --json | $PY -c "import json,sys; d=json.load(sys.stdin)['day']; print('cost_usd', d['cost_usd'], 'cost_per_day', d['cost_per_day'], [p['cost_usd'] for p in d['periods']])"
$P plan serve --model llama-3.1-8b --gpus MI300X:2 --prompt-tokens 500 --output-tokens 100 --tpot 50ms --profile 1,3 -t 30 --threads 1 | grep -i "per day\|no price"
echo "== 1c infeasibility explanation, MI300X"
$PY -c "
from planner.serve import make_problem
from planner.serve.relax import explain_infeasible
p = make_problem('llama-3.1-8b', 'MI300X:1', qps=60, max_tp=1, max_pp=1, prompt_tokens='exp:600', output_tokens='exp:150', ttft='1s', tpot='50ms')
f = explain_infeasible(p, time_limit=30)
print([(o['kind'], o['cost_per_hour']) for o in f['options']]); print(f['text'])"
echo "== 1d train Estimate.summary(), MI300X"
$PY -c "
from planner.train import make_problem, plan
from planner.train.step_time import estimate
p = make_problem('gpt-1.7b', '16xMI300X', global_batch=64, seq_len=1024)
r = plan('gpt-1.7b', '16xMI300X', global_batch=64, seq_len=1024, time_limit=10)
s = estimate(p, r.solution).summary(); print('summary cost_per_hour', s['cost_per_hour'], s['usd_per_million_tokens'])"
echo "== 2a --framework megatron --fix zero=3"
$P $R --framework megatron --fix zero=3 --json > $T/z.json; echo "rc=$?"; $PY -c "import json; d=json.load(open('$T/z.json')); print(d['status'], d.get('failed_constraint'))" 2>&1 | tail -1
echo "== 2b --export megatron of a ZeRO-3 plan: notes"
$P $R --fix zero=3 --export megatron --framework any --json | $PY -c "import json,sys; d=json.load(sys.stdin); print(d['export']['notes'])"
echo "== 4 vLLM V0 pad=256, decode of 129 sequences at a 10,000-token context"
$PY -c "
import numpy as np
from planner.perfmodel.engines import parse_engine
from planner.perfmodel.hardware import get_gpu
from planner.perfmodel.readers import load_model
from planner.perfmodel.stage import EngineModel, ReplicaConfig
m, c = load_model('llama-3.1-8b'), ReplicaConfig(get_gpu('H100'), 1)
a = EngineModel(m, c, 'fp8', engine=parse_engine('vllm:0.6.3,pad=256'))
b = EngineModel(m, c, 'fp8', engine=parse_engine('vllm:0.6.3'))
x = np.array([129.0])
print('padded %.6f s, unpadded %.6f s' % (a.base_time(x, 129.0, 10000.0)[0], b.base_time(x, 129.0, 10000.0)[0]))"
echo "== 5 --from deepspeed with a key given twice"
printf '{"zero_optimization": {"stage": 1, "stage": 3}}' > $T/dup.json
$P $R --from deepspeed $T/dup.json --json > $T/d.json; echo "rc=$?"; $PY -c "import json; d=json.load(open('$T/d.json')); print('launch zero', d['plan'] and d['plan']['zero'])" 2>/dev/null
