#!/bin/sh
# Odd limits and thread counts on every family (bundled instances, and the large ones at -t 0.01).
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
I=/tmp/s25scale
for t in 0.01 1e9; do
  $PY $R smtt auto example $t -- solve smtt example.json --json -t $t --threads 64
  $PY $R rcpsp auto j301_1 $t -- solve rcpsp j301_1.sm --json -t $t --threads 64
  $PY $R seqpar auto example $t -- solve seqpar instances/seqpar/example.json --json -t $t --threads 64
  $PY $R pipelining auto gemm_hopper $t -- solve pipelining instances/pipelining/gemm_hopper.json --json -t $t --threads 64
  $PY $R offload auto tide_trace $t -- solve offload instances/offload/tide_trace.json --json -t $t --threads 64
  $PY $R train auto llama-8b-64xh100 $t -- solve train instances/train/llama-8b-64xh100.toml --json -t $t --threads 64
  $PY $R serve auto chat-70b $t -- solve serve instances/serve/chat-70b.toml --json -t $t --threads 64
done
$PY $R smtt auto n1000000 0.01 -- solve smtt $I/smtt_1000000.json --json -t 0.01 --threads 1
$PY $R rcpsp auto n1000 0.01 -- solve rcpsp $I/rcpsp_1000.json --json -t 0.01 --threads 1
$PY $R seqpar auto b131k-g64k 0.01 -- solve seqpar $I/seqpar_131k_64k.json --json -t 0.01 --threads 1
$PY $R pipelining auto ops100 0.01 -- solve pipelining $I/pipe_100.json --json -t 0.01 --threads 1
$PY $R train auto 2T-100kH100-seq1M 0.01 -- plan train --model $I/gpt-2t.json --gpus 100000xH100 -B 2048 -s 1048576 --json -t 0.01 --threads 1
$PY $R serve auto 11types-10wl 0.01 -- plan serve --model llama-3.1-70b --gpus H100:64,A100:64,H200:64,B200:64,L40S:64,A10G:64,L4:64,H20:64,MI300X:64,H800:64,A800:64 --workloads $I/workloads10.toml --json -t 0.01 --threads 1
