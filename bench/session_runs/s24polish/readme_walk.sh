#!/bin/bash
# README walkthrough (s24polish): the train / serve sections' commands on a fresh clone of
# main with no ../shared beside it (/tmp/s24polish_clone/planner), one at a time, --threads 1.
# Usage: readme_walk.sh OUTDIR
set -u
OUT=$1
cd /tmp/s24polish_clone/planner || exit 1
PY="nice -n 10 env PYTHONPATH=. /work/main/.venv/bin/python"
CFG=tests/data/hf_configs_reconstructed
run() {  # name, then the planner arguments
  local name=$1; shift
  { echo "\$ planner $*"; echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$OUT/$name.txt"
  /usr/bin/time -f "# exit %x, wall %e s, cpu %U+%S s" -a -o "$OUT/$name.txt.time" \
    $PY cli.py "$@" >> "$OUT/$name.txt" 2>&1
  cat "$OUT/$name.txt.time" >> "$OUT/$name.txt"; rm -f "$OUT/$name.txt.time"
}
run serve_readme plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 \
    --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 50ms --threads 1
run serve_readme_disagg plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 \
    --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 50ms --disaggregate --threads 1
run serve_tour plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 --prompt-tokens 1024 \
    --output-tokens 256 --ttft 1s --tpot 50ms --threads 1
run train_pathto plan train --model path/to/config.json --gpus H100:512,A100:512 --global-batch 1536 --seq 2048 --plot /tmp/s24polish_clone/pipe.png --threads 1
for m in phi-3.5-moe dbrx granite-3.1-8b; do
  run train_mixed_$m plan train --model $CFG/$m.json --gpus H100:512,A100:512 --global-batch 1536 \
      --seq 2048 --plot /tmp/s24polish_clone/pipe_$m.png --threads 1
done
run train_mixed_olmo2 plan train --model bench/session_runs/s24unseen/configs/olmo-2-7b.json --gpus H100:512,A100:512 --global-batch 1536 --seq 2048 --threads 1
run train_gemma2 plan train --model bench/session_runs/s24unseen/configs/gemma-2-27b.json --gpus 64xH100 --global-batch 512 --seq 4096 --threads 1
run solve_mixed solve train gpt-7.5b-mixed.toml --threads 1
run train_pricing plan train --model llama-3.1-70b --gpus H100:16,A100:32 --global-batch 512 --seq 4096 --objective cost --pricing spot --threads 1
run train_tour_top5 plan train --model llama-3.1-70b --gpus 64xH100 --global-batch 512 --seq 4096 --top 5 --threads 1
run train_tour_175b plan train --model gpt-175b --gpus 1024xA100 --global-batch 1536 --seq 2048 --tp 8 --pp 8 --threads 1
run train_405 plan train --model llama-3.1-70b --gpus 256xH100 --global-batch 512 --seq 8192 --tp 8 --json --threads 1
run train_dsv3 plan train --model deepseek-v3 --gpus 1024xH200 --global-batch 4096 --seq 4096 --precision fp8 --threads 1
run train_1t plan train --model gpt-1t --gpus 3072xA100 --global-batch 3072 --seq 2048 --threads 1
echo done > "$OUT/DONE"
