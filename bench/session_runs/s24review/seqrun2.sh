#!/bin/bash
# runtime_s vs limit, branch (seqpar) and main (new) alternating per method, 2 rounds
for round in 1 2; do
for i in commoncrawl_131072_4096 github_131072_65536; do
  for m in auto ls greedy adaptive static; do
    for tree in seqpar new; do
      echo -n "$round $tree " 
      (cd /tmp/s24review/$tree && PYTHONPATH=. nice -n 10 /work/main/.venv/bin/python ../seqtime2.py ../inst/$i.json $m 1,2 2>&1 | tr '\n' '|')
      echo
    done
  done
done
done
