#!/bin/sh
# alternate: s23speed head vs s23review (rename fix), 1T CPU time, 900 s wall limit; also the full answer
for i in 1 2; do
for T in /work/wt/s23review_speed /work/wt/s23review; do
  echo "$T $(cd $T && PYTHONPATH=$T nice -n 10 .venv/bin/python /work/wt/s23review/bench/session_runs/s23speed/cpu_1t.py --time-limit 900)"
done
done
for T in /work/wt/s23review_speed /work/wt/s23review; do
  (cd $T && PYTHONPATH=$T nice -n 10 .venv/bin/python /work/wt/s23review/bench/session_runs/s23speed/dump_1t.py > /tmp/s23review/dump_$(basename $T).json)
done
cmp /tmp/s23review/dump_s23review_speed.json /tmp/s23review/dump_s23review.json && echo "dumps identical"
