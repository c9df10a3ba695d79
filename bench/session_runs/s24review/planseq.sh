#!/bin/bash
# plan seqpar wall vs steps x limit, branch then main per setting
for spec in "32768 1024 3 1" "131072 65536 2 1" "32768 1024 2 5"; do
  set -- $spec
  for tree in seqpar new; do
    cd /tmp/s24review/$tree
    echo "== $tree batch=$1 gpus=$2 steps=$3 -t $4 $(uptime)"
    /usr/bin/time -f "process wall=%e s user=%U s sys=%S s" nice -n 10 /tmp/s24review/pl.sh plan seqpar --lengths instances/seqpar/wikipedia_sample.txt --batch $1 --gpus $2 --steps $3 -t $4 --threads 1 --json 2>&1 | python3 -c "
import sys, json
txt = sys.stdin.read()
i = txt.find('{')
try:
    d = json.loads(txt[i:txt.rfind('}')+1])
    keys = [k for k in d if any(s in k for s in ('solve', 'time', 'speedup', 'step', 'wall'))]
    print({k: d[k] for k in keys})
except Exception as e:
    print('parse', e)
print(txt[txt.rfind('}')+1:].strip())
"
  done
done
