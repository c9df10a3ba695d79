# after the chunk-2048 run at 15 req/s: workloads the grid lacks, 30,000 requests, seed 1
cd /work/wt/s25simq
export PYTHONPATH=.
while kill -0 17525 2>/dev/null; do sleep 5; done
O=bench/session_runs/s25simq/out
R="nice -n 10 .venv/bin/python bench/session_runs/s25simq/repro.py --requests 30000 --seeds 1"
uptime > $O/c_uptime.txt
$R --chunk 512 --util 0.7 --prompt exp:512 --output exp:128 > $O/w_chat_c512_u70.txt
$R --chunk 512 --util 0.7 --prompt 1024 --output exp:256 > $O/w_fixed1024_c512_u70.txt
$R --chunk 2048 --util 0.7 --prompt lognormal:1024,2048 --output exp:256 > $O/w_lognorm_c2048_u70.txt
$R --chunk 8192 --util 0.7 --prompt exp:4096 --output exp:256 > $O/w_long4k_c8192_u70.txt
$R --chunk 512 --util 0.7 --gpu L40S > $O/w_l40s_c512_u70.txt
uptime >> $O/c_uptime.txt
