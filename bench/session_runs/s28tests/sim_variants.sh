#!/usr/bin/env bash
# CPU seconds of test_default_trace_is_the_benchmarks's CLI call per output length (argument).
# Run: bash bench/session_runs/s28tests/sim_variants.sh exp:4
set -euo pipefail
out=$1
/usr/bin/time -f "output=$out cpu_user=%U cpu_sys=%S wall=%e" env PYTHONPATH=. nice -n 10 .venv/bin/python -c "
import json, sys
from planner.cli import main
args = ['plan', 'serve', '--model', 'llama-3.1-8b', '--gpus', 'H100:1', '--qps', '4']
args += ['--prompt-tokens', 'exp:300', '--output-tokens', '$out', '--ttft', '1s']
args += ['--tpot', '60ms', '--threads', '1', '--simulate', '--json', '--sim-time-limit', '3600']
try:
    main(args)
except SystemExit as e:
    print('exit', e.code, file=sys.stderr)
" | python3 -c "import json,sys; d=json.load(sys.stdin)['simulated']; print({k: d[k] for k in ('requests','warmup_requests','complete')})"
