#!/bin/sh
# After (smtt): the branch's code, same commands as before.sh.
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
PY=.venv/bin/python
export LABEL=${LABEL:-branch}
$PY $R smtt auto example 1 -- solve smtt instances/smtt/example.json -m auto --json -t 1 --threads 1
for m in mdd ls ils auto; do
  $PY $R smtt $m n1000000 1 -- solve smtt /tmp/s25scale/smtt_1000000.json -m $m --json -t 1 --threads 1
done
