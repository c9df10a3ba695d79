#!/bin/sh
# main's rcpsp rows again once its numba cache was warm (before.sh's first rcpsp run compiled).
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
PY=.venv/bin/python
export CODE=/tmp/s26limits/base LABEL=main
$PY $R rcpsp auto j301_1 1 -- solve rcpsp /work/shared/data/psplib/j30/j301_1.sm -m auto --json -t 1 --threads 1
$PY $R rcpsp auto n3000 1 -- solve rcpsp /tmp/s25scale/rcpsp_3000.json -m auto --json -t 1 --threads 1
