#!/bin/sh
# The j30 instances the branch's j30 run left FEASIBLE at load 15: main ($MAIN) and branch side
# by side (same minute, both nice -n 10), auto -t 60 --threads 1.
MAIN=${MAIN:-/tmp/s27limits/base}
D=/work/shared/data/psplib/j30
for i in j3013_2 j3029_3; do
  for code in $MAIN .; do
    (cd $code && PYTHONPATH=. nice -n 10 .venv/bin/planner solve rcpsp $D/$i.sm -m auto -t 60 --threads 1 --json \
      | python3 -c "import json,sys; r=json.load(sys.stdin); print('$i', '$code', r['status'], r['objective'], r['bound'], r['runtime_s'])") &
  done
  wait
  uptime
done
