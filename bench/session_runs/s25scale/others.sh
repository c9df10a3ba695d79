#!/bin/sh
# seqpar, pipelining, offload, train, serve at large sizes, every method, -t 1 and -t 10.
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
I=/tmp/s25scale
GPUS10=H100:64,A100:64,H200:64,B200:64,L40S:64,A10G:64,L4:64,H20:64,MI300X:64,H800:64,A800:64
for t in 1 10; do
  for m in auto exact heuristic; do
    $PY $R train $m 2T-100kH100-seq1M $t -- plan train --model $I/gpt-2t.json --gpus 100000xH100 -B 2048 -s 1048576 -m $m --json -t $t --threads 1
  done
  for m in auto mip greedy; do
    $PY $R serve $m 11types-10wl $t -- plan serve --model llama-3.1-70b --gpus $GPUS10 --workloads $I/workloads10.toml -m $m --json -t $t --threads 1
  done
  for m in auto exact ims; do
    $PY $R pipelining $m ops100 $t -- solve pipelining $I/pipe_100.json -m $m --json -t $t --threads 1
  done
  for m in auto greedy ls milp flexsp static adaptive; do
    $PY $R seqpar $m b131k-g64k $t -- solve seqpar $I/seqpar_131k_64k.json -m $m --json -t $t --threads 1
  done
  for m in auto static lru lfu d2moe belady tide exact; do
    $PY $R offload $m dsv2lite-16k-global $t -- solve offload $I/off_16k.json -m $m --json -t $t --threads 1
  done
done
