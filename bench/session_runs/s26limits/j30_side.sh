#!/bin/sh
# The 4 j30 instances the branch's j30 run left FEASIBLE at load 9-11: main and branch side by
# side (same minute, both nice -n 10), auto -t 60 --threads 1.
D=/work/shared/data/psplib/j30
for i in j3013_6 j3029_3 j3029_6 j3029_8; do
  for code in /tmp/s26limits/base .; do
    (cd $code && PYTHONPATH=. nice -n 10 .venv/bin/planner solve rcpsp $D/$i.sm -m auto -t 60 --threads 1 --json \
      | python3 -c "import json,sys; r=json.load(sys.stdin); print('$i', '$code', r['status'], r['objective'], r['bound'], r['runtime_s'], r['stats'].get('first_solution_s'))") &
  done
  wait
  uptime
done
