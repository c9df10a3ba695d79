#!/bin/sh
# rcpsp at 300 / 1,000 / 3,000 jobs (20 resources, n/4 layers, 4n precedences; "x": + downtime,
# windows, disjunctive pairs), every method at -t 1, auto/cpsat/lns at -t 10.
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
for f in 3000 3000x 1000 1000x; do
  for m in auto cpsat cpsat-plain sgs-basic sgs-lft sgs-lst sgs-mts sgs-grpw sgs-par-lft sgs-par-lst sgs-par-mts sgs-par-grpw sampling ga lns; do
    [ -f /tmp/s25scale/rcpsp_$f.json ] && $PY $R rcpsp $m n$f 1 -- solve rcpsp /tmp/s25scale/rcpsp_$f.json -m $m --json -t 1 --threads 1
  done
done
for f in 300 300x 1000 3000 3000x; do
  for m in auto cpsat lns; do
    $PY $R rcpsp $m n$f 10 -- solve rcpsp /tmp/s25scale/rcpsp_$f.json -m $m --json -t 10 --threads 1
  done
done
