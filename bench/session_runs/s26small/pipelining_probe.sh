#!/bin/sh
# ims / exact / auto on the 100-op loop (gen pipelining --ops 100 --units 8 --recurrences 10,
# seed 1: the s25scale loop), one at a time, --threads 1; prints the load before each run.
# usage: sh pipelining_probe.sh TREE OUTDIR "ims:1.5 ims:4 ..."
TREE=$1; OUT=$2; RUNS=$3
for spec in $RUNS; do
  m=${spec%%:*}; t=${spec##*:}
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  PYTHONPATH=$TREE /usr/bin/time -f "%U %S" -o $OUT/cpu_${m}_${t}.txt "$TREE/.venv/bin/planner" solve pipelining bench/session_runs/s26small/loop100_s1.json -m $m -t $t --threads 1 --json > $OUT/$m-$t.json
  python3 -c "
import json; r = json.load(open('$OUT/$m-$t.json')); s = r['stats']
print('$m', '-t $t', 'load $load', r['status'], r.get('objective'), 'bound', r.get('bound'), 'runtime', round(r['runtime_s'], 2), 'cpu', open('$OUT/cpu_${m}_${t}.txt').read().split(), 'ims_ii', s.get('ims_ii'), 'gallop', s.get('ims_gallop_from'), 'tried', [(e['ii'], e.get('status')) for e in s.get('ii_tried', [])])"
done
