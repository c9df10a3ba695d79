#!/bin/sh
# j3029_9 (main 97, branch 100 in the 60-instance j30 sample, both FEASIBLE at 10 s, load 11-14):
# main and branch alternating, twice (s25scale's run1.py) -> j30_side.jsonl.
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="$(dirname "$0")/j30_side.jsonl"
MAIN=${MAIN:-/tmp/s29limits/base}
PY=.venv/bin/python
F=/work/shared/data/psplib/j30/j3029_9.sm
for rep in 1 2; do
  CODE=$MAIN LABEL=main $PY $R rcpsp auto j3029_9 10 -- solve rcpsp $F -m auto --json -t 10 --threads 1
  LABEL=branch $PY $R rcpsp auto j3029_9 10 -- solve rcpsp $F -m auto --json -t 10 --threads 1
done
