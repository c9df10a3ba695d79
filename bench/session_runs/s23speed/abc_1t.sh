#!/bin/sh
# Side-by-side CPU seconds of the 1T search over several trees (round robin, N rounds).
#   sh abc_1t.sh N TREE... > out.txt ; summary by summarize.py
N=$1; shift  # TL (environment): wall time limit, default 900
HERE=$(cd "$(dirname "$0")" && pwd)
i=0
while [ $i -lt $N ]; do
  for t in "$@"; do
    (cd "$t" && PYTHONPATH=. .venv/bin/python "$HERE/cpu_1t.py" --time-limit ${TL:-900} | sed "s|^|$t |")
  done
  i=$((i + 1))
done
