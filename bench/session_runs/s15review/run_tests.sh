#!/bin/sh
# usage: run_tests.sh BRANCH TESTFILES...  -- the branch's touched tests, no bytecode written in its tree
b=$1; shift
out=/work/wt/s15review/bench/session_runs/s15review/tests_$b.txt
cd /work/wt/$b && { uptime; git log --oneline -1; } > $out
PYTHONPATH=/work/wt/$b PYTHONDONTWRITEBYTECODE=1 nice -n 10 timeout 1500 /work/main/.venv/bin/python -m pytest -q -p no:cacheprovider "$@" >> $out 2>&1
echo rc=$? >> $out
