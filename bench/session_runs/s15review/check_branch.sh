#!/bin/sh
# usage: check_branch.sh BRANCH  -- planner calibrate --check on a helper's worktree (no bytecode written there)
b=$1
out=/work/wt/s15review/bench/session_runs/s15review/calibrate_check_$b.txt
cd /tmp && uptime > $out && git -C /work/wt/$b log --oneline -1 >> $out
PYTHONPATH=/work/wt/$b PYTHONDONTWRITEBYTECODE=1 /usr/bin/time -f "%e s wall %U s user" nice -n 10 timeout 3600 /work/main/.venv/bin/planner calibrate --check >> $out 2>&1
echo rc=$? >> $out; uptime >> $out
