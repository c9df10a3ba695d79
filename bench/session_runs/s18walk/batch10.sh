R=/tmp/s18walk/repo
./run.sh o8 $R 'planner gen offload --preset mixtral-8x7b --steps 8 --seed 1 -o mx.json && planner solve offload mx.json -m auto -t 5 -o mxplan.json && planner plan serve --model mixtral-8x7b --gpus H100:8 --qps 2 --prompt-tokens 1024 --output-tokens 256 --ttft 2s --tpot 100ms --offload mxplan.json --threads 1'
./run.sh ex1 $R 'timeout 120 nice -n 10 .venv/bin/python examples/capacity_sweep.py --time-limit 2 --out /tmp/s18walk/out/sweep.png'
