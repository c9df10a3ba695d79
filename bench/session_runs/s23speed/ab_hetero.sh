#!/bin/sh
# The six cases of bench/train_hetero.py, tree A then tree B per case (same minute), N rounds;
# one JSON row per run (the bench's own --only --json row: status, plan, step, cpu_s, load).
#   sh ab_hetero.sh TREE_A TREE_B [N] [TIME_LIMIT, default 60: wall time, generous under load] > out.txt
A=$1; B=$2; N=${3:-1}; TL=${4:-60}
i=0
while [ $i -lt $N ]; do
  for c in gpt-175b llama-70b llama-405b mixtral gpt-175b-nics gpt-1t-homog; do
    for t in "$A" "$B"; do
      (cd "$t" && PYTHONPATH=. .venv/bin/python bench/train_hetero.py --only $c --json \
        --time-limit $TL | tail -1 | sed "s|^|$t |")
    done
  done
  i=$((i + 1))
done
