#!/bin/sh
# Side-by-side CPU seconds of the 1T search: trees A and B alternate, N fresh processes each.
#   sh ab_1t.sh TREE_A TREE_B [N] [TIME_LIMIT] > out.txt ; summary by summarize.py
A=$1; B=$2; N=${3:-5}; TL=${4:-60}
HERE=$(cd "$(dirname "$0")" && pwd)
i=0
while [ $i -lt $N ]; do
  for t in "$A" "$B"; do
    (cd "$t" && PYTHONPATH=. .venv/bin/python "$HERE/cpu_1t.py" --time-limit $TL | sed "s|^|$t |")
  done
  i=$((i + 1))
done
