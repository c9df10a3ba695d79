# serve_fleet CPU, main (git archive of main at /tmp/s26mg1_main) and the branch side by side
# (run one after the other in the same minutes, each with one thread), then serve_public's
# held-out latency sources on both
cd /work/wt/s26mg1
O=$PWD/bench/session_runs/s26mg1/out
M="--models llama-3.1-8b,llama-3.1-70b,mixtral-8x7b"
uptime > $O/fleet_uptime.txt
(cd /tmp/s26mg1_main && PYTHONPATH=/tmp/s26mg1_main nice -n 10 .venv/bin/python /work/wt/s26mg1/bench/session_runs/s26mg1/fleet_cpu.py $O/fleet_main $M > $O/fleet_main.log 2>&1)
uptime >> $O/fleet_uptime.txt
PYTHONPATH=. nice -n 10 .venv/bin/python bench/session_runs/s26mg1/fleet_cpu.py $O/fleet_branch $M > $O/fleet_branch.log 2>&1
uptime >> $O/fleet_uptime.txt
S="--source mlperf_inf41 --source mlperf_inf51 --source nim_llama33"
(cd /tmp/s26mg1_main && PYTHONPATH=/tmp/s26mg1_main nice -n 10 .venv/bin/python bench/serve_public.py $S --out $O/public_main > $O/public_main.log 2>&1)
uptime >> $O/fleet_uptime.txt
PYTHONPATH=. nice -n 10 .venv/bin/python bench/serve_public.py $S --out $O/public_branch > $O/public_branch.log 2>&1
uptime >> $O/fleet_uptime.txt
