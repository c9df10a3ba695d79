R=/tmp/s18walk/repo
./run.sh rp_tv $R 'timeout 120 nice -n 10 .venv/bin/python bench/train_validation.py'
./run.sh rp_1t $R 'timeout 120 nice -n 10 .venv/bin/python bench/train_speed_1t.py --repeat 3'
./run.sh rp_sv $R 'timeout 120 nice -n 10 .venv/bin/python bench/serve_validation.py'
./run.sh t4b $R 'planner plan train --model models/llm/llama-3.1-8b.json --gpus H100:512,A100:512 --global-batch 1536 --seq 2048 --plot pipe.png -t 30'
./run.sh v2b $R 'planner plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 50ms --disaggregate --threads 1 -t 30'
