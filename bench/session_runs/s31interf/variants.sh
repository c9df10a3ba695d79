#!/bin/sh
# one thing varied at a time from the reproducer (qwen3-30b-a3b, Bare, 1 req/s, exp:800/exp:200, chunk 8192)
P="nice -n 10 .venv/bin/python bench/session_runs/s31interf/probe.py"
export PYTHONPATH=.
$P --chunk 8192 --prompt 800 --output 200           # fixed lengths
$P --chunk 8192 --model llama-3.1-8b                # dense
$P --chunk 8192 --gpu A100                          # catalogue GPU
