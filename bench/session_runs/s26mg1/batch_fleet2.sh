# serve_fleet CPU again, both trees with compiled kernels (main's copy warmed with
# `planner warmup serve` first: the first batch ran main's laws on numpy), interleaved
# main / branch / main / branch
cd /work/wt/s26mg1
O=$PWD/bench/session_runs/s26mg1/out
M="--models llama-3.1-8b,llama-3.1-70b,mixtral-8x7b"
uptime > $O/fleet2_uptime.txt
for i in 1 2; do
  (cd /tmp/s26mg1_main && PYTHONPATH=/tmp/s26mg1_main nice -n 10 .venv/bin/python /work/wt/s26mg1/bench/session_runs/s26mg1/fleet_cpu.py $O/fleet2_main_$i $M > $O/fleet2_main_$i.log 2>&1)
  uptime >> $O/fleet2_uptime.txt
  PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s26mg1/fleet_cpu.py $O/fleet2_branch_$i $M > $O/fleet2_branch_$i.log 2>&1
  uptime >> $O/fleet2_uptime.txt
done
