cd /work/wt/s25servex
export PYTHONPATH=.
P=".venv/bin/python cli.py plan serve --threads 1"
nice -n 10 $P --model llama-3.1-70b --gpus H100:16 --qps 4 --prompt-tokens exp:2048 --output-tokens exp:256 --ttft 2s --tpot 40ms --precision fp8 --kv-precision fp8 --speculative eagle --disaggregate --prefix-hit-rate 0.4 --json > /tmp/s25servex/runs/a1.json 2> /tmp/s25servex/runs/a1.err
nice -n 10 $P --model llama-3.1-8b --gpus H100:8,L40S:8 --qps 20 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 30ms --precision int4 --speculative draft --draft-model llama-3.2-1b --chunk-tokens 2048 --prefix-hit-rate 0.3 --json > /tmp/s25servex/runs/a2.json 2> /tmp/s25servex/runs/a2.err
nice -n 10 $P --model deepseek-v3 --gpus H200:16 --qps 2 --prompt-tokens exp:2048 --output-tokens exp:512 --ttft 3s --tpot 60ms --precision fp8 --speculative mtp --disaggregate --json > /tmp/s25servex/runs/a3.json 2> /tmp/s25servex/runs/a3.err
nice -n 10 $P --model llama-3.1-8b --gpus H100:4 --qps 15 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 30ms --simulate --sim-requests 3000 --json > /tmp/s25servex/runs/a4.json 2> /tmp/s25servex/runs/a4.err
echo done
