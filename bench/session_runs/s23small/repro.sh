#!/bin/sh
# Reproduce the brief's defects against the code at $1 (a checkout: /work/main or this worktree).
# Usage: sh repro.sh /work/main > repro_main.txt 2>&1
CODE=$1
P="env PYTHONPATH=$CODE nice -n 10 /work/main/.venv/bin/planner"
T=/tmp/s23small/repro; mkdir -p $T
S="plan serve --model llama-3.1-8b --qps 5 --prompt-tokens 512 --output-tokens 128 --ttft 1s --tpot 50ms -t 5"
R="plan train --model gpt-1.7b --gpus 16xA100 -B 64 -s 1024 -t 5"
echo "== 1 --engine vllm:9.9"; $P $S --gpus H100:2 --engine vllm:9.9 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('rc0', d['status'], d.get('warnings'))"
for pad in 0 1000000000; do echo "== 2 pad=$pad"; $P $S --gpus H100:2 --engine vllm,pad=$pad --json > /dev/null; echo "rc=$?"; done
echo "== 3 both accumulation modes"; $P $R --software grad_accumulation_fusion=true,unfused_grad_accumulation=true --json > /dev/null; echo "rc=$?"
echo "== 4 unpriced cost"; $P $S --gpus MI300X:2 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('serve cost_per_hour', d['cost_per_hour'])"
$P plan train --model gpt-1.7b --gpus 16xMI300X -B 64 -s 1024 -t 5 --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('train cost_per_hour', d['cost_per_hour'], 'memory_gib_per_gpu' in d)"
echo "== 6 compare dense"; $P $R --fix tp=2 -o $T/a.json > /dev/null 2>&1; $P $R --fix tp=1 -o $T/b.json > /dev/null 2>&1
$P plan compare $T/a.json $T/b.json --json | python3 -c "import json,sys; print([d['decision'] for d in json.load(sys.stdin)['decisions']])"
echo "== 7/8 --from"; $P $R --fix tp=2,pp=2 --export megatron -o $T/m.txt > /dev/null 2>&1
$P $R --from megatron $T/m.txt --export megatron --json | python3 -c "import json,sys; d=json.load(sys.stdin); print('framework', d['framework'], 'proposal.export' , 'export' in d['proposal'])"
echo "== 9 serve -o with --export"; rm -f $T/s.out; $P $S --gpus H100:2 --export vllm -o $T/s.out > /dev/null; echo "rc=$?"; head -c 60 $T/s.out; echo
echo "== 10 train --pricing"; $P $R --pricing on-demand --json > /dev/null; echo "rc=$?"
