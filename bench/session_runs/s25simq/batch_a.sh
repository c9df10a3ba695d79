# chunk vs utilisation on the s25servex case (8B H100 tp1, exp:1024/exp:256), 30,000 requests, seeds 1-3
cd /work/wt/s25simq
R="nice -n 10 .venv/bin/python bench/session_runs/s25simq/repro.py --requests 30000 --seeds 1 2 3"
export PYTHONPATH=.
uptime > bench/session_runs/s25simq/out/a_uptime.txt
$R --chunk 512 --util 0.7 > bench/session_runs/s25simq/out/a_c512_u70.txt
$R --chunk 512 --util 0.8 > bench/session_runs/s25simq/out/a_c512_u80.txt
$R --chunk 2048 --util 0.7 > bench/session_runs/s25simq/out/a_c2048_u70.txt
$R --chunk 2048 --util 0.8 > bench/session_runs/s25simq/out/a_c2048_u80.txt
$R --chunk 2048 --qps 15 > bench/session_runs/s25simq/out/a_c2048_q15.txt
$R --chunk 512 --qps 15 > bench/session_runs/s25simq/out/a_c512_q15.txt
uptime >> bench/session_runs/s25simq/out/a_uptime.txt
