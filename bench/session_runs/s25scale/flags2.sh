#!/bin/sh
# The rest of flags.sh after its pipelining -t 1e9 --threads 64 run was stopped (10 min, 65 threads).
R="$(dirname "$0")/run1.py"
PY=.venv/bin/python
I=/tmp/s25scale
$PY $R offload auto tide_trace 1e9 -- solve offload instances/offload/tide_trace.json --json -t 1e9 --threads 3
$PY $R train auto llama-8b-64xh100 1e9 -- solve train instances/train/llama-8b-64xh100.toml --json -t 1e9 --threads 3
$PY $R serve auto chat-70b 1e9 -- solve serve instances/serve/chat-70b.toml --json -t 1e9 --threads 3
$PY $R smtt auto n1000000 0.01 -- solve smtt $I/smtt_1000000.json --json -t 0.01 --threads 1
$PY $R rcpsp auto n1000 0.01 -- solve rcpsp $I/rcpsp_1000.json --json -t 0.01 --threads 1
$PY $R seqpar auto b131k-g64k 0.01 -- solve seqpar $I/seqpar_131k_64k.json --json -t 0.01 --threads 1
$PY $R pipelining auto ops100 0.01 -- solve pipelining $I/pipe_100.json --json -t 0.01 --threads 1
$PY $R train auto 2T-100kH100-seq1M 0.01 -- plan train --model $I/gpt-2t.json --gpus 100000xH100 -B 2048 -s 1048576 --json -t 0.01 --threads 1
$PY $R serve auto 11types-10wl 0.01 -- plan serve --model llama-3.1-70b --gpus H100:64,A100:64,H200:64,B200:64,L40S:64,A10G:64,L4:64,H20:64,MI300X:64,H800:64,A800:64 --workloads $I/workloads10.toml --json -t 0.01 --threads 1
