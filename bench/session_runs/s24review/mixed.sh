#!/bin/bash
# plan train on mixed pools: main before (new, 9b651fdf) vs merged main (cur, 011e0950), alternating
out=/tmp/s24review/mixed; mkdir -p $out
run() { # tree name args...
  local tree=$1 name=$2; shift 2
  cd /tmp/s24review/$tree
  echo "$tree $name $(uptime)" >> $out/log.txt
  /usr/bin/time -f "wall=%e user=%U" -o $out/${name}_$tree.time nice -n 10 /tmp/s24review/pl.sh plan train "$@" --json --threads 1 > $out/${name}_$tree.json 2>$out/${name}_$tree.err
}
for tree in new cur; do run $tree l8b --model llama-3.1-8b --gpus H100:8,A100:8 -B 64 -s 4096 -t 20; done
for tree in new cur; do run $tree mix --model mixtral-8x7b --gpus H100:16,A100:16 -B 256 -s 4096 -t 20; done
for tree in new cur; do run $tree ds3 --model deepseek-v3 --gpus H100:512,A100:512 -B 1536 -s 2048 -t 5; done
echo done >> $out/log.txt
