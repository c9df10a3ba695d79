# after batch A's chunk-512 80 % run: chunk 2048 on the same case, then workloads the grid lacks
cd /work/wt/s25simq
export PYTHONPATH=.
while kill -0 32438 2>/dev/null; do sleep 5; done
O=bench/session_runs/s25simq/out
R="nice -n 10 .venv/bin/python bench/session_runs/s25simq/repro.py --requests 30000"
uptime > $O/c_uptime.txt
$R --seeds 1 2 --chunk 2048 --qps 15 > $O/a_c2048_q15.txt
$R --seeds 1 2 --chunk 2048 --util 0.8 > $O/a_c2048_u80.txt
# widened inputs: fixed-length prompts at chunk 512; chat at chunk 512; long prompts at chunk 8192;
# heavy-tailed lognormal prompts at chunk 2048; 8B on L40S at chunk 512
$R --seeds 1 2 --chunk 512 --util 0.7 --prompt 1024 --output exp:256 > $O/w_fixed1024_c512_u70.txt
$R --seeds 1 2 --chunk 512 --util 0.7 --prompt exp:512 --output exp:128 > $O/w_chat_c512_u70.txt
$R --seeds 1 2 --chunk 8192 --util 0.7 --prompt exp:4096 --output exp:256 > $O/w_long4k_c8192_u70.txt
$R --seeds 1 2 --chunk 2048 --util 0.7 --prompt lognormal:1024,2048 --output exp:256 > $O/w_lognorm_c2048_u70.txt
$R --seeds 1 2 --chunk 512 --util 0.7 --gpu L40S --prompt exp:1024 --output exp:256 > $O/w_l40s_c512_u70.txt
uptime >> $O/c_uptime.txt
