#!/bin/sh
# Main (a git archive of main in $MAIN, same .venv, kernels warmed) and this branch,
# alternating per command: rcpsp 3,000 jobs `lns` / `cpsat` at -t 1 and -t 2, and j301_1
# `auto` (the start-up of the budget), each `planner solve ... --json --threads 1` under
# /usr/bin/time -v and nice -n 10 (s25scale's run1.py); rows into rows.jsonl.
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
MAIN=${MAIN:-/tmp/s29limits/base}
PY=.venv/bin/python
J301=/work/shared/data/psplib/j30/j301_1.sm
N3000=/tmp/s29limits/rcpsp_3000.json
for rep in 1 2; do
  CODE=$MAIN LABEL=main $PY $R rcpsp auto j301_1 1 -- solve rcpsp $J301 -m auto --json -t 1 --threads 1
  LABEL=branch $PY $R rcpsp auto j301_1 1 -- solve rcpsp $J301 -m auto --json -t 1 --threads 1
  for t in 1 2; do
    for m in lns cpsat; do
      CODE=$MAIN LABEL=main $PY $R rcpsp $m n3000 $t -- solve rcpsp $N3000 -m $m --json -t $t --threads 1
      LABEL=branch $PY $R rcpsp $m n3000 $t -- solve rcpsp $N3000 -m $m --json -t $t --threads 1
    done
  done
done
