#!/bin/sh
# parts.py on the 3,000-job instance, main ($MAIN) and this branch alternating, 3 times each.
MAIN=${MAIN:-/tmp/s27limits/base}
HERE=$(dirname "$0")
for rep in 1 2 3; do
  printf 'main   '; PYTHONPATH=$MAIN nice -n 10 .venv/bin/python $HERE/parts.py /tmp/s25scale/rcpsp_3000.json
  printf 'branch '; PYTHONPATH=. nice -n 10 .venv/bin/python $HERE/parts.py /tmp/s25scale/rcpsp_3000.json
done
