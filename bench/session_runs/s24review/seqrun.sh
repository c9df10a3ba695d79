#!/bin/bash
# branch vs main, instance by instance (same minutes): wall/CPU vs limit
for i in github_32768_1024 commoncrawl_131072_4096 github_131072_65536; do
  for tree in seqpar new; do
    echo "== $tree $i $(uptime)"
    (cd /tmp/s24review/$tree && PYTHONPATH=. nice -n 10 /work/main/.venv/bin/python ../seqtime.py ../inst/$i.json auto,ls,milp,greedy 1,5 2>&1)
  done
done
