cd /work/wt/s25servex
export PYTHONPATH=.
P=".venv/bin/python cli.py plan serve --threads 1"
nice -n 10 $P --model llama-3.1-70b --gpus H100:16,A100:16 --qps 3 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 2s --tpot 50ms --precision int4 --speculative draft --draft-model llama-3.1-8b --chunk-tokens 2048 --prefix-hit-rate 0.3 --json > /tmp/s25servex/runs/b1.json 2> /tmp/s25servex/runs/b1.err
nice -n 10 $P --model llama-3.1-8b --gpus H100:8,L40S:8 --workloads /tmp/s25servex/runs/two.toml --simulate --sim-requests 4000 --json > /tmp/s25servex/runs/b2.json 2> /tmp/s25servex/runs/b2.err
nice -n 10 $P --model llama-3.1-8b --gpus H100:8,L40S:8 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 40ms --profile 5,20,40,10 --spot --max-replicas 6 --max-change 2 --min-replicas 1 --pricing on-demand --json > /tmp/s25servex/runs/b3.json 2> /tmp/s25servex/runs/b3.err
nice -n 10 $P --model llama-3.1-8b --gpus H100:4 --qps 15 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 30ms --simulate --sim-requests 30000 --sim-seed 1 --json > /tmp/s25servex/runs/b4.json 2> /tmp/s25servex/runs/b4.err
echo done
