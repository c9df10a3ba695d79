#!/bin/sh
# Branch re-runs after the fixes (smtt 1e6, rcpsp 1,000 / 3,000 jobs), -t 1.
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
I=/tmp/s25scale
export ROWS="$(dirname "$0")/side_by_side.jsonl"
for m in mdd ls auto; do
  $PY $R smtt $m n1000000 1 -- solve smtt $I/smtt_1000000.json -m $m --json -t 1 --threads 1
done
for m in auto cpsat lns sgs-lft ga; do
  $PY $R rcpsp $m n3000 1 -- solve rcpsp $I/rcpsp_3000.json -m $m --json -t 1 --threads 1
done
$PY $R rcpsp auto n1000x 1 -- solve rcpsp $I/rcpsp_1000x.json --json -t 1 --threads 1
$PY $R rcpsp auto n300 1 -- solve rcpsp $I/rcpsp_300.json --json -t 1 --threads 1
CODE=/work/main $PY $R rcpsp auto n300 1 -- solve rcpsp $I/rcpsp_300.json --json -t 1 --threads 1
