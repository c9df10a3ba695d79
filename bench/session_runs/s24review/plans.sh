#!/bin/bash
# plan train / plan serve for catalogue models, main (new) vs s24unseen (unseen), JSON
out=/tmp/s24review/plans; mkdir -p $out
for m in llama-3.1-8b mixtral-8x7b qwen3-30b-a3b qwen2.5-72b; do
  for tree in new unseen; do
    cd /tmp/s24review/$tree
    echo "$tree $m train $(uptime)" >> $out/log.txt
    nice -n 10 /tmp/s24review/pl.sh plan train --model $m --gpus 16xH100 -B 64 -s 4096 --json -t 20 --threads 1 > $out/train_${m}_$tree.json 2>$out/train_${m}_$tree.err
    echo "$tree $m serve $(uptime)" >> $out/log.txt
    nice -n 10 /tmp/s24review/pl.sh plan serve --model $m --gpus H100:8 --qps 2 --prompt-tokens 1000 --output-tokens 200 --json -t 20 --threads 1 > $out/serve_${m}_$tree.json 2>$out/serve_${m}_$tree.err
  done
done
echo done >> $out/log.txt
