# the five outside-grid workloads, 30,000 requests, seed 2 (s25simq ran seed 1), on the branch
cd /work/wt/s26mg1
export PYTHONPATH=.
O=bench/session_runs/s26mg1/out
R="nice -n 10 .venv/bin/python bench/session_runs/s25simq/repro.py --requests 30000 --seeds 2"
uptime > $O/sim_uptime.txt
$R --chunk 512 --util 0.7 --prompt 1024 --output exp:256 > $O/w_fixed1024_c512_u70_s2.txt
$R --chunk 2048 --util 0.7 --prompt lognormal:1024,2048 --output exp:256 > $O/w_lognorm_c2048_u70_s2.txt
$R --chunk 512 --util 0.7 --prompt exp:512 --output exp:128 > $O/w_chat_c512_u70_s2.txt
$R --chunk 8192 --util 0.7 --prompt exp:4096 --output exp:256 > $O/w_long4k_c8192_u70_s2.txt
$R --chunk 512 --util 0.7 --gpu L40S > $O/w_l40s_c512_u70_s2.txt
uptime >> $O/sim_uptime.txt
