run() { dir=$1; shift; echo "--- [$dir] planner $*"; (cd /tmp/s22rev_$dir && PYTHONPATH=. timeout 300 nice -n 5 .venv/bin/planner "$@" 2>&1 >/dev/null | tail -3; echo "exit ${PIPESTATUS[0]}"); }
run s22gemm plan serve --model llama-3.1-8b --gpus H100:1 --qps 1 --prompt-tokens 512 --output-tokens 128 --engine trtllm,pad=-1 -t 5
run s22gemm plan serve --model llama-3.1-8b --gpus H100:1 --qps 1 --prompt-tokens 512 --output-tokens 128 --engine trtllm,pad=abc -t 5
run s22gemm plan serve --model llama-3.1-8b --gpus H100:1 --qps 1 --prompt-tokens 512 --output-tokens 128 --engine trtllm,fp8-law=1 -t 5
run s22gemm plan serve --model llama-3.1-8b --gpus H100:1 --qps 1 --prompt-tokens 512 --output-tokens 128 --engine trtllm,pad=8,pad=16 -t 5
run s22gemm plan serve --model llama-3.1-8b --gpus H100:1 --qps 1 --prompt-tokens 512 --output-tokens 128 --engine trtllm,pad=99999999999999999999999 -t 5
run s22small gen rcpsp --tasks 5 --layers 50
run s22small gen rcpsp --tasks 5 --layers 0
run s22small gen rcpsp --tasks 30 --scenario datacenter-migration --layers 11
run s22small gen rcpsp --jobs 0
run s22small gen smtt --n 10 --tf 1e30 --rdd 0.5
run s22small bench rcpsp instances/rcpsp --report x.csv
