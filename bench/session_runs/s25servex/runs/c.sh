cd /work/wt/s25servex
export PYTHONPATH=.
P=".venv/bin/python cli.py plan serve --threads 1 --model llama-3.1-8b --gpus H100:4 --qps 15 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 30ms --simulate --json"
for s in 2 3; do /usr/bin/time -f "%U user %e wall" nice -n 10 $P --sim-requests 30000 --sim-seed $s > /tmp/s25servex/runs/c$s.json 2> /tmp/s25servex/runs/c$s.err; done
nice -n 10 $P --sim-requests 100000 --sim-seed 4 > /tmp/s25servex/runs/c4.json 2> /tmp/s25servex/runs/c4.err
echo done
