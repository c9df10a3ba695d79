#!/bin/sh
# smtt at 1e5 / 1e6 jobs, every method, -t 1 (and auto/exact at -t 10).
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
for f in 1000000 1000000w; do
  for m in edd spt mdd atc psk eddc mddc aug-mdd aug-mddc dec ls ils mip cpsat exact auto; do
    $PY $R smtt $m n$f 1 -- solve smtt /tmp/s25scale/smtt_$f.json -m $m --json -t 1 --threads 1
  done
done
for f in 100000 100000w 1000000 1000000w; do
  for m in auto exact; do
    $PY $R smtt $m n$f 10 -- solve smtt /tmp/s25scale/smtt_$f.json -m $m --json -t 10 --threads 1
  done
done
