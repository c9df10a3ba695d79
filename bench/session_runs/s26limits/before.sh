#!/bin/sh
# Before: main's code (git archive of the branch point into /tmp/s26limits/base), the s25scale
# instances in /tmp/s25scale, -t 1, --threads 1, nice -n 10 (run1.py).
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
PY=.venv/bin/python
export CODE=${CODE:-/tmp/s26limits/base} LABEL=${LABEL:-main}
# start-up: tiny instances
$PY $R smtt auto example 1 -- solve smtt instances/smtt/example.json -m auto --json -t 1 --threads 1
$PY $R rcpsp auto j301_1 1 -- solve rcpsp /work/shared/data/psplib/j30/j301_1.sm -m auto --json -t 1 --threads 1
$PY $R seqpar auto example 1 -- solve seqpar instances/seqpar/example.json -m auto --json -t 1 --threads 1
for m in mdd ls ils auto; do
  $PY $R smtt $m n1000000 1 -- solve smtt /tmp/s25scale/smtt_1000000.json -m $m --json -t 1 --threads 1
done
for m in auto cpsat; do
  $PY $R rcpsp $m n3000 1 -- solve rcpsp /tmp/s25scale/rcpsp_3000.json -m $m --json -t 1 --threads 1
done
for m in auto greedy; do
  $PY $R seqpar $m n1M-g64k 1 -- solve seqpar /tmp/s25scale/seqpar_1m_64k.json -m $m --json -t 1 --threads 1
done
