#!/bin/sh
# main's start-up rows again with its numba cache warm (before.sh's first smtt / seqpar runs
# compiled the kernels of the fresh copy: 69 / 19 CPU s, not start-up).
R="$(dirname "$0")/../s25scale/run1.py"
export ROWS="${ROWS:-$(dirname "$0")/rows.jsonl}"
PY=.venv/bin/python
export CODE=/tmp/s26limits/base LABEL=main
$PY $R smtt auto example 1 -- solve smtt instances/smtt/example.json -m auto --json -t 1 --threads 1
$PY $R seqpar auto example 1 -- solve seqpar instances/seqpar/example.json -m auto --json -t 1 --threads 1
