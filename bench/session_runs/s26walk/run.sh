#!/bin/bash
# run.sh TAG CMD... : run a command in the fresh clone with PYTHONPATH at the clone; log output
tag=$1; shift
out=/work/wt/s26walk/bench/session_runs/s26walk/out
cd ${RUNDIR:-/tmp/s26walk_home/planner}
export PYTHONPATH=/tmp/s26walk_home/planner PATH=/tmp/s26walk_home/planner/.venv/bin:$PATH
{ echo "\$ $*"; echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"; } > $out/$tag.txt
/usr/bin/time -f "# rc=%x wall=%es cpu=%Us+%Ss" -a -o $out/$tag.txt.time nice -n 10 "$@" >> $out/$tag.txt 2> $out/$tag.err
rc=$?
cat $out/$tag.txt.time >> $out/$tag.txt; rm -f $out/$tag.txt.time
if [ -s $out/$tag.err ]; then echo "# --- stderr:" >> $out/$tag.txt; cat $out/$tag.err >> $out/$tag.txt; fi
rm -f $out/$tag.err
echo "=== $tag rc=$rc"; tail -c ${TAILC:-3000} $out/$tag.txt
