#!/bin/bash
# The README serve example with a time limit long enough to finish (-t 300), fresh clone.
set -u
OUT=$1
cd /tmp/s24polish_clone/planner || exit 1
for extra in "" "--disaggregate"; do
  name=serve_t300${extra:+_disagg}
  { echo "\$ planner plan serve ... $extra -t 300"; echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$OUT/$name.txt"
  /usr/bin/time -f "# exit %x, wall %e s, cpu %U+%S s" -a -o "$OUT/$name.txt" nice -n 10 env PYTHONPATH=. \
    /work/main/.venv/bin/python cli.py plan serve --model llama-3.1-70b --gpus H100:16,A100:32 --qps 10 \
    --prompt-tokens exp:1024 --output-tokens exp:256 --ttft 1s --tpot 50ms $extra -t 300 --threads 1 \
    >> "$OUT/$name.txt" 2>&1
done
echo done > "$OUT/DONE_long"
