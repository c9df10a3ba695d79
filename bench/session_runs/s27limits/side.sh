#!/bin/sh
# Main (a git archive of the branch point in $MAIN) and this branch, alternating per command,
# each one `planner solve ... --json -t 1 --threads 1` under /usr/bin/time -v and nice -n 10
# (s25scale's run1.py); rows into rows.jsonl.
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
MAIN=${MAIN:-/tmp/s27limits/base}
PY=.venv/bin/python
J301=/work/shared/data/psplib/j30/j301_1.sm
N3000=/tmp/s25scale/rcpsp_3000.json
for rep in 1 2; do
  for m in auto cpsat lns; do
    CODE=$MAIN LABEL=main $PY $R rcpsp $m n3000 1 -- solve rcpsp $N3000 -m $m --json -t 1 --threads 1
    LABEL=branch $PY $R rcpsp $m n3000 1 -- solve rcpsp $N3000 -m $m --json -t 1 --threads 1
  done
  CODE=$MAIN LABEL=main $PY $R rcpsp auto j301_1 1 -- solve rcpsp $J301 -m auto --json -t 1 --threads 1
  LABEL=branch $PY $R rcpsp auto j301_1 1 -- solve rcpsp $J301 -m auto --json -t 1 --threads 1
done
